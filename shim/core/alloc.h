/* SPDX-License-Identifier: MIT
 * alloc.h - the shim's allocator core: what every libc allocation entry point
 * forwards to. Tests drive these directly, without preloading.
 *
 * Contracts are libc's: NULL with errno ENOMEM on failure, free() of NULL is a
 * no-op and keeps errno, pointers the shim did not hand out go to the real
 * allocator untouched and are counted as untracked.
 */
#ifndef HT_ALLOC_H
#define HT_ALLOC_H

#include <stddef.h>
#include <stdint.h>

#include "base/glue.h"

/* site: the code address the allocation is charged to. */
HT_HIDDEN void *ht_alloc(size_t size, uint64_t site);
HT_HIDDEN void *ht_alloc_zeroed(size_t count, size_t size, uint64_t site);
/* align: any power of two (larger than 16 costs align bytes of padding). */
HT_HIDDEN void *ht_alloc_aligned(size_t align, size_t size, uint64_t site);
HT_HIDDEN void *ht_realloc(void *p, size_t size, uint64_t site);
HT_HIDDEN void ht_free(void *p);
HT_HIDDEN size_t ht_usable_size(void *p);

#include "core/init.h"

#endif
