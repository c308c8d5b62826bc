/* SPDX-License-Identifier: MIT
 * counter_sets.h - where a row's counters are: the thread's own set or a
 * shared shard, the one-instruction add to a counter only this thread
 * writes, and the count and bytes of one event added to either. Below the
 * slots and the ages, which both count through it.
 */
#ifndef HT_COUNTER_SETS_H
#define HT_COUNTER_SETS_H

#include <stdint.h>

#include "base/block.h"
#include "base/state.h"
#include "ht_atomic.h"

/* The counters at byte offset off of the table at base. */
static inline struct ht_counters *ht_ctr_at(struct ht_counters *base, uint64_t off)
{
    return (struct ht_counters *)((char *)base + off);
}

/* Adds v to a counter only this thread writes. On x86-64 one add without a
 * lock prefix: no other thread writes it, and being one instruction, neither
 * a reader nor a signal handler of this thread (which counts too) can see a
 * torn value or lose an update. Elsewhere, and under ThreadSanitizer (which
 * must see every access), a relaxed atomic add. */
#if defined(__SANITIZE_THREAD__)
#define HT_SLOT_ADD_ATOMIC 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define HT_SLOT_ADD_ATOMIC 1
#endif
#endif

static inline void ht_slot_add(uint64_t *c, uint64_t v)
{
#if defined(__x86_64__) && !defined(HT_SLOT_ADD_ATOMIC)
    __asm__("addq %1, %0" : "+m"(*c) : "er"(v));
#else
    ht_fetch_add_relaxed(c, v);
#endif
}

/* One allocation or free of size bytes: its count and its bytes, in a set
 * only this thread writes (ht_slot_add) or in a shared shard (atomic). */
static inline void ht_slot_count(uint64_t *count, uint64_t *bytes, uint64_t size)
{
    ht_slot_add(count, 1);
    ht_slot_add(bytes, size);
}

static inline void ht_shard_count(uint64_t *count, uint64_t *bytes, uint64_t size)
{
    ht_fetch_add_relaxed(count, 1);
    ht_fetch_add_relaxed(bytes, size);
}

/* The shared shard set number shard (0 .. HT_SHARDS-1). */
static inline struct ht_counters *ht_shard_set(uint32_t shard)
{
    return ht_state.counters + (uint64_t)(ht_state.counter_slots + shard) * ht_state.counter_stride;
}

#endif
