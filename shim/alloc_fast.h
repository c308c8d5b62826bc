/*
 * alloc_fast.h - the hot paths of malloc and free, inline, so that the
 * exported malloc and free (hooks.c) are one function each with no call but
 * the real allocator's; alloc.c builds ht_alloc()/ht_free() from the same code.
 *
 * Only the common case lives here: counting on, no check flag, a warm cache,
 * a plain block. Anything else leaves through one call to alloc.c. Never add
 * a lock, an allocation or a shared atomic here.
 */
#ifndef HT_ALLOC_FAST_H
#define HT_ALLOC_FAST_H

#include "alloc.h"
#include "block.h"
#include "rows.h"
#include "state.h"

/* The out-of-line rest of alloc.c. */
HT_HIDDEN void *ht_alloc_general(size_t size, size_t align, int zero, uint64_t site);
HT_HIDDEN void *ht_alloc_miss(struct ht_block *b, size_t size, uint64_t site);
HT_HIDDEN void ht_free_cold(void *p);

/* meta bits that send a free off the fast path */
#define HT_META_COLD (HT_META_CHECKED | HT_META_ALIGN_MASK | HT_META_STACK)

/* The body of the counted malloc, as a macro for one reason: site_expr is
 * evaluated only after the real malloc returned, so that malloc re-reads its
 * return address from the stack instead of keeping it in a saved register.
 * Recursion (t->depth) is left to the miss: a hit is what the re-entered path
 * would count anyway. A size whose header overflows goes the general way to
 * its ENOMEM. Returns from the enclosing function. */
#define HT_ALLOC_FAST_RETURN(size, site_expr)                                                 \
    do {                                                                                      \
        size_t n_;                                                                            \
        uint32_t flags_ = __atomic_load_n(__atomic_load_n(&ht_state.flags, __ATOMIC_RELAXED), \
                                          __ATOMIC_RELAXED);                                  \
        if (unlikely((flags_ & (HT_FLAGS_COLD | HT_FLAG_ptg)) != HT_FLAG_ptg ||               \
                     __builtin_add_overflow((size), HT_BLOCK_HDR, &n_)))                      \
            return ht_alloc_general((size), 0, 0, (site_expr));                               \
        struct ht_block *b_ = ht_real_malloc(n_);                                             \
        if (unlikely(!b_))                                                                    \
            return NULL;                                                                      \
        uint64_t site_ = (site_expr), word_;                                                  \
        if (unlikely(!ht_rows_cached_word(&ht_self, site_, &word_)))                          \
            return ht_alloc_miss(b_, (size), site_);                                          \
        ht_block_set_word(b_, (size), word_);                                                 \
        ht_count_alloc_at(ht_shard_of_word(word_), (size));                                   \
        return b_ + 1;                                                                        \
    } while (0)

static inline __attribute__((always_inline)) void ht_free_fast(void *p)
{
    if (unlikely(!p))
        return;
    struct ht_block *b = ht_block_of(p);
    if (unlikely(!ht_block_valid(b) || (b->meta & HT_META_COLD))) {
        ht_free_cold(p);
        return;
    }
    /* read once: the counting atomics would make the compiler read again */
    uint64_t size = b->size;
    uint64_t word;
    memcpy(&word, (const char *)b + 8, sizeof word);
    /* a valid check and a line below the limit: a shard of this segment
     * (HT_ROW_NONE, counted nowhere, is above any) */
    if (likely((uint32_t)word < ht_state.line_limit))
        ht_count_free_at(ht_shard_of_word(word), size);
    /* a second free of this block must not look like ours: the whole second
     * word cleared, one store */
    memset((char *)b + 8, 0, 8);
    ht_real_free(b);
}

#endif
