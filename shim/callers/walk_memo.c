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

/* 1 when w, a walk from sp, reads as it did: every return address slot and
 * every saved rbp a later step used holds its word. */
static int holds(const struct ht_memo_walk *w, uint64_t sp, uint64_t lo, uint64_t hi)
{
    const struct ht_unw_kept *k = &w->walk;
    uint32_t n = k->n;
    if (n <= 1 && k->nbp == 0)
        return 1; /* nothing was read */
    if (sp + (uint64_t)w->span_lo < lo || sp + (uint64_t)w->span_hi > hi)
        return 0;
    const char *slots = (const char *)(uintptr_t)(sp - 8); /* a frame's return address */
    for (uint32_t i = 1; i < n; i++)
        if (*(const uint64_t *)(slots + k->up[i]) != k->pc[i])
            return 0;
    for (uint32_t j = 0; j < k->nbp; j++)
        if (*(const uint64_t *)(uintptr_t)(sp + (uint64_t)(int64_t)k->bp_at[j]) != k->bp_was[j])
            return 0;
    return 1;
}

/* The way of m from (pc, sp) to depth max whose words hold and, when
 * bp_known, whose start's rbp (if it used it) was bp. Inline: each entry
 * point tests what it knows. */
static inline __attribute__((always_inline)) struct ht_memo_walk *
scan(struct ht_walk_memo *m, uint64_t pc, uint64_t sp, uint64_t bp, int bp_known, int max)
{
    struct ht_memo_walk *set = m->walk[set_of(pc, sp)];
    uint32_t gen = ht_unw_generation();
    uint64_t lo, hi;
    ht_unw_verified(&lo, &hi);
    for (int i = 0; i < HT_MEMO_WAYS; i++) {
        struct ht_memo_walk *w = &set[i];
        if (w->ready && w->site == pc && w->sp0 == sp && w->max == (uint32_t)max &&
            (!bp_known || !w->walk.need_bp0 || w->bp0 == bp) && w->gen == gen &&
            holds(w, sp, lo, hi))
            return w;
    }
    return NULL;
}

struct ht_memo_walk *ht_memo_find(struct ht_walk_memo *m, uint64_t pc, uint64_t sp, uint64_t bp,
                                  int max)
{
    return scan(m, pc, sp, bp, 1, max);
}

struct ht_memo_walk *ht_memo_find_at(struct ht_walk_memo *m, uint64_t pc, uint64_t sp, int max)
{
    return scan(m, pc, sp, 0, 0, max);
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

/* The span of every word w's walk read (struct ht_memo_walk): the return
 * address slots climb with the frames, the rbps are spanned as listed. */
static void span_reads(struct ht_memo_walk *w)
{
    const struct ht_unw_kept *k = &w->walk;
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    if (k->n > 1) {
        lo = (int64_t)k->up[1] - 8;
        hi = (int64_t)k->up[k->n - 1];
    }
    lo = k->bp_lo < lo ? k->bp_lo : lo;
    hi = k->bp_hi > hi ? k->bp_hi : hi;
    w->span_lo = lo;
    w->span_hi = hi;
}

struct ht_memo_walk *ht_memo_commit(struct ht_memo_walk *w, uint64_t pc, uint64_t sp, uint64_t bp,
                                    int max, uint32_t gen)
{
    if (!w->walk.repeatable || max <= 0)
        return NULL;
    span_reads(w);
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
