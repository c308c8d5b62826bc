/*
 * rows.h - finding the row of an allocation: (explicit tag, call site) -> index.
 *
 * The fast path is a per-thread cache hit; a miss probes the segment's shared
 * hash index and inserts with compare-and-swap. Never a lock, never an
 * allocation. A full table sends everything new to the overflow row 0.
 */
#ifndef HT_ROWS_H
#define HT_ROWS_H

#include <stdint.h>

#include "block.h"
#include "state.h"

/* resolve: site is an immediate return address that may lie in an allocation
 * wrapper (see sites.h); the cache then only ever holds it when it does not,
 * so a wrapper's allocations miss and pay for the unwind that finds their site. */
HT_HIDDEN uint32_t ht_rows_lookup_slow(struct ht_thread *t, uint64_t site, int resolve);

/* htd: the row of the module that holds site (key: the module's base), or the
 * site's own row when no known module holds it. Cold path only. */
HT_HIDDEN uint32_t ht_rows_lookup_module(struct ht_thread *t, uint64_t site);

/* The key the cache files an entry under: the thread's tag key and the
 * epoch in one word (tag keys have the top bit set, epochs never reach it). */
static inline uint64_t ht_cache_key(const struct ht_thread *t)
{
    return t->key ^ __atomic_load_n(&ht_state.epoch, __ATOMIC_RELAXED);
}

/* 32-bit multiply: call sites differ in their low bits, which all reach the
 * top six bits of the product. */
static inline uint32_t ht_cache_slot(uint64_t site, uint64_t key)
{
    return (uint32_t)(site ^ key) * 0x9e3779b1u >> 26;
}

_Static_assert(HT_CACHE_SIZE == 64, "ht_cache_slot() yields six bits");

/* The cache alone: 1 and the entry's word (ht_block_word()) in *word on a
 * hit, 0 on a miss. The word is one load: whole, from one entry. */
static inline int ht_rows_cached_word(struct ht_thread *t, uint64_t site, uint64_t *word)
{
    uint64_t key = ht_cache_key(t);
    const struct ht_cache_entry *e = &t->cache[ht_cache_slot(site, key)];
    if (likely(e->site == site && e->key == key)) {
        *word = e->word;
        return 1;
    }
    return 0;
}

static inline int ht_rows_cached(struct ht_thread *t, uint64_t site, uint32_t *row)
{
    uint64_t word;
    if (!ht_rows_cached_word(t, site, &word))
        return 0;
    *row = ht_line_row((uint32_t)word);
    return 1;
}

/* The row for this thread's current tag at the allocation's immediate return
 * address, charged to the first caller outside the wrappers. */
static inline uint32_t ht_rows_lookup(struct ht_thread *t, uint64_t site)
{
    uint32_t row;
    if (likely(ht_rows_cached(t, site, &row)))
        return row;
    return ht_rows_lookup_slow(t, site, 1);
}

/* The row at a site already resolved (ust found it in the stack). */
static inline uint32_t ht_rows_lookup_at(struct ht_thread *t, uint64_t site)
{
    uint32_t row;
    if (likely(ht_rows_cached(t, site, &row)))
        return row;
    return ht_rows_lookup_slow(t, site, 0);
}

/* &ht_state.rows[row].shard[shard] from its line (ht_line_of()). */
static inline struct ht_shard *ht_shard_of_line(uint32_t line)
{
    _Static_assert(sizeof(struct ht_row) == HT_ROW_LINES * sizeof(struct ht_shard) &&
                       __builtin_offsetof(struct ht_row, shard) == sizeof(struct ht_shard),
                   "row = header line + HT_SHARDS shard lines");
    return (struct ht_shard *)ht_state.rows + line;
}

static inline struct ht_shard *ht_shard_of(uint32_t row, uint32_t shard)
{
    return ht_shard_of_line(ht_line_of(row, shard));
}

/* The same from a header's (or cache entry's) second word. */
static inline struct ht_shard *ht_shard_of_word(uint64_t word)
{
    return ht_shard_of_line((uint32_t)word);
}

/* Counting: relaxed atomics on the thread's own shard, rarely shared. */
static inline void ht_count_alloc_at(struct ht_shard *s, uint64_t size)
{
    __atomic_fetch_add(&s->allocs, 1, __ATOMIC_RELAXED);
    uint64_t total = __atomic_add_fetch(&s->bytes_alloc, size, __ATOMIC_RELAXED);
    uint64_t live = total - __atomic_load_n(&s->bytes_freed, __ATOMIC_RELAXED);
    if (unlikely(live > __atomic_load_n(&s->peak_live, __ATOMIC_RELAXED)))
        __atomic_store_n(&s->peak_live, live, __ATOMIC_RELAXED);
}

static inline void ht_count_free_at(struct ht_shard *s, uint64_t size)
{
    __atomic_fetch_add(&s->frees, 1, __ATOMIC_RELAXED);
    __atomic_fetch_add(&s->bytes_freed, size, __ATOMIC_RELAXED);
}

static inline void ht_count_alloc(uint32_t row, uint32_t shard, uint64_t size)
{
    ht_count_alloc_at(ht_shard_of(row, shard), size);
}

#endif
