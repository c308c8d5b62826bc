/* SPDX-License-Identifier: MIT
 * walk_memo.h - ust's memory of each thread's recent walks. A walk is made
 * of reads: each frame's return address, and a saved rbp where a later step
 * uses it. From an equal start (the site and the stack pointer it is called
 * with) the same reads through the same learnt rules give the same walk, so
 * a remembered walk whose words still hold is repeated, not made, and the
 * row and stack entry it was charged to come with it. Per counter slot
 * (handed on with the slot when its thread exits), private pages mapped on
 * the slot's first walk. A walk a thread inherits with its slot is
 * harmless: it is repeated only where its start equals this thread's and
 * every word it names, inside this thread's verified stack range, holds.
 */
#ifndef HT_WALK_MEMO_H
#define HT_WALK_MEMO_H

#include <stdint.h>

#include "base/glue.h"
#include "heaptag_segment.h"
#include "ht_atomic.h"
#include "base/state.h"
#include "callers/unwind.h"

#define HT_MEMO_SETS 16 /* remembered walks per thread: sets by start, */
#define HT_MEMO_WAYS 4  /* each with room for the walks from one start */
#define HT_MEMO_DEPTH HT_UNW_KEPT_MAX /* frames of the longest (ust's default depth) */

struct ht_memo_walk {
    uint64_t site, sp0, bp0; /* the start; bp0 compared only when the walk used it */
    uint32_t ready;          /* 0: empty or being written */
    uint32_t gen;            /* ht_unw_generation() when made */
    uint32_t max;            /* the depth it was asked for */
    uint32_t charged;        /* row and stack hold, for rowkey */
    uint32_t row, stack;
    uint64_t rowkey;         /* the thread's tag key ^ the epoch when charged */
    /* the span of every word the walk read, above the start's sp, so that a
     * repeat tests the stack's bounds once, not once a word */
    int64_t span_lo, span_hi;
    struct ht_unw_kept walk;
};

struct ht_walk_memo {
    struct ht_memo_walk walk[HT_MEMO_SETS][HT_MEMO_WAYS];
    uint8_t next_way[HT_MEMO_SETS]; /* the way a new walk takes when none is free */
};

/* By counter slot: NULL before the slot's first walk, HT_MAP_NONE when no
 * page could be mapped, else its memory. */
extern HT_HIDDEN void *ht_walk_memos[HT_SLOTS_MAX];

/* Thread t's memory, mapped now if it never was; NULL when it has no counter
 * slot or no page could be mapped (its walks are made every time). */
HT_HIDDEN struct ht_walk_memo *ht_walk_memo_map(const struct ht_thread *t);

/* The same, the mapped case inline. */
static inline struct ht_walk_memo *ht_walk_memo_of(const struct ht_thread *t)
{
    if (__builtin_expect(t->slot_state == HT_SLOT_HELD && t->slot < HT_SLOTS_MAX, 1)) {
        void *m = ht_load_acquire(&ht_walk_memos[t->slot]);
        if (__builtin_expect(m && m != HT_MAP_NONE, 1))
            return m;
    }
    return ht_walk_memo_map(t);
}

/* The remembered walk from (pc, sp, bp) to depth max whose words still
 * hold, or NULL. Under the recursion guard. */
HT_HIDDEN struct ht_memo_walk *ht_memo_find(struct ht_walk_memo *m, uint64_t pc, uint64_t sp,
                                            uint64_t bp, int max);

/* The same for a start whose rbp is not known yet: a remembered walk whose
 * words hold, which is the walk from there when it never used the start's
 * rbp (walk.need_bp0 0) or when that rbp is its bp0. */
HT_HIDDEN struct ht_memo_walk *ht_memo_find_at(struct ht_walk_memo *m, uint64_t pc, uint64_t sp,
                                               int max);

/* The place for a new walk from (pc, sp): a free way of its set or the
 * oldest, emptied; the walk is made into its walk. */
HT_HIDDEN struct ht_memo_walk *ht_memo_claim(struct ht_walk_memo *m, uint64_t pc, uint64_t sp);

/* Makes w, its walk just made from (pc, sp, bp) to depth max with rules of
 * count gen, one that can be found; NULL (w left empty) when the walk
 * cannot be repeated. */
HT_HIDDEN struct ht_memo_walk *ht_memo_commit(struct ht_memo_walk *w, uint64_t pc, uint64_t sp,
                                              uint64_t bp, int max, uint32_t gen);

#endif
