/*
 * block.h - the 16-byte header the shim puts in front of every block it hands out.
 *
 * It remembers the block's size and counter line (row and shard) so free()
 * decrements exactly the shard of the row the allocation incremented. Its last two bytes overlay the high bytes of glibc's
 * own chunk-size word in a foreign pointer, which are zero for any real chunk;
 * ours always have the top bit set, so a pointer the shim did not hand out is
 * never mistaken for one of its own.
 */
#ifndef HT_BLOCK_H
#define HT_BLOCK_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "heaptag_segment.h"

#define HT_ROW_NONE UINT32_MAX /* allocated while counting was off */

/* meta bits */
#define HT_META_SHARD_MASK 0x000fu /* counter shard the allocation went to */
#define HT_META_ALIGN_SHIFT 4      /* log2 of the alignment, 0 when default */
#define HT_META_ALIGN_MASK 0x03f0u
#define HT_META_CHECKED    0x0400u /* allocated under a heap check flag (htc/hfc/hpc) */
#define HT_META_TAIL       0x0800u /* htc: a guard follows the block */
#define HT_META_FREE_CHECK 0x1000u /* hfc: poison on free, quarantine */
#define HT_META_STACK      0x2000u /* ust: the stack index is in the size word's top bits */
#define HT_META_PARAM      0x4000u /* hpc: user address is in the live-block registry */
#define HT_META_FREED      0x8000u /* hfc: freed, waiting in quarantine */

/* ust blocks keep their stack index in the header itself, in the top 24 bits
 * of the size word (HT_META_STACK set): the header stays 16 bytes. A block of
 * 2^40 bytes or more, or a stack index past 2^24, goes without its stack. */
#define HT_STACK_SIZE_BITS 40
#define HT_STACK_SIZE_MAX ((1ull << HT_STACK_SIZE_BITS) - 1)
#define HT_STACK_INDEX_MAX ((1u << (64 - HT_STACK_SIZE_BITS)) - 1)

struct ht_block {
    uint64_t size;   /* bytes the caller asked for */
    uint32_t line;   /* ht_line_of(row, shard): the shard's line, or HT_ROW_NONE */
    uint16_t meta;
    uint16_t check;  /* ht_block_check(); top bit always set */
};

_Static_assert(sizeof(struct ht_block) == 16, "block header keeps 16-byte alignment");
_Static_assert(__builtin_offsetof(struct ht_block, line) == 8 &&
               __builtin_offsetof(struct ht_block, meta) == 12 &&
               __builtin_offsetof(struct ht_block, check) == 14 &&
               __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
               "ht_block_valid() reads line, meta and check as one word");

/* The counter shard's index in the row table seen as 64-byte lines: a row is
 * a header line and HT_SHARDS shard lines. Free finds its counters with one
 * shift; at most HT_ROWS_MAX * 5 lines, so it fits in 32 bits. */
#define HT_ROW_LINES (1u + HT_SHARDS)

static inline uint32_t ht_line_of(uint32_t row, uint32_t shard)
{
    return row == HT_ROW_NONE ? HT_ROW_NONE : row * HT_ROW_LINES + 1 + shard;
}

static inline uint32_t ht_line_row(uint32_t line)
{
    return line == HT_ROW_NONE ? HT_ROW_NONE : (line - 1) / HT_ROW_LINES;
}

#define HT_BLOCK_HDR sizeof(struct ht_block)
/* Largest size whose header and worst-case padding cannot overflow size_t. */
#define HT_SIZE_LIMIT (SIZE_MAX / 2)

/* The header's second word before its check: line | meta << 32, and the
 * check's top bit already set. */
static inline uint64_t ht_block_word(uint32_t line, uint16_t meta)
{
    return (uint64_t)line | (uint64_t)meta << 32 | 1ull << 63;
}

/* One multiply over the block's first word and the line and meta bits, in the
 * positions they have in the second word (shifted up 16: the check itself
 * falls out), so ht_block_valid() can work on the two words as loaded. */
static inline uint16_t ht_block_check_word(uint64_t size, uint64_t word)
{
    return (uint16_t)(((size ^ (word << 16)) * 0x9e3779b97f4a7c15ull) >> 48) | 0x8000u;
}

static inline uint16_t ht_block_check(uint64_t size, uint32_t line, uint16_t meta)
{
    return ht_block_check_word(size, ht_block_word(line, meta));
}

static inline struct ht_block *ht_block_of(void *user)
{
    return (struct ht_block *)user - 1;
}

/* ht_block_check() == b->check, on the header's two words: runs on every
 * free, and every bit of the header takes part. */
static inline int ht_block_valid(const struct ht_block *b)
{
    uint64_t w;
    memcpy(&w, (const char *)b + 8, sizeof w); /* line, meta, check */
    uint64_t h = (b->size ^ (w << 16)) * 0x9e3779b97f4a7c15ull;
    return ((h | 1ull << 63) ^ w) >> 48 == 0;
}

/* Writes the header from its second word (ht_block_word(), top bit set):
 * the check is or-ed in and the word goes out in one store. */
static inline void ht_block_set_word(struct ht_block *b, uint64_t size, uint64_t word)
{
    uint64_t h = (size ^ (word << 16)) * 0x9e3779b97f4a7c15ull;
    word |= h >> 48 << 48;
    b->size = size;
    memcpy((char *)b + 8, &word, sizeof word);
}

/* row: the row index or HT_ROW_NONE; the shard is meta's. */
static inline void ht_block_set(struct ht_block *b, uint64_t size, uint32_t row, uint16_t meta)
{
    ht_block_set_word(b, size,
                      ht_block_word(ht_line_of(row, meta & HT_META_SHARD_MASK), meta));
}

static inline uint32_t ht_block_row(const struct ht_block *b)
{
    return ht_line_row(b->line);
}

/* The size the caller asked for, without a ust stack index. */
static inline uint64_t ht_block_size(const struct ht_block *b)
{
    return (b->meta & HT_META_STACK) ? b->size & HT_STACK_SIZE_MAX : b->size;
}

/* The size word of a ust block: size and stack index together. */
static inline uint64_t ht_block_stack_word(uint64_t size, uint32_t stack)
{
    return size | (uint64_t)stack << HT_STACK_SIZE_BITS;
}

/* The stack index of a block with HT_META_STACK. */
static inline uint32_t ht_block_stack(const struct ht_block *b)
{
    return (uint32_t)(b->size >> HT_STACK_SIZE_BITS);
}

/* The pointer the real allocator returned for this block. */
static inline void *ht_block_base(struct ht_block *b)
{
    unsigned lg = (b->meta & HT_META_ALIGN_MASK) >> HT_META_ALIGN_SHIFT;
    return lg ? (char *)(b + 1) - ((size_t)1 << lg) : (void *)b;
}

#endif
