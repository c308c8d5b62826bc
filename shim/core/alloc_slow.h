/* SPDX-License-Identifier: MIT
 * alloc_slow.h - the out-of-line paths the hot paths (alloc_fast.h) leave
 * through: one call each, never back.
 */
#ifndef HT_ALLOC_SLOW_H
#define HT_ALLOC_SLOW_H

#include <stddef.h>
#include <stdint.h>

#include "base/block.h"
#include "base/glue.h"

/* Every allocation that is not the plain counted malloc. cfa: the canonical
 * frame address of the hook site returns to, as the hook computed it (0:
 * not known); ust repeats a walk from there without finding the frame. */
HT_HIDDEN void *ht_alloc_general_from(size_t size, size_t align, int zero, uint64_t site,
                                      uint64_t cfa);
static inline void *ht_alloc_general(size_t size, size_t align, int zero, uint64_t site)
{
    return ht_alloc_general_from(size, align, zero, site, 0);
}
HT_HIDDEN void *ht_alloc_miss(struct ht_block *b, size_t size, uint64_t site);
HT_HIDDEN void ht_free_cold(void *p);
HT_HIDDEN void *ht_realloc_general(void *p, size_t size, uint64_t site);
/* malloc_usable_size of any pointer: the block's size, or the real
 * allocator's answer for a pointer not ours. */
HT_HIDDEN size_t ht_block_usable(void *p);

#endif
