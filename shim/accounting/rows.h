/* SPDX-License-Identifier: MIT
 * rows.h - finding the row of an allocation: (explicit tag, call site) -> index.
 *
 * The fast path is a per-thread cache hit; a miss probes the segment's shared
 * hash index and inserts with compare-and-swap. Never a lock, never an
 * allocation. A full table sends everything new to the overflow row 0.
 */
#ifndef HT_ROWS_H
#define HT_ROWS_H

#include <stdint.h>

#include "base/block.h"
#include "accounting/slots.h"
#include "base/state.h"
#include "ht_atomic.h"

/* resolve: site is an immediate return address that may lie in an allocation
 * wrapper (see sites.h); the cache then only ever holds it when it does not,
 * so a wrapper's allocations miss and pay for the unwind that finds their site.
 * cfa: the canonical frame address of the hook site returns to, when known
 * (site then sits at cfa - 8: ht_hops_resolve() hops from there), else 0. */
HT_HIDDEN uint32_t ht_rows_lookup_slow(struct ht_thread *t, uint64_t site, int resolve,
                                       uint64_t cfa);

/* htd: the row of the module that holds site (key: the module's base), or the
 * site's own row when no known module holds it. Cold path only. */
HT_HIDDEN uint32_t ht_rows_lookup_module(struct ht_thread *t, uint64_t site);

/* After an unload (sites.c): every site or tag row whose site lies in an
 * object now unloaded is marked with that object's module index and takes
 * no more counts; a lookup at the same address makes a new row. */
HT_HIDDEN void ht_rows_retire_unloaded(void);

/* The key the cache files an entry under, with the site: the thread's tag
 * key and the epoch in one word (state.h says which bits are whose). */
static inline uint64_t ht_cache_key(const struct ht_thread *t)
{
    return t->key ^ ht_load_relaxed(&ht_state.epoch);
}

/* Entries of a thread without a counter slot are filed under the key with
 * this bit flipped: the inline fast paths, which count in the thread's slot,
 * never hit them, and the slow path that counts on a shared shard does. */
#define HT_KEY_SHARED (1ull << 62)

/* 32-bit multiply of an entry's match word (site ^ key): call sites differ
 * in their low bits, which all reach the top bits of the product. */
static inline uint32_t ht_cache_slot(uint64_t match)
{
    return (uint32_t)match * 0x9e3779b1u >> (32 - HT_CACHE_BITS);
}

/* The cache alone, under key: 1 and the entry's word (ht_block_word(): the
 * row's counter offset in the low half) in *word on a hit, 0 on a miss. The
 * word is one load: whole, from one entry. */
static inline int ht_cache_lookup(struct ht_thread *t, uint64_t site, uint64_t key,
                                  uint64_t *word)
{
    uint64_t match = site ^ key;
    uint32_t i = ht_cache_slot(match);
    if (likely(t->cache.match[i] == match)) {
        *word = t->cache.word[i];
        return 1;
    }
    return 0;
}

/* After a miss in the thread's cache, its counter slot's (slot_cache.h):
 * 1 and the word of site for the thread's current key, the entry then moved
 * into the thread's cache; 0 when the slot's cache has none (or a cache
 * write is under way). For a thread counting in its slot. */
HT_HIDDEN int ht_rows_slot_cached(struct ht_thread *t, uint64_t site, uint64_t *word);

/* The per-thread site cache: the row of site for this thread's current tag,
 * as its header word, when the thread counts in a slot of its own. */
static inline int ht_rows_cached_word(struct ht_thread *t, uint64_t site, uint64_t *word)
{
    return ht_cache_lookup(t, site, ht_cache_key(t), word);
}

/* The same for any thread, slot or not. */
static inline int ht_rows_cached(struct ht_thread *t, uint64_t site, uint32_t *row)
{
    uint64_t word, key = ht_cache_key(t);
    if (!ht_cache_lookup(t, site, key, &word) &&
        !ht_cache_lookup(t, site, key ^ HT_KEY_SHARED, &word))
        return 0;
    *row = ht_off_row((uint32_t)word & HT_OFF_MASK); /* without the tick's stamp */
    return 1;
}

/* The row for this thread's current tag at the allocation's immediate return
 * address, charged to the first caller outside the wrappers. */
static inline uint32_t ht_rows_lookup(struct ht_thread *t, uint64_t site)
{
    uint32_t row;
    if (likely(ht_rows_cached(t, site, &row)))
        return row;
    return ht_rows_lookup_slow(t, site, 1, 0);
}

/* The row at a site already resolved (ust found it in the stack; a handler
 * over the shim's slow path). Called inside the guard too, where t->key is
 * HT_KEY_INSIDE and matches no entry: the key comes from the tag bytes, as
 * the entries were filed. */
static inline uint32_t ht_rows_lookup_at(struct ht_thread *t, uint64_t site)
{
    uint64_t word, key = ht_tag_key(t->tag[0], t->tag[1]) ^ ht_load_relaxed(&ht_state.epoch);
    if (likely(ht_cache_lookup(t, site, key, &word) ||
               ht_cache_lookup(t, site, key ^ HT_KEY_SHARED, &word)))
        return ht_off_row((uint32_t)word & HT_OFF_MASK); /* without the tick's stamp */
    return ht_rows_lookup_slow(t, site, 0, 0);
}

#endif
