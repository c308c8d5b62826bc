/* SPDX-License-Identifier: MIT
 * alloc.c - allocation, free and realloc with per-row accounting: the
 * functions of alloc.h, each the hot path of alloc_fast.h, which leaves for
 * alloc_slow.c when the case is not the common one.
 *
 * The part of the shim that every other part serves: base/ (libc, settings,
 * the next allocator), callers/ (who asked), accounting/ (rows, counters,
 * ages, the segment), checks/ (htc, hfc, hpc); hooks/ above it exports libc's
 * names. Runs inside every malloc of the host program: no locks, no
 * allocation of its own, no stdio.
 */
#include "core/alloc.h"
#include "core/alloc_fast.h"
#include "core/alloc_slow.h"

#include <errno.h>

/* The hot path (alloc_fast.h): the plain counted malloc. The row is looked up
 * after the real malloc; a failed malloc counts nothing either way. */
void *ht_alloc(size_t size, uint64_t site)
{
    HT_ALLOC_FAST_RETURN(size, 0, HT_REAL_MALLOC, site);
}

void *ht_alloc_zeroed(size_t count, size_t size, uint64_t site)
{
    size_t total;
    if (unlikely(__builtin_mul_overflow(count, size, &total))) {
        errno = ENOMEM;
        return NULL;
    }
    HT_ALLOC_FAST_RETURN(total, 1, HT_REAL_CALLOC, site);
}

void *ht_alloc_aligned(size_t align, size_t size, uint64_t site)
{
    return ht_alloc_general(size, align, 0, site);
}

void ht_free(void *p)
{
    ht_free_fast(p);
}

void *ht_realloc(void *p, size_t size, uint64_t site)
{
    return ht_realloc_fast(p, size, site);
}

size_t ht_usable_size(void *p)
{
    return ht_block_usable(p);
}
