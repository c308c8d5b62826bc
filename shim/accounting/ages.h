/* SPDX-License-Identifier: MIT
 * ages.h - how old each row's live bytes are: the tick every block is
 * stamped with, the thread's tick, the age bins (ages.c has the design).
 */
#ifndef HT_AGES_H
#define HT_AGES_H

#include <stdint.h>

#include "base/block.h"
#include "base/state.h"
#include "ht_atomic.h"

/* Allocations a thread makes on its fast path between looks at the clock. */
#define HT_AGE_EVERY 64

/* Added to the monotonic clock the ages read; 0 but in the unit tests,
 * which move it forward to make ticks pass. */
HT_HIDDEN extern uint64_t ht_ages_clock_skew_ns;

/* Fills the ages header of a new segment (origin: now, tick 0). */
HT_HIDDEN void ht_ages_init(struct ht_seg_header *h);

/* Points ht_state at the ages of h (none when h keeps none). */
HT_HIDDEN void ht_ages_point(struct ht_seg_header *h);

/* A thread's slow path: looks at the clock when its count of allocations
 * ran out (moving every row's bins when a new tick began), and takes the
 * latest tick for its own stamps and slot. Call where the shim has started. */
HT_HIDDEN void ht_ages_sync(struct ht_thread *t);

/* The same, its common case inline: the count not run out, the thread on
 * the present tick, not inside a cache write or the shim's own slow path. */
static inline void ht_ages_sync_inline(struct ht_thread *t)
{
    const struct ht_ages *a = ht_state.ages;
    if (a && t->age_count - 2 < HT_AGE_EVERY - 1 && !t->cache_writing && !t->depth &&
        t->free_base && ht_load_acquire(&a->tick) == t->tick) {
        t->age_count--;
        return;
    }
    ht_ages_sync(t);
}

/* The fast path's look at the clock: the count renewed, the bins moved when
 * a new tick began (the thread takes it at its next slow path). */
HT_HIDDEN void ht_ages_clock(struct ht_thread *t);

/* free_base from t->tick (after it changed). */
HT_HIDDEN void ht_ages_thread_bases(struct ht_thread *t);

/* A slot was just claimed by t: counts another thread left in it go to the
 * bins of their tick; from now on they are t's tick's. */
HT_HIDDEN void ht_ages_slot_taken(struct ht_thread *t, struct ht_counters *ctr, uint32_t slot);

/* Counts bytes and blocks (negative for a free) in the bin of tick of the
 * row at counter offset off (clean, checked below off_limit). */
HT_HIDDEN void ht_ages_add(uint32_t off, uint32_t tick, int64_t bytes, int32_t blocks);

/* Adds to out[0..n) the net counts of rows [r0, r0 + n) in every open slot
 * of h, each in the bin of its slot's tick: what a single set holding every
 * set's sums (a forked child's, a compacted segment's) needs besides the
 * bins to stay exact. */
HT_HIDDEN void ht_ages_fold_slots(const struct ht_seg_header *h, struct ht_age_row *out,
                                  uint32_t r0, uint32_t n);

/* The tick a stamp stands for: the latest tick with those low bits. */
HT_HIDDEN uint32_t ht_ages_tick_of_stamp(uint32_t stamp);

#endif
