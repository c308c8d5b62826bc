/* SPDX-License-Identifier: MIT
 * compact.c - rewriting a kept segment at exit to what it used.
 *
 * The copy goes to a new file beside the live one, written with pwrite (a
 * full /dev/shm is an error, never a SIGBUS) and renamed over it whole, so a
 * reader opens one layout or the other; threads still running write on into
 * the old mapping, whose pages go with the process. Counters are summed over
 * the open sets into one. Runs at exit: no allocation, no stdio.
 */
#include "accounting/compact.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h> /* rename */
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "accounting/ages.h"
#include "callers/stacks.h"
#include "ht_atomic.h"
#include "full_io.h"

#define PAGE 4096u
#define SUM_ROWS 128u /* rows summed per write */

static uint64_t round_page(uint64_t v) { return (v + PAGE - 1) & ~(uint64_t)(PAGE - 1); }

/* The compact header for h in c; returns the file size. */
static uint64_t plan(struct ht_seg_header *c, const struct ht_seg_header *h, uint32_t rows,
                     uint32_t mods, uint32_t stacks)
{
    memcpy(c, h, sizeof *c);
    uint64_t off = round_page(sizeof *c);
    c->reports_offset = off;
    off = round_page(off + (uint64_t)h->report_capacity * h->report_size);
    c->buckets_offset = off;
    c->bucket_capacity = 0;
    c->rows_offset = off;
    c->row_capacity = c->rows_used = c->rows_reserved = c->rows_target = rows;
    off = round_page(off + (uint64_t)rows * h->row_size);
    c->counters_offset = off;
    c->counter_sets = 1;
    c->counter_slots = 0;
    c->counter_stride = round_page((uint64_t)rows * sizeof(struct ht_counters));
    if (!c->counter_stride)
        c->counter_stride = PAGE;
    c->sets_open = 1;
    off += c->counter_stride;
    c->modules_offset = off;
    c->module_capacity = c->modules_used = mods;
    off = round_page(off + (uint64_t)mods * h->module_size);
    c->stacks_offset = off;
    c->stack_capacity = c->stacks_used = stacks;
    off = round_page(off + (uint64_t)stacks * h->stack_size);
    if (h->ages_offset) { /* the ages, the slots' counts folded into the bins */
        c->ages_offset = off;
        off = round_page(off + h->ages_size + (uint64_t)rows * h->age_row_size);
    }
    c->segment_size = off;
    c->layout = HT_SEG_COMPACT;
    c->state = HT_SEG_EXITED;
    c->modules_seq &= ~1u;
    return off;
}

/* The counters of rows [0, rows) summed over h's open sets, written at off. */
static int put_counters(int fd, const struct ht_seg_header *h, uint32_t rows, uint64_t off)
{
    struct ht_counters sum[SUM_ROWS];
    uint64_t open = ht_load_acquire(&h->sets_open);
    for (uint32_t r0 = 0; r0 < rows; r0 += SUM_ROWS) {
        uint32_t n = rows - r0 < SUM_ROWS ? rows - r0 : SUM_ROWS;
        memset(sum, 0, sizeof sum);
        for (uint32_t k = 0; k < h->counter_sets && k < HT_SETS_MAX; k++) {
            if (!(open >> k & 1))
                continue; /* a closed set is a hole: reading it would fill it */
            const struct ht_counters *c =
                (const struct ht_counters *)((const char *)h + h->counters_offset +
                                             k * h->counter_stride) + r0;
            for (uint32_t i = 0; i < n; i++) {
                sum[i].allocs += ht_load_relaxed(&c[i].allocs);
                sum[i].frees += ht_load_relaxed(&c[i].frees);
                sum[i].bytes_alloc += ht_load_relaxed(&c[i].bytes_alloc);
                sum[i].bytes_freed += ht_load_relaxed(&c[i].bytes_freed);
            }
        }
        if (ht_pwrite_full(fd, sum, (uint64_t)n * sizeof *sum,
                           off + (uint64_t)r0 * sizeof *sum) != 0)
            return -1;
    }
    return 0;
}

/* The ages header and the bins of rows [0, rows), each row's slot counts
 * added to the bin of their slot's tick (the one counter set of a compact
 * segment holds them, as a shared set would). */
static int put_ages(int fd, const struct ht_seg_header *h, uint32_t rows, uint64_t off)
{
    if (!h->ages_offset)
        return 0;
    const char *a = (const char *)h + h->ages_offset;
    if (ht_pwrite_full(fd, a, h->ages_size, off) != 0)
        return -1;
    struct ht_age_row bins[SUM_ROWS];
    const struct ht_age_row *src = (const struct ht_age_row *)(a + h->ages_size);
    for (uint32_t r0 = 0; r0 < rows; r0 += SUM_ROWS) {
        uint32_t n = rows - r0 < SUM_ROWS ? rows - r0 : SUM_ROWS;
        for (uint32_t i = 0; i < n; i++)
            for (uint32_t b = 0; b < HT_AGE_BINS; b++) {
                bins[i].bytes[b] = ht_load_relaxed(&src[r0 + i].bytes[b]);
                bins[i].blocks[b] = ht_load_relaxed(&src[r0 + i].blocks[b]);
            }
        ht_ages_fold_slots(h, bins, r0, n);
        if (ht_pwrite_full(fd, bins, (uint64_t)n * sizeof *bins,
                off + h->ages_size + (uint64_t)r0 * sizeof *bins) != 0)
            return -1;
    }
    return 0;
}

static const struct ht_stack *stack_at(const struct ht_seg_header *h, uint32_t i)
{
    return (const struct ht_stack *)((const char *)h + h->stacks_offset + (uint64_t)i * h->stack_size);
}

