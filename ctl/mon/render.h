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

#define MON_CSV_HEADER \
    "timestamp,pid,tag,type,allocs,frees,diff,bytes,per_alloc,bytes_alloc,bytes_freed,peak," \
    "state,site"

/* Width of the Tag column in the table; longer labels are fitted (fmt_fit). */
#define MON_TAG_WIDTH 24
/* Width of the Description column (-g) in the table. */
#define MON_DESC_WIDTH 32

/* The CSV header line (with ",description" when with_desc); nothing for the
 * other formats. Written once per output, before the first record. */
void mon_render_header(FILE *out, enum mon_format format, int with_desc);

/* The state of a process as logs write it: "live", "exited(3)" ("exited"
 * when the code is not known), "dead". */
void mon_state_text(char *buf, size_t n, const struct mon_proc *p);

/* mon's last word on a process it watched (-p) that is gone: a comment line
 * in the table ("# <time> pid N ended exited(0): ..."), an "End" record in
 * CSV and JSON with the state ("exited(0)", "killed" or "gone"). */
void mon_render_end(FILE *out, enum mon_format format, const char *timestamp, int pid,
                    const char *state, int with_desc);

/* Writes every good process of the model's view (built with pid_first and a
 * split model) in format, stamped with timestamp. For the table each process
 * gets a "# <timestamp> pid <pid> exe <exe>" line, the column header, its
 * rows and a blank line. */
void mon_render(FILE *out, const struct mon_model *m, enum mon_format format,
                const char *timestamp, int with_desc);

#endif
