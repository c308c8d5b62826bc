/* SPDX-License-Identifier: MIT
 * slot_cache.c - filling each counter slot's second site cache
 * (slot_cache.h). On the allocation slow path: no lock, no allocation of
 * the program's; the pages are mapped once per slot and never given back
 * (a slot outlives its threads, and the next holder's sites are filed
 * under the same keys).
 */
#include "accounting/slot_cache.h"

void *ht_slot_caches[HT_SLOTS_MAX];

void ht_slot_cache_fill(struct ht_thread *t, uint64_t match, uint64_t word)
{
    if (t->slot_state != HT_SLOT_HELD || t->slot >= HT_SLOTS_MAX)
        return;
    struct ht_slot_cache *c = ht_map_once_or_none(&ht_slot_caches[t->slot], sizeof *c);
    if (!c)
        return;
    if (c->tick != t->tick) {
        /* words of another tick (or another thread's, before this one took
         * the slot): none may answer; a lookup meanwhile sees the old tick */
        for (uint32_t i = 0; i < HT_SLOT_CACHE_SETS; i++) {
            ht_store_relaxed(&c->set[i].match[0], 0);
            ht_store_relaxed(&c->set[i].match[1], 0);
        }
        ht_signal_fence();
        c->tick = t->tick;
    }
    struct ht_slot_cache_set *s = &c->set[ht_slot_cache_set_of(match)];
    int w = s->match[0] == match || !s->match[0] ? 0
          : s->match[1] == match || !s->match[1] ? 1
          : (int)(c->next_way++ & 1);
    ht_store_relaxed(&s->match[w], 0);
    ht_signal_fence();
    s->word[w] = word;
    ht_signal_fence();
    ht_store_relaxed(&s->match[w], match);
}
