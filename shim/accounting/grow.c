/* SPDX-License-Identifier: MIT
 * grow.c - reserving the segment's pages as the program needs them.
 *
 * tmpfs gives a page at first touch and answers a full /dev/shm with SIGBUS,
 * so nothing is touched before it is reserved (base/shm_reserve.h).
 *
 * Two things grow without a lock. Rows: a thread that needs row r raises
 * rows_target, reserves the chunk in the rows table and in every open set,
 * and only then raises rows_reserved; rows are handed out below
 * rows_reserved only. Sets: a thread opening set k sets its bit in sets_open,
 * then reserves the set up to rows_target. Both sides store and then load
 * with sequential consistency, so a growth either sees the new bit or the
 * opener sees the growth's target: no set misses a chunk. Several threads may
 * reserve the same pages; reserving twice costs nothing.
 */
#include "accounting/grow.h"


#include "base/shm_reserve.h"
#include "base/state.h"
#include "ht_atomic.h"

#define PAGE 4096u

/* Reserves the pages that hold bytes [off, off + len) of the segment. */
static int reserve(uint64_t off, uint64_t len)
{
    return ht_shm_reserve(ht_state.seg, ht_state.shared, off, len);
}

/* The counters of rows [from, to) in set k. */
static int reserve_set(const struct ht_seg_header *h, uint32_t k, uint32_t from, uint32_t to)
{
    uint64_t base = h->counters_offset + (uint64_t)k * h->counter_stride;
    uint64_t a = (uint64_t)from * sizeof(struct ht_counters) & ~(uint64_t)(PAGE - 1);
    uint64_t b = (uint64_t)to * sizeof(struct ht_counters);
    return b > a ? reserve(base + a, b - a) : 0;
}

uint32_t ht_grow_chunk_up(const struct ht_seg_header *h, uint32_t rows)
{
    uint64_t r = ((uint64_t)rows + HT_GROW_ROWS - 1) / HT_GROW_ROWS * HT_GROW_ROWS;
    return r > h->row_capacity ? h->row_capacity : (uint32_t)r;
}

uint64_t ht_grow_sets_open(void)
{
    const struct ht_seg_header *h = ht_state.seg;
    return h ? __atomic_load_n(&h->sets_open, __ATOMIC_ACQUIRE) : 0;
}

int ht_grow_rows(uint32_t want)
{
    struct ht_seg_header *h = ht_state.seg;
    if (want <= __atomic_load_n(&h->rows_reserved, __ATOMIC_ACQUIRE))
        return 0;
    if (want > h->row_capacity)
        return -1;
    uint32_t target = ht_grow_chunk_up(h, want);
    uint32_t t = __atomic_load_n(&h->rows_target, __ATOMIC_SEQ_CST);
    while (t < target &&
           !__atomic_compare_exchange_n(&h->rows_target, &t, target, 0, __ATOMIC_SEQ_CST,
                                        __ATOMIC_SEQ_CST))
        ;
    if (t > target)
        target = t; /* another growth aims higher: cover it too */
    uint64_t open = __atomic_load_n(&h->sets_open, __ATOMIC_SEQ_CST);
    uint32_t from = __atomic_load_n(&h->rows_reserved, __ATOMIC_ACQUIRE);
    uint64_t row_a = (uint64_t)from * h->row_size & ~(uint64_t)(PAGE - 1);
    int ok = reserve(h->rows_offset + row_a, (uint64_t)target * h->row_size - row_a) == 0;
    for (uint32_t k = 0; ok && k < h->counter_sets && k < HT_SETS_MAX; k++)
        if (open >> k & 1)
            ok = reserve_set(h, k, from, target) == 0;
    if (ok && h->ages_offset) { /* the rows' age bins (accounting/ages.h) */
        uint64_t base = h->ages_offset + h->ages_size;
        uint64_t a = (base + (uint64_t)from * h->age_row_size) & ~(uint64_t)(PAGE - 1);
        ok = reserve(a, base + (uint64_t)target * h->age_row_size - a) == 0;
    }
    if (!ok)
        return -1; /* the target stays: lowering it could race a growth that
                    * succeeded, and a set opened later would miss its chunk */
    uint32_t r = from;
    while (r < target &&
           !__atomic_compare_exchange_n(&h->rows_reserved, &r, target, 1, __ATOMIC_RELEASE,
                                        __ATOMIC_ACQUIRE))
        ;
    return 0;
}

int ht_grow_open_set(uint32_t k)
{
    struct ht_seg_header *h = ht_state.seg;
    if (!h || k >= h->counter_sets || k >= HT_SETS_MAX)
        return -1;
    uint64_t bit = 1ull << k;
    if (__atomic_load_n(&h->sets_open, __ATOMIC_ACQUIRE) & bit)
        return 0; /* opened by an earlier holder: every growth since covered it */
    __atomic_fetch_or(&h->sets_open, bit, __ATOMIC_SEQ_CST);
    uint32_t target = __atomic_load_n(&h->rows_target, __ATOMIC_SEQ_CST);
    if (reserve_set(h, k, 0, target) != 0) {
        __atomic_fetch_and(&h->sets_open, ~bit, __ATOMIC_SEQ_CST);
        return -1;
    }
    return 0;
}
