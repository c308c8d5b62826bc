/* SPDX-License-Identifier: MIT
 * block.h - the 16-byte header the shim puts in front of every block it hands out.
 *
 * It remembers the block's size and row, so free() takes back exactly what
 * the allocation counted. Its last two bytes are a fixed check value with the
 * top bit set; they overlay the high bytes of glibc's own chunk-size word in
 * a foreign pointer, which are zero for any real chunk, so a pointer the shim
 * did not hand out is never mistaken for one of its own over glibc (over
 * another allocator, by chance one time in 65,536).
 */
#ifndef HT_BLOCK_H
#define HT_BLOCK_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "heaptag_segment.h"
#include "base/state.h"

#define HT_ROW_NONE UINT32_MAX /* allocated while counting was off */

/* meta bits; a plain counted block has none, so free tests meta and check
 * in one compare */
#define HT_META_ALIGN_SHIFT 4      /* log2 of the alignment, 0 when default */
#define HT_META_ALIGN_MASK 0x03f0u
#define HT_META_CHECKED    0x0400u /* allocated under a heap check flag (htc/hfc/hpc) */
#define HT_META_TAIL       0x0800u /* htc: a guard follows the block */
#define HT_META_FREE_CHECK 0x1000u /* hfc: poison on free, quarantine */
#define HT_META_STACK      0x2000u /* ust: the stack index is in the size word's top bits */
#define HT_META_PARAM      0x4000u /* hpc: user address is in the live-block registry */
#define HT_META_FREED      0x8000u /* hfc: freed, waiting in quarantine */

/* The check value: top bit set, never the high bytes of a glibc chunk size. */
#define HT_BLOCK_MAGIC 0xa5e1u

/* ust blocks keep their stack index in the header itself, in the top 24 bits
 * of the size word (HT_META_STACK set): the header stays 16 bytes. A block of
 * 2^40 bytes or more, or a stack index past 2^24, goes without its stack. */
#define HT_STACK_SIZE_BITS 40
#define HT_STACK_SIZE_MAX ((1ull << HT_STACK_SIZE_BITS) - 1)
#define HT_STACK_INDEX_MAX ((1u << (64 - HT_STACK_SIZE_BITS)) - 1)

struct ht_block {
    uint64_t size;   /* bytes the caller asked for */
    uint32_t off;    /* the row counted as its counter offset (ht_row_off()), or HT_ROW_NONE */
    uint16_t meta;
    uint16_t check;  /* HT_BLOCK_MAGIC; 0 once freed */
};

_Static_assert(sizeof(struct ht_block) == 16, "block header keeps 16-byte alignment");
_Static_assert(__builtin_offsetof(struct ht_block, off) == 8 &&
               __builtin_offsetof(struct ht_block, meta) == 12 &&
               __builtin_offsetof(struct ht_block, check) == 14 &&
               __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
               "the header's second word is off | meta << 32 | check << 48");

/* A row's counter offset: what headers and cache words hold instead of the
 * row, so that the counters are one add away from a slot's base. */
#define HT_CTR_SHIFT 5
_Static_assert(sizeof(struct ht_counters) == 1u << HT_CTR_SHIFT, "offset = row << 5");

static inline uint32_t ht_row_off(uint32_t row)
{
    return row == HT_ROW_NONE ? HT_ROW_NONE : row << HT_CTR_SHIFT;
}

static inline uint32_t ht_off_row(uint32_t off)
{
    return off == HT_ROW_NONE ? HT_ROW_NONE : off >> HT_CTR_SHIFT;
}

/* The allocation's age stamp (accounting/ages.h): its tick modulo 2^14, in
 * bits no other reader needs. A counter offset is row << 5 below 2^22 (rows
 * are fewer than 2^17), so off's top ten bits are free; meta's low four are
 * no flag. Stamp bits 0-9 sit in off bits 22-31, bits 10-13 in meta bits 0-3:
 * all above the offset, so that free's one subtract and one compare of the
 * header's second word against its thread's tick (ht_thread.free_base) test
 * "ours, plain, of this tick, in a row of this segment" at once (a stamp
 * that differs leaves 2^22 or more, past any offset). A block counted
 * nowhere (HT_ROW_NONE) carries none. */
