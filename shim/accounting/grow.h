/* SPDX-License-Identifier: MIT
 * grow.h - the segment grows with its program: /dev/shm pages are reserved
 * for row entries and counters as rows are claimed, and for a per-thread
 * counter set when a thread first claims it (the layout is described at the
 * top of heaptag_segment.h). Slow paths only; no lock, no allocation.
 */
#ifndef HT_GROW_H
#define HT_GROW_H

#include <stdint.h>

#include "base/glue.h"
#include "heaptag_segment.h"

/* Rows rounded up to whole growth chunks, at most the table's capacity. */
HT_HIDDEN uint32_t ht_grow_chunk_up(const struct ht_seg_header *h, uint32_t rows);

/* Makes sure rows [0, want) have their entries, and their counters in every
 * open set, backed by reserved pages. 0, or -1 when /dev/shm cannot back them
 * (nothing past rows_reserved may then be used). */
HT_HIDDEN int ht_grow_rows(uint32_t want);

/* Opens counter set k: reserves its pages for every row that may be used.
 * 0, or -1 (the set stays closed: its thread counts on a shared set). */
HT_HIDDEN int ht_grow_open_set(uint32_t k);

/* Bit k: counter set k may be read and written (its pages are reserved for
 * every row below rows_reserved). A closed set's pages are holes that reading
 * through the mapping would allocate: look only at open sets. */
HT_HIDDEN uint64_t ht_grow_sets_open(void);

#endif
