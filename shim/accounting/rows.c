/* SPDX-License-Identifier: MIT
 * rows.c - the row table's slow path: probe the shared hash index, insert new
 * rows lock-free, fill the thread's cache.
 * Runs inside malloc: no allocation, no locks, no libc calls.
 */
#include "accounting/rows.h"

#include <string.h>

#include "accounting/grow.h"
#include "accounting/slot_cache.h"
#include "callers/hops.h"
#include "callers/modules.h"
#include "callers/sites.h"
#include "ht_atomic.h"

static uint64_t key_hash(uint64_t site, uint64_t tag0, uint64_t tag1)
{
    uint64_t h = site * 0x9e3779b97f4a7c15ull;
    h ^= (tag0 + 0x632be59bd9b4e019ull) * 0xc2b2ae3d27d4eb4full;
    h ^= (tag1 + 0x85ebca6bull) * 0x165667b19e3779f9ull;
    return h ^ (h >> 31);
}

/* A row of code that was unloaded takes no more counts: another object may
 * be loaded at its address (a site or tag row then names the module it was
 * in; a module row's module is unloaded). */
static int row_retired(const struct ht_row *r)
{
    uint32_t m = ht_load_relaxed(&r->module);
    if (m == UINT32_MAX)
        return 0;
    if (r->kind != HT_KIND_MODULE)
        return 1;
    const struct ht_seg_header *h = ht_state.seg;
    const struct ht_module *t = (const struct ht_module *)((const char *)h + h->modules_offset);
    return m < h->module_capacity && ht_load_relaxed(&t[m].state) != 1;
}

static int row_matches(const struct ht_row *r, uint64_t site, const uint64_t tag[2])
{
    uint64_t rt[2];
    memcpy(rt, r->tag, sizeof rt);
    return r->site == site && rt[0] == tag[0] && rt[1] == tag[1] && !row_retired(r);
}

void ht_rows_retire_unloaded(void)
{
    struct ht_seg_header *h = ht_state.seg;
    const struct ht_module *t = (const struct ht_module *)((const char *)h + h->modules_offset);
    uint32_t used = ht_load_acquire(&h->rows_used), mods = ht_load_acquire(&h->modules_used);
    if (used > h->row_capacity)
        used = h->row_capacity;
    if (mods > h->module_capacity)
        mods = h->module_capacity;
    for (uint32_t i = 1; i < used; i++) {
        struct ht_row *r = &ht_state.rows[i];
        if (ht_load_acquire(&r->state) != HT_ROW_READY || r->kind == HT_KIND_MODULE ||
            ht_load_relaxed(&r->module) != UINT32_MAX || !r->site)
            continue;
        if (ht_modules_find(h, r->site) >= 0)
            continue; /* in an object still loaded */
        for (uint32_t m = mods; m-- > 0;)
            if (t[m].state == 2 && r->site - t[m].base < t[m].size) {
                ht_store_relaxed(&r->module, m);
                break;
            }
    }
}

/* Claims the next unused row, or returns 0 (the overflow row) when full or
 * when /dev/shm cannot back another chunk of rows (grow.c). */
static uint32_t claim_row(void)
{
    struct ht_seg_header *h = ht_state.seg;
    uint32_t used = ht_load_relaxed(&h->rows_used);
    do {
        if (used >= h->row_capacity)
            return 0;
        if (used >= ht_load_acquire(&h->rows_reserved) && ht_grow_rows(used + 1) != 0)
            return 0;
    } while (!ht_cas_weak_relaxed(&h->rows_used, &used, used + 1));
    return used;
}

static uint32_t find_or_insert(uint64_t site, const uint64_t tag[2], uint32_t kind)
{
    struct ht_seg_header *h = ht_state.seg;
    uint32_t mask = h->bucket_capacity - 1;
    uint64_t hash = key_hash(site, tag[0], tag[1]);
    uint32_t fresh = 0; /* a row we claimed but have not published yet */

    for (uint32_t i = 0; i <= mask; i++) {
        uint32_t *slot = &ht_state.buckets[(hash + i) & mask];
        uint32_t v = ht_load_acquire(slot);
        if (v == 0) {
            if (!fresh) {
                fresh = claim_row();
                if (fresh == 0)
                    return 0;
                struct ht_row *r = &ht_state.rows[fresh];
                r->kind = kind;
                r->site = site;
                memcpy(r->tag, tag, HT_TAG_MAX);
                r->module = UINT32_MAX;
                ht_store_release(&r->state, HT_ROW_READY);
            }
            if (ht_cas_acq_rel(slot, &v, fresh + 1))
                return fresh;
            /* Another thread filled the slot first: v is its row now. */
        }
        if (v - 1 < h->row_capacity && row_matches(&ht_state.rows[v - 1], site, tag)) {
            if (fresh) /* we lost the race for the same key: drop our copy */
                ht_store_release(&ht_state.rows[fresh].state, HT_ROW_DISCARDED);
            return v - 1;
        }
    }
    if (fresh)
        ht_store_release(&ht_state.rows[fresh].state, HT_ROW_DISCARDED);
    return 0;
}

