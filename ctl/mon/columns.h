/* SPDX-License-Identifier: MIT
 * mon/columns.h - every column of `heaptag mon`, described once: its header,
 * widths, CSV/JSON field name, getter, sort key and help. The screen, the
 * three log formats, the sort, the help and the log reader all walk this one
 * table; adding a column is one entry in columns.c. Pure data and getters:
 * nothing here prints or reads a segment.
 */
#ifndef HT_MON_COLUMNS_H
#define HT_MON_COLUMNS_H

#include <stddef.h>
#include <stdint.h>

#include "mon/model.h"

enum mon_col_id {
    MON_COL_TIMESTAMP, MON_COL_TAG, MON_COL_TYPE, MON_COL_PID, MON_COL_ALLOCS,
    MON_COL_FREES, MON_COL_DIFF, MON_COL_BYTES, MON_COL_PER_ALLOC,
    MON_COL_OLD, MON_COL_MARK, /* ages: live bytes at least --old old, and the leak mark */
    MON_COL_BYTES_ALLOC,
    MON_COL_BYTES_FREED, MON_COL_PEAK, MON_COL_DESC, MON_COL_TREND, MON_COL_SITE,
    /* records only: what names the site and the process, so a log stands alone */
    MON_COL_FUNC, MON_COL_FILE, MON_COL_LINE, MON_COL_EXE, MON_COL_BUILD_ID, MON_COL_STATE,
    MON_COL_OLD_BLOCKS,
    MON_COL_AVG_ALLOC,
    MON_COL_COUNT
};

enum mon_val { MON_VAL_TEXT, MON_VAL_U64, MON_VAL_I64 };

/* Where a column is drawn (mon_col.where). */
#define MON_IN_SCREEN 0x01u /* the live screen */
#define MON_IN_TABLE  0x02u /* the table log */
#define MON_IF_SPLIT  0x04u /* screen: only with a line per process */
#define MON_IF_DESC   0x08u /* only with -g */
#define MON_IN_TOTAL  0x10u /* screen: summed on the totals line */
#define MON_WIDE_ONLY 0x20u /* screen: right of the numbers, reached by scrolling at 80 columns */
#define MON_IF_WIDE   0x40u /* screen: only on a terminal wider than 80 columns */

/* What a cell is drawn from: the line, its process (logs) and the time. */
struct mon_cell {
    const struct mon_line *l;
    const struct mon_proc *p; /* NULL on the screen */
    const char *ts;           /* the snapshot's timestamp (logs) */
    double   t;               /* the refresh time, seconds (Trend) */
};

struct mon_col {
    const char *header;  /* table and screen header; NULL: not in the table or screen */
    const char *name;    /* CSV/JSON field name; NULL: not in records */
    int      rec;        /* position in CSV/JSON records (1...); 0: not in them */
    unsigned where;      /* MON_IN_* and MON_IF_* */
    enum mon_val val;
    int      sep;        /* blanks before the cell in the table log and on the screen */
    int      width;      /* table log: cell width (display columns); text left-aligned;
                          * 0: runs to the end of the line */
    int      scr_wide, scr_delta;   /* screen, wide layout: value and (change) widths */
    int      scr_narrow, scr_ndelta;/* screen, 80 columns: numbers shortened to fit */
    unsigned human;      /* base when a number is shortened: 1000 (counts) or 1024 (bytes) */
    uint64_t (*num)(const struct mon_line *l);        /* numbers (I64 as two's complement) */
    int64_t  (*change)(const struct mon_line *l);     /* since the last refresh; NULL: none */
    /* text cells; NULL result: absent ("-" in the table, "" in records) */
    const char *(*text)(const struct mon_cell *c, char *buf, size_t n);
    int      sort;       /* enum mon_sort, or -1 */
    char     key;        /* PoolMon's sort letter (screen key, -x and /x option) */
    const char *sort_name; /* as the screen's header names the sort */
    const char *help;      /* as the help names it, when not sort_name */
};

extern const struct mon_col mon_cols[MON_COL_COUNT];

/* The column sorted by sort; never NULL for a valid enum mon_sort. */
const struct mon_col *mon_col_sorted(enum mon_sort sort);

/* The sort of PoolMon letter ch (either case); -1 if none. */
int mon_col_sort_key(int ch);

/* Ascending comparison of two lines by col (by its change when by_change and
 * the column has one); text columns compare equal (the label decides). */
int mon_col_cmp(const struct mon_col *col, const struct mon_line *a, const struct mon_line *b,
                int by_change);

/* The record fields in order (timestamp, pid, tag, ...); returns the count.
 * Columns with MON_IF_DESC come last only when with_desc. */
size_t mon_col_records(enum mon_col_id *ids, size_t cap, int with_desc);

/* The record position of field name, or -1. */
enum mon_col_id mon_col_by_name(const char *name, size_t len);

/* The column whose table header starts text (headers may hold blanks);
 * *len gets the header's length. -1 if none. */
enum mon_col_id mon_col_by_header(const char *text, size_t avail, size_t *len);

/* "t a f d b m" and "tag, allocs, frees, diff, bytes, bytes per alloc": the
 * sort keys and their names, for the help. */
void mon_col_sort_help(char *keys, size_t kn, char *names, size_t nn);

#endif
