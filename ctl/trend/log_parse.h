/* SPDX-License-Identifier: MIT
 * trend/log_parse.h - what the parts of the log reader share, inside
 * ctl/trend only: the records read, the reader's state, the one number
 * parser and the per-format line readers. Users include trend/log_reader.h.
 */
#ifndef HT_LOG_PARSE_H
#define HT_LOG_PARSE_H

#include "util/intern.h"
#include "verdict/series.h"

struct log_stats;

#include <stdint.h>

#define LOG_MAX_VALUE (1ULL << 60) /* no real counter gets near this */
#define LOG_MAX_TOKENS 64
#define LOG_MAX_FIELDS 64

/* One row of one snapshot as read: pt is what its series gets
 * (verdict/series.h), the rest says which series. */
struct log_rec {
    struct log_point pt;
    int pid;
    unsigned run;
    const char *exe, *tag, *type, *site;
    const char *func, *file, *build_id;
    int line;
    size_t order;
};

/* "the process ended" lines: mon's last word on a pid */
struct log_end {
    double t;
    int pid;
    int state, code;
};

struct csv_map {
    int ts, pid, tag, type, allocs, frees, diff, bytes, peak, site, state;
    int func, file, line, exe, build_id, old;
    int need; /* fields a record must have */
};

/* Where the numbers of a table row are: indexes among the numbers after
 * Type, from the column header (or mon's own column table before one). */
struct table_map {
    int allocs, frees, diff, bytes;
    int n_num;
};

struct log_data {
    struct intern strings;
    struct log_rec *rec;
    size_t n_rec, cap_rec;
    /* table context: the last "# <time> pid N exe PATH" line */
    int have_ctx;
    double ctx_t;
    int ctx_pid;
    const char *ctx_exe;
    const char *ctx_build_id;
    int ctx_state;
    struct csv_map csv;
    struct log_end *ends;
    size_t n_ends, cap_ends;
    struct table_map table;
    /* the grouped view */
    struct log_series *series;
    size_t n_series;
    struct log_point *points;
    size_t n_snapshots;
    int dirty;
};

/* A row as a format's parser finds it, before log_add_row() keeps it:
 * strings not yet interned. */
struct log_row {
    struct log_point pt;
    int pid;
    const char *exe, *build_id; /* interned already, or NULL */
    const char *tag, *type, *site;
    size_t tag_len, type_len, site_len;
    const char *func, *file;    /* NULL when absent */
    size_t func_len, file_len;
    int line;
};

struct log_tok {
    const char *s;
    size_t n;
};

enum { ROW_OK, ROW_NOT, ROW_DAMAGED, ROW_ORPHAN, ROW_END };

/* exits on out of memory, like the rest of the tool */
void *log_xrealloc(void *p, size_t n);
/* One stable, printable copy per distinct string: equal strings, equal pointers. */
const char *log_intern(struct intern *in, const char *s, size_t n);

/* The one number parser: see log_fields.c. */
int log_num(const char *s, size_t n, int64_t lo, int64_t hi, int64_t *v);

static inline int log_u64(const char *s, size_t n, uint64_t *v)
{
    int64_t x;
    if (log_num(s, n, 0, (int64_t)LOG_MAX_VALUE, &x) != 0)
        return -1;
    *v = (uint64_t)x;
    return 0;
}

static inline int log_i64(const char *s, size_t n, int64_t *v)
{
    return log_num(s, n, -(int64_t)LOG_MAX_VALUE, (int64_t)LOG_MAX_VALUE, v);
}

static inline int log_pid(const char *s, size_t n, int *pid)
{
    int64_t x;
    if (log_num(s, n, 1, 0x7fffffff, &x) != 0)
        return -1;
    *pid = (int)x;
    return 0;
}

size_t log_tokenize(const char *s, size_t len, struct log_tok *t, size_t max);
const char *log_build_id(struct log_data *d, const char *s, size_t n);
int log_is_type(const char *s, size_t n);
void log_add_end(struct log_data *d, double t, int pid, int state, int code);
void log_add_row(struct log_data *d, const struct log_row *r, struct log_stats *st);

/* A format's reader of one line: fills r (its strings may point into buf, a
 * scratch of len + 1 bytes) and returns a ROW_ code. */
typedef int log_row_fn(struct log_data *d, const char *s, size_t len, char *buf,
                       struct log_row *r);
/* Runs parse on the line and keeps the row when it says ROW_OK; its code. */
int log_parse_row(struct log_data *d, const char *s, size_t len, struct log_stats *st,
                  log_row_fn *parse);
int log_names(struct log_data *d, struct log_row *r, const struct log_tok *func,
              const struct log_tok *file, const struct log_tok *line, const struct log_tok *exe,
              const struct log_tok *build_id);

/* the table (log_table.c) */
void log_table_default(struct table_map *t);
int log_table_snapshot(struct log_data *d, const char *s, size_t len);
int log_table_header(struct log_data *d, const char *s, size_t len);
int log_table_row(struct log_data *d, const char *s, size_t len, struct log_stats *st);

/* CSV (log_csv.c) */
void log_csv_default(struct csv_map *m);
int log_csv_header(struct log_data *d, const char *s, size_t len);
int log_csv_row(struct log_data *d, const char *s, size_t len, struct log_stats *st);

/* JSON Lines (log_json.c) */
int log_json_row(struct log_data *d, const char *s, size_t len, struct log_stats *st);

#endif
