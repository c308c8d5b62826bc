/*
 * block.h - the 16-byte header the shim puts in front of every block it hands out.
 *
 * It remembers the block's size and row so free() decrements exactly the row the
 * allocation incremented. Its last two bytes overlay the high bytes of glibc's
 * own chunk-size word in a foreign pointer, which are zero for any real chunk;
 * ours always have the top bit set, so a pointer the shim did not hand out is
 * never mistaken for one of its own.
 */
#ifndef HT_BLOCK_H
#define HT_BLOCK_H

#include <stddef.h>
#include <stdint.h>

#define HT_ROW_NONE UINT32_MAX /* allocated while counting was off */

/* meta bits */
#define HT_META_SHARD_MASK 0x000fu /* counter shard the allocation went to */
#define HT_META_ALIGN_SHIFT 4      /* log2 of the alignment, 0 when default */
#define HT_META_ALIGN_MASK 0x03f0u
#define HT_META_CHECKED    0x0400u /* allocated under a heap check flag (htc/hfc/hpc) */
#define HT_META_TAIL       0x0800u /* htc: a guard follows the block */
#define HT_META_FREE_CHECK 0x1000u /* hfc: poison on free, quarantine */
#define HT_META_STACK      0x2000u /* ust: a uint32 stack index at ht_block_base() */
#define HT_META_USER       0xc000u /* free for the heap checks */

/* ust blocks keep their stack index in front of the header: they are
 * allocated with at least HT_STACK_PAD bytes before the user pointer (as if
 * aligned to 32, so ht_block_base() finds the real start), and the index is
 * the first word there. The 16-byte header itself stays as it is. */
#define HT_STACK_PAD 32u

struct ht_block {
    uint64_t size;   /* bytes the caller asked for */
    uint32_t row;    /* row index, or HT_ROW_NONE */
    uint16_t meta;
    uint16_t check;  /* ht_block_check(); top bit always set */
};

_Static_assert(sizeof(struct ht_block) == 16, "block header keeps 16-byte alignment");

#define HT_BLOCK_HDR sizeof(struct ht_block)
/* Largest size whose header and worst-case padding cannot overflow size_t. */
#define HT_SIZE_LIMIT (SIZE_MAX / 2)

static inline uint16_t ht_block_check(uint64_t size, uint32_t row, uint16_t meta)
{
    uint64_t h = (size * 0x9e3779b97f4a7c15ull) ^ ((uint64_t)row * 0xc2b2ae3d27d4eb4full) ^
                 ((uint64_t)meta << 29);
    return (uint16_t)((h >> 48) | 0x8000u);
}

static inline struct ht_block *ht_block_of(void *user)
{
    return (struct ht_block *)user - 1;
}

static inline int ht_block_valid(const struct ht_block *b)
{
    return b->check == ht_block_check(b->size, b->row, b->meta);
}

static inline void ht_block_set(struct ht_block *b, uint64_t size, uint32_t row, uint16_t meta)
{
    b->size = size;
    b->row = row;
    b->meta = meta;
    b->check = ht_block_check(size, row, meta);
}

/* The pointer the real allocator returned for this block. */
static inline void *ht_block_base(struct ht_block *b)
{
    unsigned lg = (b->meta & HT_META_ALIGN_MASK) >> HT_META_ALIGN_SHIFT;
    return lg ? (char *)(b + 1) - ((size_t)1 << lg) : (void *)b;
}

#endif
