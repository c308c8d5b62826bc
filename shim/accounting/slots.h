/* SPDX-License-Identifier: MIT
 * slots.h - counting. Each thread adds to a counter slot of its own (a table
 * of struct ht_counters indexed by row) without a lock; threads that found no
 * slot free add atomically to one of the shared shards. A row's counts are
 * the sums over every set (the tool sums them), a free is counted in the set
 * of the thread that frees. The slots' life (claimed on a thread's first slow
 * path, given back by a pthread key destructor, kept across fork) is slots.c.
 * Never a lock, never an allocation.
 */
#ifndef HT_SLOTS_H
#define HT_SLOTS_H

#include <stdint.h>

#include "accounting/ages.h"
#include "accounting/counter_sets.h"
#include "base/block.h"
#include "base/state.h"
#include "ht_atomic.h"

/* Samples the live bytes of the row at off into its peak and renews the
 * thread's budget (slots.c). Returns user. Called from slow paths only: the
 * peak costs the fast paths nothing. */
HT_HIDDEN void *ht_peak_sample(struct ht_thread *t, uint32_t off, void *user);

/* Gives the thread a slot if it has none and may have one (slots.c). Call
 * only where the shim has started and is not re-entered. */
HT_HIDDEN void ht_slots_attach(struct ht_thread *t);

/* Called in the child after fork, on the one thread there is (slots.c). */
HT_HIDDEN void ht_slots_fork_child(void);

/* Creates the key whose destructor gives a slot back (at start). */
HT_HIDDEN void ht_slots_init(void);

/* The sums of a row over every set, as the tool computes them. */
HT_HIDDEN void ht_row_totals(uint32_t row, struct ht_counters *sum);

/* One allocation off the fast path, of size bytes in the row at off, by
 * thread t: its own slot, or a shared shard with atomics. Every HT_PEAK_EVERY
 * bytes counted here the row's peak is sampled. */
static inline void ht_count_alloc_off(struct ht_thread *t, uint32_t off, uint64_t size)
{
    if (unlikely(off >= ht_state.off_limit))
        return;
    struct ht_counters *c = t->ctr;
    if (likely(c != NULL)) {
        c = ht_ctr_at(c, off);
        ht_slot_count(&c->allocs, &c->bytes_alloc, size);
    } else {
        c = ht_ctr_at(ht_shard_set(t->shard), off);
        ht_shard_count(&c->allocs, &c->bytes_alloc, size);
        ht_ages_add(off, t->tick, (int64_t)size, 1);
    }
    if (unlikely(__builtin_sub_overflow(t->peak_budget, size, &t->peak_budget)))
        ht_peak_sample(t, off, NULL);
}

/* The free of a block whose header holds off and meta (its row and its
 * stamp): in the thread's slot when the block is of the slot's tick, else on
 * a shard and off the bin of the block's tick (accounting/ages.c). */
static inline void ht_count_free_off(struct ht_thread *t, uint32_t off_stamped, uint16_t meta,
                                     uint64_t size)
{
    uint32_t off = ht_off_clean(off_stamped);
    if (unlikely(off >= ht_state.off_limit))
        return;
    uint32_t stamp = ht_stamp_of(off_stamped, meta);
    struct ht_counters *c = t->ctr;
    if (likely(c != NULL) && stamp == (t->tick & HT_STAMP_MASK)) {
        c = ht_ctr_at(c, off);
        ht_slot_count(&c->frees, &c->bytes_freed, size);
    } else {
        c = ht_ctr_at(ht_shard_set(t->shard), off);
        ht_shard_count(&c->frees, &c->bytes_freed, size);
        ht_ages_add(off, ht_ages_tick_of_stamp(stamp), -(int64_t)size, -1);
    }
}

static inline void ht_count_alloc(uint32_t row, uint64_t size)
{
    ht_count_alloc_off(&ht_self, ht_row_off(row), size);
}

/* The free of a block allocated by this thread in its present tick. */
static inline void ht_count_free(uint32_t row, uint64_t size)
{
    uint64_t s = ht_stamp_bits(ht_self.tick);
    ht_count_free_off(&ht_self, ht_row_off(row) | (uint32_t)s, (uint16_t)(s >> 32), size);
}

#endif
