/* SPDX-License-Identifier: MIT
 * alloc_fast.h - the hot paths of malloc, calloc, realloc and free, inline,
 * so that each exported function (hooks.c) is one function with no call but
 * the real allocator's; alloc.c builds ht_alloc() and the rest from the same
 * code. Above alloc_slow.c, where it leaves for anything but the common case.
 *
 * Only the common case lives here: counting on, no check flag, a warm cache,
 * a plain block, a thread with a counter slot of its own. Anything else
 * leaves through one call to alloc_slow.c. Never add a lock, an allocation or a
 * shared atomic here.
 */
#ifndef HT_ALLOC_FAST_H
#define HT_ALLOC_FAST_H

#if defined(__GNUC__) && !defined(__clang__)
/* The header's two stores stay two stores: GCC's straight-line vectoriser
 * would pair them through SSE registers, three instructions more. */
#pragma GCC optimize("no-tree-slp-vectorize")
#endif

#include "core/alloc_slow.h"
#include "base/block.h"
#include "accounting/ages.h"
#include "accounting/rows.h"
#include "accounting/slots.h"
#include "base/state.h"
#include "ht_atomic.h"
#include "base/next.h"

/* 1 when the flags in force let an allocation take the fast path. */
static inline __attribute__((always_inline)) int ht_fast_flags(void)
{
    uint32_t f = ht_load_relaxed(ht_load_relaxed(&ht_state.flags));
    return (f & (HT_FLAGS_COLD | HT_FLAG_ptg)) == HT_FLAG_ptg;
}

/* After the real allocator gave b (not NULL) for size bytes at site: the
 * header and the count in this thread's slot, from the cache. On a miss (or a
 * thread without a slot) the rest is ht_alloc_miss(). Returns the user pointer. */
static inline __attribute__((always_inline)) void *ht_alloc_finish(struct ht_block *b,
                                                                   size_t size, uint64_t site)
{
    struct ht_thread *t = &ht_self;
    uint64_t word;
    /* every HT_AGE_EVERY allocations the miss path looks at the clock
     * (ages.h): a call here would make the hook save registers every time */
    if (unlikely(!ht_rows_cached_word(t, site, &word)) || unlikely(--t->age_count == 0))
        return ht_alloc_miss(b, size, site);
    ht_block_set_word(b, size, word);
    /* a hit means the thread holds a slot: entries of threads without one
     * are filed under another key (rows.h); the word carries the thread's
     * tick stamp (accounting/ages.h), masked off the offset */
    struct ht_counters *c = ht_ctr_at(t->ctr, (uint32_t)word & HT_OFF_MASK);
    ht_slot_add(&c->allocs, 1);
    ht_slot_add(&c->bytes_alloc, size);
    return b + 1;
}

/* The canonical frame address of the function this is expanded in: its
 * caller's stack pointer, with the return address just below. */
#define HT_HOOK_CFA() ((uint64_t)(uintptr_t)__builtin_dwarf_cfa())

/* The body of the counted malloc and calloc, as a macro for one reason:
 * site_expr is evaluated only after the real allocator returned, so that the
 * hook re-reads its return address from the stack instead of keeping it in a
 * saved register. real(n) is the real call for n bytes with the header.
 * Recursion (t->depth) is left to the miss: a hit is what the re-entered path
 * would count anyway. A size whose header overflows goes the general way to
 * its ENOMEM. Returns from the enclosing function. */
#define HT_ALLOC_FAST_RETURN(size, zero, real, site_expr)                                     \
    do {                                                                                      \
        size_t n_;                                                                            \
        if (unlikely(!ht_fast_flags() || __builtin_add_overflow((size), HT_BLOCK_HDR, &n_)))  \
            return ht_alloc_general_from((size), 0, (zero), (site_expr), HT_HOOK_CFA());      \
        struct ht_block *b_ = real(n_);                                                       \
        if (unlikely(!b_))                                                                    \
            return NULL;                                                                      \
        return ht_alloc_finish(b_, (size), (site_expr));                                      \
    } while (0)

#define HT_REAL_MALLOC(n) ht_real_malloc(n)
#define HT_REAL_CALLOC(n) ht_real_calloc(1, n)

/* A block free and realloc may treat the plain way: ours, no meta bit (no
 * alignment, check or stack), stamped with the thread's tick, counted in a
 * row of this segment, and a thread with a slot to count the free in
 * (t->off_limit is 0 without one). One subtract and one compare: the
 * header's second word less t->free_base is the counter offset exactly when
 * all of that holds. Returns 1 and the offset in *off. */
static inline __attribute__((always_inline)) int ht_plain_block(const struct ht_block *b,
                                                              const struct ht_thread *t,
                                                              uint64_t *off)
{
    uint64_t w;
    memcpy(&w, (const char *)b + 8, sizeof w);
    w -= t->free_base;
    *off = w; /* below off_limit when it counts: no zero-extension to pay */
    return likely(w < t->off_limit);
}

/* free(NULL) takes the cold path: NULL's header would sit on another page,
 * and that one test spares every other free a test of its own. */
static inline __attribute__((always_inline)) void ht_free_fast(void *p)
{
    struct ht_thread *t = &ht_self;
    uint64_t off;
    if (unlikely(ht_header_near_page(p))) {
        ht_free_cold(p);
        return;
    }
    struct ht_block *b = ht_block_of(p); /* only now: NULL has no header */
    if (unlikely(!ht_plain_block(b, t, &off))) {
        ht_free_cold(p);
        return;
    }
    struct ht_counters *c = ht_ctr_at(t->ctr, off);
    ht_slot_add(&c->frees, 1);
    ht_slot_add(&c->bytes_freed, b->size);
    /* a second free of this block must not look like ours: the whole second
     * word cleared, one store */
    memset((char *)b + 8, 0, 8);
    /* the header's address from p only now: computed early, it would take a
     * register of its own and a move into the argument's */
    __asm__("" : "+r"(p));
    ht_real_free(ht_block_of(p));
}

/* realloc of a plain block to a plain size on the fast path: the free of the
 * old block and the allocation of the new one, both in this thread's slot. */
static inline __attribute__((always_inline)) void *ht_realloc_fast(void *p, size_t size,
                                                                   uint64_t site)
{
    struct ht_thread *t = &ht_self;
    struct ht_counters *c;
    uint64_t word;
    uint64_t off;
    if (unlikely(!p || size == 0 || size > HT_SIZE_LIMIT || !ht_fast_flags() ||
                 ht_header_near_page(p)))
        return ht_realloc_general(p, size, site);
    struct ht_block *b = ht_block_of(p); /* only now: NULL has no header */
    if (unlikely(!ht_plain_block(b, t, &off) || !ht_rows_cached_word(t, site, &word)))
        return ht_realloc_general(p, size, site);
    c = ht_ctr_at(t->ctr, off);
    uint64_t old = b->size;
    struct ht_block *nb = ht_real_realloc(b, size + HT_BLOCK_HDR);
    if (unlikely(!nb))
        return NULL; /* the old block is untouched and still counted */
    ht_slot_add(&c->frees, 1);
    ht_slot_add(&c->bytes_freed, old);
    ht_block_set_word(nb, size, word);
    c = ht_ctr_at(t->ctr, (uint32_t)word & HT_OFF_MASK);
    ht_slot_add(&c->allocs, 1);
    ht_slot_add(&c->bytes_alloc, size);
    return nb + 1;
}

#endif