/* Files word under match in the thread's cache, match written last (a
 * signal handler never sees half an entry). Under t->cache_writing. */
static void cache_put(struct ht_thread *t, uint64_t match, uint64_t word)
{
    uint32_t i = ht_cache_slot(match);
    ht_store_relaxed(&t->cache.match[i], 0);
    ht_signal_fence();
    t->cache.word[i] = word;
    ht_signal_fence();
    ht_store_relaxed(&t->cache.match[i], match);
}

/* Finds or inserts the row of key (site, this thread's tag) and, when
 * cacheable, remembers it in the thread's cache under that key, and in its
 * slot's when it counts in one. */
static uint32_t lookup_and_cache(struct ht_thread *t, uint64_t site, uint32_t kind, int cacheable)
{
    uint64_t tag[2] = { t->tag[0], t->tag[1] };
    uint32_t row = find_or_insert(site, tag, kind);

    /* the thread's first miss: a counter slot of its own if one is free */
    if (unlikely(t->slot_state == HT_SLOT_NEW) && t->depth == 0 && cacheable)
        ht_slots_attach(t);
    if (!cacheable || t->cache_writing)
        return row; /* t->cache_writing: we interrupted our own cache write */
    t->cache_writing = 1;
    ht_signal_fence();
    /* filed under the key of the bytes looked up, whatever t->key holds
     * while a scope is being entered; a thread without a slot files under the
     * shared key, which only the slow path looks up */
    uint64_t key = ht_tag_key(tag[0], tag[1]) ^ ht_load_relaxed(&ht_state.epoch);
    if (!t->ctr)
        key ^= HT_KEY_SHARED;
    uint64_t match = site ^ key;
    uint64_t word = ht_block_word(ht_row_off(row), 0) | ht_stamp_bits(t->tick);
    cache_put(t, match, word);
    if (t->ctr)
        ht_slot_cache_fill(t, match, word);
    ht_signal_fence();
    t->cache_writing = 0;
    return row;
}

int ht_rows_slot_cached(struct ht_thread *t, uint64_t site, uint64_t *word)
{
    uint64_t match = site ^ ht_cache_key(t);
    if (t->cache_writing || !ht_slot_cache_lookup(t, match, word))
        return 0;
    t->cache_writing = 1;
    ht_signal_fence();
    cache_put(t, match, *word);
    ht_signal_fence();
    t->cache_writing = 0;
    return 1;
}

uint32_t ht_rows_lookup_slow(struct ht_thread *t, uint64_t site, int resolve, uint64_t cfa)
{
    uint64_t word; /* a wrapper's return address is never filed there */
    if (t->ctr && t->depth == 0 && ht_rows_slot_cached(t, site, &word))
        return ht_off_row((uint32_t)word & HT_OFF_MASK);
    if (resolve && ht_sites_class(site) == HT_SITE_WRAPPER) {
        /* a wrapper's return address never enters the cache: its next
         * allocation must unwind again, its caller may differ */
        uint64_t s = cfa ? ht_hops_resolve(site, cfa) : ht_sites_resolve(site);
        if (s != site)
            return ht_rows_lookup_at(t, s);
        /* no caller found: charged to the wrapper this once */
        return lookup_and_cache(t, site, t->tag[0] ? HT_KIND_TAG : HT_KIND_SITE, 0);
    }
    return lookup_and_cache(t, site, t->tag[0] ? HT_KIND_TAG : HT_KIND_SITE, 1);
}

uint32_t ht_rows_lookup_module(struct ht_thread *t, uint64_t site)
{
    if (ht_sites_class(site) == HT_SITE_WRAPPER)
        site = ht_sites_resolve(site);
    int index = ht_modules_find(ht_state.seg, site);
    if (index < 0)
        return ht_rows_lookup_at(t, site);
    const struct ht_module *m =
        (const struct ht_module *)((const char *)ht_state.seg + ht_state.seg->modules_offset);
    uint64_t base = m[index].base;
    /* A module's base is its ELF header, never a call site: the key cannot
     * collide with a site row, and the thread cache serves it as any key. */
    uint32_t row;
    if (ht_rows_cached(t, base, &row))
        return row;
    row = lookup_and_cache(t, base, HT_KIND_MODULE, 1);
    if (row != 0)
        ht_store_relaxed(&ht_state.rows[row].module, (uint32_t)index);
    return row;
}
