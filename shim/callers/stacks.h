/* SPDX-License-Identifier: MIT
 * stacks.h - ust: the segment's table of allocation stacks, deduplicated per
 * (row, frames), each with its own alloc/free counters. Lock-free; a full
 * table counts the stack as dropped and the allocation goes on without one.
 * The table's /dev/shm pages are reserved one by one as entries land on
 * them, so a program with few stacks occupies little of the trace database
 * it may fill (16 MB by default).
 */
#ifndef HT_STACKS_H
#define HT_STACKS_H

#include <stdint.h>

#include "base/glue.h"
#include "heaptag_segment.h"

#define HT_STACK_NONE UINT32_MAX

/* The index of the stack (row, frames[0, depth)), inserted if new;
 * HT_STACK_NONE (and stacks_dropped counted) when the table is full or absent. */
HT_HIDDEN uint32_t ht_stacks_intern(uint32_t row, const uint64_t *frames, uint32_t depth);

HT_HIDDEN void ht_stacks_count_alloc(uint32_t idx, uint64_t size);
/* Ignores an index outside the table (a block from before a fork's new segment
 * keeps indexes valid: the child's table is a copy). */
HT_HIDDEN void ht_stacks_count_free(uint32_t idx, uint64_t size);

/* Copies every finished entry of src's table into dst's (same layout), each
 * at its own index, so blocks keep their stack indexes; sets dst's used count.
 * own: dst becomes this process's segment (a forked child's; shared: a
 * /dev/shm file), its pages reserved as entries are copied; else dst is
 * private memory (the parent's snapshot). */
HT_HIDDEN void ht_stacks_copy(struct ht_seg_header *dst, const struct ht_seg_header *src, int own,
                              int shared);

/* Whether entry idx of this process's segment h lies on pages reserved (else
 * it was never written: empty, and reading it would take a page). */
HT_HIDDEN int ht_stacks_entry_reserved(const struct ht_seg_header *h, uint32_t idx);

#endif
