/* SPDX-License-Identifier: MIT
 * segbuild.c - synthetic heaptag segments for tests, fuzz seeds and the
 * benchmark (see segbuild.h). Plans offsets and fills layout fields only;
 * what the rows say is up to the caller. Never reads a real segment.
 */
#include "segbuild.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int segbuild_init(struct segbuild *b, const struct segbuild_plan *p)
{
    const uint64_t stack_size = sizeof(struct ht_stack) + (uint64_t)p->stack_depth * 8;
    memset(b, 0, sizeof *b);
    b->stride = (uint64_t)p->rows * sizeof(struct ht_counters);
    b->buckets_off = sizeof(struct ht_seg_header);
    b->rows_off = b->buckets_off + (uint64_t)p->buckets * 4;
    b->modules_off = b->rows_off + (uint64_t)p->rows * sizeof(struct ht_row);
    b->stacks_off = b->modules_off + (uint64_t)p->modules * sizeof(struct ht_module);
    b->counters_off = b->stacks_off + (uint64_t)p->stacks * stack_size;
    b->reports_off = b->counters_off + (uint64_t)p->counter_sets * b->stride;
    b->size = b->reports_off + (uint64_t)p->reports * sizeof(struct ht_report);
    b->img = calloc(1, b->size);
    if (!b->img)
        return -1;
    struct ht_seg_header *h = b->h = (struct ht_seg_header *)b->img;
    h->magic = HT_SEG_MAGIC;
    h->version = HT_SEG_VERSION;
    h->header_size = sizeof *h;
    h->segment_size = b->size;
    /* each table the plan asks for: its entry size (buckets have none in the
     * header), capacity and offset */
    const struct {
        uint32_t count, entry;
        uint32_t *size, *capacity;
        uint64_t *offset, at;
    } tables[] = {
        { p->rows, sizeof(struct ht_row), &h->row_size, &h->row_capacity, &h->rows_offset,
          b->rows_off },
        { p->buckets, 0, NULL, &h->bucket_capacity, &h->buckets_offset, b->buckets_off },
        { p->modules, sizeof(struct ht_module), &h->module_size, &h->module_capacity,
          &h->modules_offset, b->modules_off },
        { p->stacks, (uint32_t)stack_size, &h->stack_size, &h->stack_capacity,
          &h->stacks_offset, b->stacks_off },
        { p->reports, sizeof(struct ht_report), &h->report_size, &h->report_capacity,
          &h->reports_offset, b->reports_off },
    };
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
        if (!tables[i].count)
            continue;
        if (tables[i].size)
            *tables[i].size = tables[i].entry;
        *tables[i].capacity = tables[i].count;
        *tables[i].offset = tables[i].at;
    }
    if (p->stacks)
        h->stack_depth = p->stack_depth;
    if (p->counter_sets) {
        h->counter_sets = p->counter_sets;
        h->counter_slots = p->counter_slots;
        h->counters_offset = b->counters_off;
        h->counter_stride = b->stride;
    }
    return 0;
}

void segbuild_free(struct segbuild *b)
{
    free(b->img);
    b->img = NULL;
    b->h = NULL;
}

void segbuild_set_module(struct segbuild *b, uint32_t i, uint64_t base, uint64_t size,
                         const char *path)
{
    struct ht_module *m = segbuild_module(b, i);
    m->base = base;
    m->size = size;
    m->state = 1;
    snprintf(m->path, sizeof m->path, "%s", path);
}

int segbuild_write(const struct segbuild *b, const char *path, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0)
        return -1;
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(fd, b->img + done, len - done);
        if (n <= 0) {
            close(fd);
            return -1;
        }
        done += (size_t)n;
    }
    return close(fd);
}
