/* SPDX-License-Identifier: MIT
 * stacks.c - the ust stack table: open addressing over the segment's
 * stack_capacity entries, claimed with compare-and-swap (EMPTY -> BUSY ->
 * READY). Runs inside malloc: no locks, no allocation, no libc calls. The
 * table is kept at most 7/8 full so probes stay short. An entry is read or
 * written only once its pages are reserved (tmpfs answers a touch of a page
 * it cannot give with SIGBUS): the first probe to reach a page reserves it.
 */
#include "callers/stacks.h"

#include <string.h>

#include "base/shm_reserve.h"
#include "heaptag_segment.h"
#include "base/state.h"
#include "ht_atomic.h"

#define STACK_BUSY 1u
#define BUSY_SPINS 4096

#if defined(__x86_64__) || defined(__i386__)
#define cpu_relax() __builtin_ia32_pause()
#else
#define cpu_relax() ht_signal_fence()
#endif

/* Private memory sized for the table, mapped once per process (a forked
 * child's table has its parent's size), its length n in items published in
 * *len by the first mapping. */
static void *sized_map(void **p, uint64_t *len, uint64_t n, size_t bytes)
{
    void *m = ht_load_acquire(p);
    if (m)
        return m;
    m = ht_map_once(p, bytes);
    if (m) {
        uint64_t none = 0;
        ht_cas_acq_rel(len, &none, n);
    }
    return m;
}

/* The length of a sized_map() mapping: n (what the caller's table asks
 * for) until the first mapping's is published, which a thread that just lost
 * the race to map may not see yet. */
static uint64_t sized_len(const uint64_t *len, uint64_t n)
{
    uint64_t l = ht_load_acquire(len);
    return l ? l : n;
}

/* The indexes of the entries this process claimed, in claim order: a fork
 * copies those, never the whole (mostly untouched) table. Private memory, so
 * a forked child inherits the list as it was at fork. */
static void *claimed;
static uint64_t claimed_cap;
static uint32_t claimed_n;

static void note_claimed(uint32_t idx, uint32_t cap)
{
    uint32_t *list = sized_map(&claimed, &claimed_cap, cap, (size_t)cap * sizeof *list);
    if (!list)
        return;
    uint32_t n = ht_fetch_add_relaxed(&claimed_n, 1);
    if (n < sized_len(&claimed_cap, cap))
        ht_store_release(&list[n], idx + 1);
}

static struct ht_stack *entry(const struct ht_seg_header *h, uint32_t i)
{
    return (struct ht_stack *)((char *)h + h->stacks_offset + (uint64_t)i * h->stack_size);
}

/* What this process reserved of its segment's table, a bit each, in
 * private memory mapped for the table's size at the first probe (fixed for
 * the process: a forked child's table has its parent's): the pages, and the
 * entries whose pages all are. An entry is counted on only when its bit is
 * set: a block the child inherits may name an entry its parent claimed
 * after the fork's snapshot, never copied, on a page the child never
 * reserved. */
#define PAGE 4096u
static void *page_bits, *entry_bits;
static uint64_t bits_pages, bits_entries;

/* The bytes of a map of n bits. */
static size_t bits_bytes(uint64_t n)
{
    return (size_t)((n + 63) / 64 * 8);
}

static uint64_t *bits_map(void **bits, uint64_t *count, uint64_t n)
{
    return sized_map(bits, count, n, bits_bytes(n));
}

static int bit_set(const uint64_t *b, uint64_t count, uint64_t i)
{
    return i < count && (ht_load_acquire(&b[i / 64]) >> (i % 64) & 1);
}

/* Entry idx of h (mapped at h, shared or not) on reserved pages, reserved
 * now where they are not: 1, or 0 when /dev/shm cannot give them. */
static int reserve_entry(struct ht_seg_header *h, int shared, uint32_t idx)
{
    uint64_t *e = bits_map(&entry_bits, &bits_entries, h->stack_capacity);
    uint64_t entries = sized_len(&bits_entries, h->stack_capacity);
    if (e && bit_set(e, entries, idx))
        return 1;
    uint64_t pages = ((uint64_t)h->stack_capacity * h->stack_size + PAGE - 1) / PAGE;
    uint64_t *b = bits_map(&page_bits, &bits_pages, pages);
    if (!b || !e || idx >= entries)
        return 0;
    pages = sized_len(&bits_pages, pages);
    uint64_t first = (uint64_t)idx * h->stack_size;
    uint64_t last = first + h->stack_size - 1;
    for (uint64_t p = first / PAGE; p <= last / PAGE; p++) {
        if (bit_set(b, pages, p))
            continue;
        if (p >= pages || ht_shm_reserve(h, shared, h->stacks_offset + p * PAGE, PAGE) != 0)
            return 0;
        ht_fetch_or_acq_rel(&b[p / 64], 1ull << (p % 64));
    }
    ht_fetch_or_acq_rel(&e[idx / 64], 1ull << (idx % 64));
    return 1;
}

static inline int entry_marked(const struct ht_seg_header *h, uint32_t idx)
{
    const uint64_t *e = ht_load_acquire(&entry_bits);
    return e && idx < sized_len(&bits_entries, h->stack_capacity) &&
           (ht_load_relaxed(&e[idx / 64]) >> (idx % 64) & 1);
}

