/* SPDX-License-Identifier: MIT
 * heapcheck.h - the heap checks behind htc, hfc and hpc, on the allocator's
 * cold path only. A checked block is laid out as
 *
 *   base [pad] [struct ht_check_ext 40] [struct ht_block 16] user[size] [guard 32 if htc]
 *
 * with user - base a power of two >= 64 recorded in the header's alignment
 * bits, so ht_block_base() finds base as for any aligned block. The header's
 * meta bits say which checks were in force when the block was allocated; the
 * block is checked by those, whatever the flags are when it is freed.
 */
#ifndef HT_HEAPCHECK_H
#define HT_HEAPCHECK_H

#include <stddef.h>
#include <stdint.h>

#include "base/block.h"
#include "base/glue.h"
#include "heaptag_flags.h"

#define HT_CHECK_FLAGS (HT_FLAG_htc | HT_FLAG_hfc | HT_FLAG_hpc)

/* meta bits of checked blocks, in the range block.h leaves to the checks */

#define HT_GUARD_BYTES   32     /* htc: guard after the block */
#define HT_POISON_BYTE   0xfbu  /* hfc: freed bytes */
#define HT_POISON_MAX    65536  /* hfc: bytes poisoned (and checked) per block */

/* Where and under what a checked block was allocated: reports name it. */
struct ht_check_ext {
    uint64_t tag[2]; /* explicit tag in force, as the rows key it */
    uint64_t site;   /* call site (not the module, even under htd) */
    uint32_t flags;  /* flags word at allocation */
    uint32_t magic;  /* HT_EXT_MAGIC ^ low bits of the user address */
    uint32_t stack;  /* ust: the allocation's stack index, HT_STACK_NONE none */
    uint32_t reserved;
};

enum ht_check_op { HT_OP_FREE, HT_OP_REALLOC, HT_OP_SIZE };

/* Allocates a checked block for the checks in flags; counts it in row (if not
 * HT_ROW_NONE), and in stack (ust, if not HT_STACK_NONE). NULL with errno set
 * like malloc. */
HT_HIDDEN void *ht_check_alloc(size_t size, size_t align, int zero, uint64_t site,
                               uint32_t row, uint32_t flags, uint32_t stack);

/* The same with room bytes of headroom after the guard, which a later
 * ht_check_realloc() grows into without moving the block. */
HT_HIDDEN void *ht_check_alloc_room(size_t size, size_t room, size_t align, int zero,
                                    uint64_t site, uint32_t row, uint32_t flags,
                                    uint32_t stack);

/* realloc of a valid CHECKED block that ht_check_usable() accepted, kept
 * amortised: grown in place within what the allocator gave, else through the
 * next allocator's realloc; the guard verified, moved and rewritten, the old
 * size uncounted and the new counted in row. HT_CHECK_COPY when the caller
 * must copy instead (the flags changed since, or hfc would lose the old
 * block to the allocator unpoisoned); NULL with errno ENOMEM, the old block
 * untouched. */
#define HT_CHECK_COPY ((void *)1)
HT_HIDDEN void *ht_check_realloc(void *p, struct ht_block *b, size_t size, uint64_t site,
                                 uint32_t row, uint32_t flags);

/* free() or realloc()'s release of a block whose header is valid and CHECKED:
 * catches double frees and forged headers (reported and skipped), verifies the
 * guard, uncounts the block, then poisons and quarantines or releases it. */
HT_HIDDEN void ht_check_free(void *p, struct ht_block *b, enum ht_check_op op);

/* Before realloc or malloc_usable_size uses a CHECKED block: 0 when it may,
 * -1 when it is freed or forged (reported). */
HT_HIDDEN int ht_check_usable(void *p, struct ht_block *b, enum ht_check_op op);

/* hpc for a pointer whose header is not ours: 1 when it may go to libc as a
 * foreign block, 0 when it was reported and must be refused (misaligned,
 * inside one of our blocks, or nothing libc could have handed out). */
HT_HIDDEN int ht_check_foreign(void *p, enum ht_check_op op);

#endif
