/*
 * mon_render.h - renders one snapshot as the PoolMon table or as CSV records:
 * one model of a row (label, type, counters, site), two renderers. Rows with
 * no allocations are hidden; the order is the chosen sort, ties by label.
 */
#ifndef HT_MON_RENDER_H
#define HT_MON_RENDER_H

#include <stdio.h>

#include "segment_reader.h"

enum mon_sort { MON_SORT_BYTES, MON_SORT_ALLOCS, MON_SORT_FREES, MON_SORT_DIFF, MON_SORT_TAG };
enum mon_format { MON_FORMAT_TABLE, MON_FORMAT_CSV };

#define MON_CSV_HEADER \
    "timestamp,pid,tag,type,allocs,frees,diff,bytes,per_alloc,bytes_alloc,bytes_freed,peak,site\n"

/* Width of the Tag column in the table; longer labels are fitted (fmt_fit). */
#define MON_TAG_WIDTH 24

/* Writes the block of one process: for the table a "# <timestamp> pid <pid>
 * exe <exe>" line, the column header, the rows and a blank line; for CSV one
 * record per row (the header is the caller's, once). */
void mon_render(FILE *out, const struct segread_snap *snap, enum mon_sort sort,
                enum mon_format format, const char *timestamp);

#endif