int ht_stacks_entry_reserved(const struct ht_seg_header *h, uint32_t idx)
{
    return entry_marked(h, idx);
}

static uint32_t stack_hash(uint32_t row, const uint64_t *frames, uint32_t depth)
{
    uint64_t x = 0x9e3779b97f4a7c15ull ^ row ^ ((uint64_t)depth << 32);
    for (uint32_t i = 0; i < depth; i++) {
        x ^= frames[i];
        x *= 0xff51afd7ed558ccdull;
        x ^= x >> 33;
    }
    return (uint32_t)(x ^ (x >> 32));
}

static int same(const struct ht_stack *s, uint32_t hash, uint32_t row, const uint64_t *frames,
                uint32_t depth)
{
    return s->hash == hash && s->row == row && s->depth == depth &&
           memcmp(s->frames, frames, depth * sizeof *frames) == 0;
}

static uint32_t dropped(struct ht_seg_header *h)
{
    ht_fetch_add_relaxed(&h->stacks_dropped, 1);
    return HT_STACK_NONE;
}

uint32_t ht_stacks_intern(uint32_t row, const uint64_t *frames, uint32_t depth)
{
    struct ht_seg_header *h = ht_state.seg;
    if (!h)
        return HT_STACK_NONE;
    uint32_t cap = h->stack_capacity;
    if (cap == 0)
        return dropped(h);
    if (depth > h->stack_depth)
        depth = h->stack_depth;
    uint32_t hash = stack_hash(row, frames, depth);
    for (uint32_t i = 0; i < cap; i++) {
        uint32_t idx = (uint32_t)(((uint64_t)hash + i) % cap);
        if (!reserve_entry(h, ht_state.shared, idx))
            return dropped(h);
        struct ht_stack *s = entry(h, idx);
        uint32_t st = ht_load_acquire(&s->state);
        if (st == HT_ROW_EMPTY) {
            if (ht_load_relaxed(&h->stacks_used) >= cap - cap / 8)
                return dropped(h);
            if (ht_cas_acquire(&s->state, &st, STACK_BUSY)) {
                ht_fetch_add_relaxed(&h->stacks_used, 1);
                note_claimed(idx, cap);
                s->row = row;
                s->depth = depth;
                s->hash = hash;
                memcpy(s->frames, frames, depth * sizeof *frames);
                ht_store_release(&s->state, HT_ROW_READY);
                return idx;
            }
        }
        /* another thread is writing this entry: wait briefly for it, else
         * probe on (at worst the same stack gets a second entry) */
        for (int spin = 0; st == STACK_BUSY && spin < BUSY_SPINS; spin++) {
            cpu_relax();
            st = ht_load_acquire(&s->state);
        }
        if (st == HT_ROW_READY && same(s, hash, row, frames, depth))
            return idx;
    }
    return dropped(h);
}

/* One allocation (freed 0) or free (1) of size bytes by the stack at idx. */
static void count(uint32_t idx, int freed, uint64_t size)
{
    struct ht_seg_header *h = ht_state.seg;
    if (!h || !entry_marked(h, idx))
        return;
    struct ht_stack *s = entry(h, idx);
    ht_fetch_add_relaxed(freed ? &s->frees : &s->allocs, 1);
    ht_fetch_add_relaxed(freed ? &s->bytes_freed : &s->bytes_alloc, size);
}

void ht_stacks_count_alloc(uint32_t idx, uint64_t size)
{
    count(idx, 0, size);
}

void ht_stacks_count_free(uint32_t idx, uint64_t size)
{
    count(idx, 1, size);
}

void ht_stacks_copy(struct ht_seg_header *dst, const struct ht_seg_header *src, int own,
                    int shared)
{
    uint32_t cap = src->stack_capacity, copied = 0;
    if (own) { /* what was reserved was the parent's file's: none of the child's yet */
        uint64_t *b = ht_load_acquire(&page_bits), *e = ht_load_acquire(&entry_bits);
        if (b)
            memset(b, 0, bits_bytes(ht_load_acquire(&bits_pages)));
        if (e)
            memset(e, 0, bits_bytes(ht_load_acquire(&bits_entries)));
    }
    const uint32_t *list = ht_load_acquire(&claimed);
    uint32_t n = ht_load_relaxed(&claimed_n);
    if (!list)
        n = 0;
    uint64_t len = sized_len(&claimed_cap, cap);
    if (n > len)
        n = (uint32_t)len;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t i = ht_load_acquire(&list[k]);
        if (i == 0 || i > cap)
            continue; /* a claim still being noted */
        const struct ht_stack *s = entry(src, i - 1);
        /* a half-written entry's writer does not exist in the child */
        if (ht_load_acquire(&s->state) != HT_ROW_READY)
            continue;
        if (own && !reserve_entry(dst, shared, i - 1))
            continue; /* the child's /dev/shm is full: its blocks count without it */
        memcpy(entry(dst, i - 1), s, src->stack_size);
        copied++;
    }
    dst->stacks_used = copied;
}
