/* SPDX-License-Identifier: MIT
 * walk_memo.c - remembered walks: found by their start, repeated after
 * every word they were read from is read again and compared. Reads only
 * inside the thread's verified stack range. The pages are mapped once per
 * counter slot and never given back (a slot outlives its threads).
 */
#include "callers/walk_memo.h"

#include "heaptag_segment.h"
#include "ht_atomic.h"

void *ht_walk_memos[HT_SLOTS_MAX];

struct ht_walk_memo *ht_walk_memo_map(const struct ht_thread *t)
{
    if (t->slot_state != HT_SLOT_HELD || t->slot >= HT_SLOTS_MAX)
        return NULL;
    return ht_map_once_or_none(&ht_walk_memos[t->slot], sizeof(struct ht_walk_memo));
}

static inline uint32_t set_of(uint64_t site, uint64_t sp)
{
    uint64_t x = (site ^ (sp * 0x9e3779b97f4a7c15ull)) * 0xff51afd7ed558ccdull;
    return (uint32_t)(x >> 60); /* HT_MEMO_SETS = 16 */
}

_Static_assert(HT_MEMO_SETS == 16, "set_of() keeps 4 bits");
_Static_assert(HT_MEMO_DEPTH <= 32, "a walk's checks are bits of a word");

/* 1 when w, a walk from sp, reads as it did: every return address slot and
 * every saved rbp a later step used holds its word. */
static int holds(const struct ht_unw_kept *w, uint64_t sp, uint64_t lo, uint64_t hi)
{
    uint32_t n = w->n;
    /* the stack pointers climb (each step was a learnt rule's): the first
     * and the last bound every return address slot */
    if (n > 1 && (sp + w->up[1] - 8 < lo || sp + w->up[n - 1] > hi))
        return 0;
    for (uint32_t i = 1; i < n; i++)
        if (*(const uint64_t *)(sp + w->up[i] - 8) != w->pc[i])
            return 0;
    for (uint32_t c = w->checks; c; c &= c - 1) {
        int i = __builtin_ctz(c);
        uint64_t a = sp + w->up[i] + (uint64_t)((int64_t)w->bpoff[i] * 8);
        if (a < lo || a + 8 > hi || *(const uint64_t *)a != w->bp[i])
            return 0;
    }
    return 1;
}

struct ht_memo_walk *ht_memo_find(struct ht_walk_memo *m, uint64_t pc, uint64_t sp, uint64_t bp,
                                  int max)
{
    struct ht_memo_walk *set = m->walk[set_of(pc, sp)];
    uint32_t gen = ht_unw_generation();
    uint64_t lo, hi;
    ht_unw_verified(&lo, &hi);
    for (int i = 0; i < HT_MEMO_WAYS; i++) {
        struct ht_memo_walk *w = &set[i];
        if (w->ready && w->site == pc && w->sp0 == sp && w->max == (uint32_t)max &&
            (!w->walk.need_bp0 || w->bp0 == bp) && w->gen == gen && holds(&w->walk, sp, lo, hi))
            return w;
    }
    return NULL;
}

struct ht_memo_walk *ht_memo_claim(struct ht_walk_memo *m, uint64_t pc, uint64_t sp)
{
    uint32_t s = set_of(pc, sp);
    struct ht_memo_walk *w = NULL;
    for (int i = 0; i < HT_MEMO_WAYS && !w; i++)
        if (!m->walk[s][i].ready)
            w = &m->walk[s][i];
    if (!w) {
        w = &m->walk[s][m->next_way[s]];
        m->next_way[s] = (uint8_t)((m->next_way[s] + 1) % HT_MEMO_WAYS);
    }
    w->ready = 0; /* while written: a jump out of the walk leaves it empty */
    ht_signal_fence();
    return w;
}

struct ht_memo_walk *ht_memo_commit(struct ht_memo_walk *w, uint64_t pc, uint64_t sp, uint64_t bp,
                                    int max, uint32_t gen)
{
    if (!w->walk.repeatable || max <= 0)
        return NULL;
    w->site = pc;
    w->sp0 = sp;
    w->bp0 = bp;
    w->gen = gen;
    w->max = (uint32_t)max;
    w->charged = 0;
    ht_signal_fence();
    w->ready = 1;
    return w;
}