#define HT_OFF_MASK 0x003fffe0u
#define HT_ROWS_LIMIT (1u << 17)
#define HT_META_STAMP_MASK 0x000fu
#define HT_STAMP_MASK ((1u << HT_AGE_STAMP_BITS) - 1)
_Static_assert(HT_AGE_STAMP_BITS == 14, "stamp bits: 10 in off, 4 in meta");

/* The stamp of tick as bits of the header's second word. */
static inline uint64_t ht_stamp_bits(uint32_t tick)
{
    uint64_t s = tick & HT_STAMP_MASK;
    return (s & 1023) << 22 | (s >> 10) << 32;
}

/* The stamp in a header's off and meta fields. */
static inline uint32_t ht_stamp_of(uint32_t off, uint16_t meta)
{
    return off >> 22 | (uint32_t)(meta & HT_META_STAMP_MASK) << 10;
}

/* The counter offset in a header's off field, without its stamp. */
static inline uint32_t ht_off_clean(uint32_t off)
{
    return off == HT_ROW_NONE ? off : off & HT_OFF_MASK;
}

#define HT_BLOCK_HDR sizeof(struct ht_block)
/* Largest size whose header and worst-case padding cannot overflow size_t. */
#define HT_SIZE_LIMIT (SIZE_MAX / 2)

/* The header's second word: what a cache entry holds for a plain block. */
static inline uint64_t ht_block_word(uint32_t off, uint16_t meta)
{
    return (uint64_t)off | (uint64_t)meta << 32 | (uint64_t)HT_BLOCK_MAGIC << 48;
}

/* meta and check as one 32-bit word (the header's last four bytes). */
static inline uint32_t ht_block_tail(const struct ht_block *b)
{
    uint32_t v;
    memcpy(&v, (const char *)b + 12, sizeof v);
    return v;
}

/* The check value a header with this size, row and meta carries (kept as a
 * function for the heap checks, which rewrite meta and check together). */
static inline uint16_t ht_block_check(uint64_t size, uint32_t off, uint16_t meta)
{
    (void)size, (void)off, (void)meta;
    return HT_BLOCK_MAGIC;
}

static inline struct ht_block *ht_block_of(void *user)
{
    return (struct ht_block *)user - 1;
}

/* 1 when the 16 bytes before user may sit on another page: a pointer the shim
 * did not hand out (another allocator's, at the start of its mapping) may
 * have nothing readable there, so its header is read only once checked. */
static inline int ht_header_near_page(const void *user)
{
    return ((uintptr_t)user & 4095) < HT_BLOCK_HDR;
}

/* A header the shim wrote (and has not freed): runs on every cold free. */
static inline int ht_block_valid(const struct ht_block *b)
{
    return b->check == HT_BLOCK_MAGIC;
}

/* Writes the header from its second word (ht_block_word()): two stores. */
static inline void ht_block_set_word(struct ht_block *b, uint64_t size, uint64_t word)
{
    b->size = size;
    memcpy((char *)b + 8, &word, sizeof word);
}

/* row: the row index or HT_ROW_NONE. A counted block is stamped with the
 * tick of this thread (the tick its counts go to). */
static inline void ht_block_set(struct ht_block *b, uint64_t size, uint32_t row, uint16_t meta)
{
    uint64_t word = ht_block_word(ht_row_off(row), meta);
    if (row != HT_ROW_NONE)
        word |= ht_stamp_bits(ht_self.tick);
    ht_block_set_word(b, size, word);
}

static inline uint32_t ht_block_row(const struct ht_block *b)
{
    return ht_off_row(ht_off_clean(b->off));
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
