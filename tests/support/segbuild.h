/* SPDX-License-Identifier: MIT
 * segbuild.h - builds synthetic heaptag segments in memory for tests, fuzz
 * seeds and the benchmark: plans the layout (include/heaptag_segment.h, the
 * current version) from table sizes, fills the header's layout fields, hands
 * out rows, modules, counters and reports, writes the image to a file.
 * It must never depend on the shim or the tool: only on the layout header.
 */
#ifndef HT_SEGBUILD_H
#define HT_SEGBUILD_H

#include <stddef.h>
#include <stdint.h>

#include "heaptag_segment.h"

/* Table sizes; a zero leaves that table (and its header fields) out. */
struct segbuild_plan {
    uint32_t buckets;
    uint32_t rows;
    uint32_t modules;
    uint32_t stacks, stack_depth;
    uint32_t counter_sets, counter_slots;
    uint32_t reports;
};

struct segbuild {
    unsigned char *img;
    size_t size;
    struct ht_seg_header *h;
    /* laid out in this order after the header */
    uint64_t buckets_off, rows_off, modules_off, stacks_off, counters_off, reports_off;
    uint64_t stride; /* bytes of one counter set */
};

/* Zeroed image with magic, version, sizes, capacities and offsets set;
 * 0, or -1 when out of memory. */
int segbuild_init(struct segbuild *b, const struct segbuild_plan *p);
void segbuild_free(struct segbuild *b);

static inline struct ht_row *segbuild_row(const struct segbuild *b, uint32_t i)
{
    return (struct ht_row *)(b->img + b->rows_off) + i;
}

static inline struct ht_module *segbuild_module(const struct segbuild *b, uint32_t i)
{
    return (struct ht_module *)(b->img + b->modules_off) + i;
}

/* The counters of row i in counter set `set` (the reader sums all sets). */
static inline struct ht_counters *segbuild_counters(const struct segbuild *b, uint32_t set,
                                                    uint32_t i)
{
    return (struct ht_counters *)(b->img + b->counters_off + set * b->stride) + i;
}

static inline struct ht_report *segbuild_report(const struct segbuild *b, uint32_t i)
{
    return (struct ht_report *)(b->img + b->reports_off) + i;
}

/* A ready module row: base, size, path. */
void segbuild_set_module(struct segbuild *b, uint32_t i, uint64_t base, uint64_t size,
                         const char *path);

/* Writes the first len bytes of the image to path (0600, truncated); 0 or -1. */
int segbuild_write(const struct segbuild *b, const char *path, size_t len);

#endif