/* Entry i is READY: read only where its pages were reserved (the others
 * were never written, and reading one would take a page of /dev/shm). */
static int stack_ready(const struct ht_seg_header *h, uint32_t i)
{
    return ht_stacks_entry_reserved(h, i) &&
           ht_load_acquire(&stack_at(h, i)->state) == HT_ROW_READY;
}

static uint32_t stacks_ready(const struct ht_seg_header *h)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < h->stack_capacity; i++)
        n += (uint32_t)stack_ready(h, i);
    return n;
}

/* The READY stack entries, one after another from off (the hash table's
 * order kept); reports that name a stack get its new index, a report naming
 * an entry that is not kept none. At most n entries are written. */
static int put_stacks(int fd, const struct ht_seg_header *h, uint64_t off, uint32_t n,
                      struct ht_report *rep, uint32_t n_rep)
{
    uint32_t j = 0;
    for (uint32_t r = 0; r < n_rep; r++)
        if (rep[r].stack != UINT32_MAX)
            rep[r].stack |= 1u << 31; /* not yet mapped */
    for (uint32_t i = 0; i < h->stack_capacity && j < n; i++) {
        if (!stack_ready(h, i))
            continue;
        const struct ht_stack *e = stack_at(h, i);
        if (ht_pwrite_full(fd, e, h->stack_size, off + (uint64_t)j * h->stack_size) != 0)
            return -1;
        for (uint32_t r = 0; r < n_rep; r++)
            if (rep[r].stack == (i | 1u << 31))
                rep[r].stack = j;
        j++;
    }
    for (uint32_t r = 0; r < n_rep; r++)
        if (rep[r].stack != UINT32_MAX && rep[r].stack >> 31)
            rep[r].stack = UINT32_MAX;
    return 0;
}

/* ".compact." before the segment's name, in its directory: no reader takes
 * it for a segment. */
static int temp_path(char *dst, size_t cap, const char *path)
{
    const char *name = strrchr(path, '/');
    if (!name)
        return -1;
    size_t dir = (size_t)(name - path) + 1, rest = strlen(name + 1);
    if (dir + sizeof ".compact." + rest > cap)
        return -1;
    memcpy(dst, path, dir);
    memcpy(dst + dir, ".compact.", sizeof ".compact." - 1);
    memcpy(dst + dir + sizeof ".compact." - 1, name + 1, rest + 1);
    return 0;
}

int ht_compact(const struct ht_seg_header *h, const char *path)
{
    if (h->layout != HT_SEG_GROWING)
        return -1;
    char tmp[128];
    if (temp_path(tmp, sizeof tmp, path) != 0)
        return -1;
    int saved = errno;
    uint32_t rows = ht_load_relaxed(&h->rows_used);
    if (rows > h->row_capacity)
        rows = h->row_capacity;
    if (rows > ht_load_acquire(&h->rows_reserved))
        rows = h->rows_reserved;
    uint32_t mods = ht_load_acquire(&h->modules_used);
    if (mods > h->module_capacity)
        mods = h->module_capacity;
    uint32_t stacks = stacks_ready(h);
    struct ht_seg_header c;
    uint64_t size = plan(&c, h, rows, mods, stacks);
    /* the ring, its stack indexes renumbered as the stack table is */
    struct ht_report rep[HT_REPORTS];
    uint32_t n_rep = h->report_capacity <= HT_REPORTS && h->report_size == sizeof *rep
                         ? h->report_capacity
                         : 0;
    memcpy(rep, (const char *)h + h->reports_offset, (size_t)n_rep * sizeof *rep);

    int fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0 && errno == EEXIST) {
        /* left by a process of ours with this pid that died while compacting */
        struct stat st;
        if (lstat(tmp, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == geteuid())
            unlink(tmp);
        fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    }
    if (fd < 0) {
        errno = saved;
        return -1;
    }
    int ok = ftruncate(fd, (off_t)size) == 0 &&
             put_stacks(fd, h, c.stacks_offset, stacks, rep, n_rep) == 0 &&
             ht_pwrite_full(fd, rep, (uint64_t)n_rep * sizeof *rep, c.reports_offset) == 0 &&
             ht_pwrite_full(fd, (const char *)h + h->rows_offset, (uint64_t)rows * h->row_size,
                            c.rows_offset) == 0 &&
             put_counters(fd, h, rows, c.counters_offset) == 0 &&
             put_ages(fd, h, rows, c.ages_offset) == 0 &&
             ht_pwrite_full(fd, (const char *)h + h->modules_offset,
                            (uint64_t)mods * h->module_size, c.modules_offset) == 0 &&
             ht_pwrite_full(fd, &c, sizeof c, 0) == 0 &&
             rename(tmp, path) == 0;
    if (!ok) {
        unlink(tmp);
        close(fd);
        fd = -1;
    }
    errno = saved;
    return fd;
}

void ht_compact_note_removals(int fd, const struct ht_seg_header *h,
                              const struct ht_cap_removed *r, uint32_t n)
{
    struct ht_seg_header c;
    int saved = errno;
    if (pread(fd, &c, sizeof c, 0) == (ssize_t)sizeof c && c.magic == h->magic) {
        uint32_t first = n > HT_CAP_REMOVED ? n - HT_CAP_REMOVED : 0;
        c.cap_removed_total += first;
        for (uint32_t i = first; i < n; i++)
            c.cap_removed[c.cap_removed_total++ % HT_CAP_REMOVED] = r[i % HT_CAP_REMOVED];
        size_t at = offsetof(struct ht_seg_header, cap_removed_total);
        ht_pwrite_full(fd, (const char *)&c + at,
                       offsetof(struct ht_seg_header, cap_removed) + sizeof c.cap_removed - at, at);
    }
    errno = saved;
}
