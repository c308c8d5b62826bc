/*
 * mon/render.h - writes a snapshot of the mon model as a log: the PoolMon
 * table (one block per process), CSV or JSON Lines (one record per line of
 * the table). These formats are read back by other tools: the timestamp
 * line, the column headers and the field names must stay stable.
 */
#ifndef HT_MON_RENDER_H
#define HT_MON_RENDER_H

#include <stdio.h>

#include "mon/model.h"

enum mon_format { MON_FORMAT_TABLE, MON_FORMAT_CSV, MON_FORMAT_JSON };

/* function, file and line name the site (empty and 0 when unknown); exe and
 * build_id are the process's, so a log names its code on its own. The site
 * stays the last field (before description), as older logs had it. */
#define MON_CSV_HEADER \
    "timestamp,pid,tag,type,allocs,frees,diff,bytes,per_alloc,bytes_alloc,bytes_freed,peak," \
    "function,file,line,exe,build_id,site"

/* Width of the Tag column in the table; longer labels are fitted (fmt_fit). */
#define MON_TAG_WIDTH 24
/* Width of the Description column (-g) in the table. */
#define MON_DESC_WIDTH 32

/* The CSV header line (with ",description" when with_desc); nothing for the
 * other formats. Written once per output, before the first record. */
void mon_render_header(FILE *out, enum mon_format format, int with_desc);

/* Writes every good process of the model's view (built with pid_first and a
 * split model) in format, stamped with timestamp. For the table each process
 * gets a "# <timestamp> pid <pid> exe <exe>[ build-id <hex>]" line, the column
 * header, its rows and a blank line. */
void mon_render(FILE *out, const struct mon_model *m, enum mon_format format,
                const char *timestamp, int with_desc);

#endif
