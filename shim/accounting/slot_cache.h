/* SPDX-License-Identifier: MIT
 * slot_cache.h - the site cache behind the thread's own: each counter slot
 * keeps 2,048 entries (1,024 sets of 2) of the same (site ^ key) -> header
 * word, in private pages mapped at the slot's first miss. The thread's
 * cache (state.h) is 256 entries of static TLS, mapped directly: a program
 * whose hot call sites are more than it holds, or two of which share an
 * entry, paid the segment's row look-up for every allocation of them (a
 * C program with 600 sites in a loop: 2.7 times the instructions). Here
 * such a miss costs a few loads, and the entry moves into the thread's
 * cache. Entries carry their tick's stamp: the cache is emptied when its
 * thread takes a new tick, as the thread's own is.
 */
#ifndef HT_SLOT_CACHE_H
#define HT_SLOT_CACHE_H

#include <stdint.h>

#include "base/glue.h"
#include "base/state.h"
#include "heaptag_segment.h"
#include "ht_atomic.h"

#define HT_SLOT_CACHE_BITS 10 /* sets */
#define HT_SLOT_CACHE_SETS (1u << HT_SLOT_CACHE_BITS)

/* A set: two entries, match written last (0: empty), in 32 bytes. */
struct ht_slot_cache_set {
    uint64_t match[2];
    uint64_t word[2];
};

struct ht_slot_cache {
    struct ht_slot_cache_set set[HT_SLOT_CACHE_SETS];
    uint32_t tick;     /* the tick its words are stamped with */
    uint32_t next_way; /* the way a fill replaces when neither is free */
};

/* by counter slot: NULL before the first fill, HT_MAP_NONE when none could
 * be mapped, else the slot's cache */
extern HT_HIDDEN void *ht_slot_caches[HT_SLOTS_MAX];

static inline uint32_t ht_slot_cache_set_of(uint64_t match)
{
    /* a hash of its own: two sites sharing an entry of the thread's cache
     * seldom share a set here */
    return (uint32_t)((match * 0xff51afd7ed558ccdull) >> (64 - HT_SLOT_CACHE_BITS));
}

/* The word filed under match in the slot of t (which holds one), stamped
 * with t's tick: 1 and *word, or 0. */
static inline int ht_slot_cache_lookup(const struct ht_thread *t, uint64_t match, uint64_t *word)
{
    if (t->slot >= HT_SLOTS_MAX)
        return 0;
    const struct ht_slot_cache *c = ht_load_acquire(&ht_slot_caches[t->slot]);
    if (!c || c == HT_MAP_NONE || c->tick != t->tick)
        return 0;
    const struct ht_slot_cache_set *s = &c->set[ht_slot_cache_set_of(match)];
    for (int w = 0; w < 2; w++)
        if (s->match[w] == match) {
            *word = s->word[w];
            return 1;
        }
    return 0;
}

/* Files word under match in t's slot's cache (mapped now if it never was;
 * emptied first if its words carry another tick). Under t->cache_writing,
 * with t holding a slot. */
HT_HIDDEN void ht_slot_cache_fill(struct ht_thread *t, uint64_t match, uint64_t word);

#endif
