/* SPDX-License-Identifier: MIT
 * mon/render.h - writes a snapshot of the mon model as a log: the PoolMon
 * table (one block per process), CSV or JSON Lines (one record per line of
 * the table). One renderer interface, one entry per format; every format
 * walks the column table (mon/columns.h). These formats are read back by
 * other tools: the timestamp line, the column headers and the field names
 * must stay stable.
 */
#ifndef HT_MON_RENDER_H
#define HT_MON_RENDER_H

#include <stdio.h>

#include "mon/columns.h"
#include "mon/model.h"

enum mon_format { MON_FORMAT_TABLE, MON_FORMAT_CSV, MON_FORMAT_JSON, MON_FORMAT_COUNT };

/* Width of the Tag column in the table; longer labels are fitted (fmt_fit_cols). */
#define MON_TAG_WIDTH 24
/* Width of the Description column (-g) in the table. */
#define MON_DESC_WIDTH 32

/* What a renderer is told about the output as a whole. */
struct mon_render_ctx {
    FILE    *out;
    int      with_desc;              /* -g: the Description column */
    enum mon_col_id rec[MON_COL_COUNT]; /* CSV/JSON fields in order */
    size_t   n_rec;
};

/* One log format. Each hook may be NULL. */
struct mon_renderer {
    const char *name;                /* as --format spells it */
    void (*header)(const struct mon_render_ctx *c);               /* once per output */
    void (*block)(const struct mon_render_ctx *c, const struct mon_proc *p, const char *ts);
    void (*row)(const struct mon_render_ctx *c, const struct mon_cell *cell);
    void (*block_end)(const struct mon_render_ctx *c);
};

extern const struct mon_renderer mon_renderers[MON_FORMAT_COUNT];

/* Parses "table", "csv" or "json"; -1 if none. */
int mon_format_parse(const char *s);

/* The CSV header line (with ",description" when with_desc); nothing for the
 * other formats. Written once per output, before the first record. */
void mon_render_header(FILE *out, enum mon_format format, int with_desc);

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
