/* SPDX-License-Identifier: MIT
 * mon/columns.c - the one table of mon's columns and their getters. The order
 * of the table is the order of the screen and of the table log; rec gives the
 * order of CSV and JSON records. Field names and table headers are read back
 * by `heaptag trend` and by other people's parsers: never rename one.
 */
#include "mon/columns.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "sym/site_name.h"
#include "verdict/live.h"

static uint64_t get_pid(const struct mon_line *l) { return (uint64_t)(int64_t)l->key.pid; }
static uint64_t get_allocs(const struct mon_line *l) { return l->allocs; }
static uint64_t get_frees(const struct mon_line *l) { return l->frees; }
static uint64_t get_diff(const struct mon_line *l) { return (uint64_t)l->diff; }
static uint64_t get_bytes(const struct mon_line *l) { return l->bytes; }
static uint64_t get_per_alloc(const struct mon_line *l) { return mon_per_alloc(l); }
static uint64_t get_avg_alloc(const struct mon_line *l) { return mon_avg_alloc(l); }
static uint64_t get_bytes_alloc(const struct mon_line *l) { return l->bytes_alloc; }
static uint64_t get_bytes_freed(const struct mon_line *l) { return l->bytes_freed; }
static uint64_t get_peak(const struct mon_line *l) { return l->peak; }
static uint64_t get_old(const struct mon_line *l) { return l->old_bytes; }
static uint64_t get_old_blocks(const struct mon_line *l) { return l->old_blocks; }

/* Text columns whose text is one field of the cell (their buf is not
 * needed): of the line, or of the process (none for a line summed over
 * processes). */
#define TXT_FIELD(name, expr) \
    static const char *name(const struct mon_cell *c, char *buf, size_t n) \
    { \
        (void)buf, (void)n; \
        return expr; \
    }
TXT_FIELD(txt_mark, mon_old_suspect(c->l) ? "leak?" : "") /* the single-snapshot leak mark */
TXT_FIELD(txt_ts, c->ts ? c->ts : "")
TXT_FIELD(txt_tag, c->l->key.label)
TXT_FIELD(txt_type, site_kind_name(c->l->key.kind))
TXT_FIELD(txt_desc, c->l->desc)
TXT_FIELD(txt_site, c->l->detail)
TXT_FIELD(txt_func, c->l->func)
TXT_FIELD(txt_file, c->l->file)
TXT_FIELD(txt_exe, c->p ? c->p->exe : NULL)
TXT_FIELD(txt_build_id, c->p ? c->p->build_id : NULL)
#undef TXT_FIELD

static int64_t chg_allocs(const struct mon_line *l) { return l->d_allocs; }
static int64_t chg_frees(const struct mon_line *l) { return l->d_frees; }
static int64_t chg_diff(const struct mon_line *l) { return l->d_diff; }
static int64_t chg_bytes(const struct mon_line *l) { return l->d_bytes; }

static uint64_t get_line(const struct mon_line *l) { return l->line > 0 ? (uint64_t)l->line : 0; }

/* The process's state in this snapshot (logs): live, exited(N), dead. */
static const char *txt_state(const struct mon_cell *c, char *buf, size_t n)
{
    if (!c->p)
        return NULL;
    mon_state_text(buf, n, c->p);
    return buf;
}

/* A line's identity for the Trend history: its kind and its label. */
static uint32_t line_id(const struct mon_line *l)
{
    uint32_t h = 2166136261u ^ l->key.kind;
    for (const char *c = l->key.label; *c; c++)
        h = (h ^ (unsigned char)*c) * 16777619u;
    return h;
}

/* Adds this refresh's live bytes to the line's history: draw each line's
 * Trend once per refresh (a second call at the same t replaces the sample). */
static const char *txt_trend(const struct mon_cell *c, char *buf, size_t n)
{
    trend_live_cell(buf, n, (int)c->l->key.pid, line_id(c->l), c->l->bytes, c->t);
    return buf;
}

#define NUM(getter) .num = getter
const struct mon_col mon_cols[MON_COL_COUNT] = {
    [MON_COL_TIMESTAMP] = { .name = "timestamp", .rec = 1, .val = MON_VAL_TEXT,
                            .text = txt_ts, .sort = -1 },
    [MON_COL_TAG] = { .header = "Tag", .name = "tag", .rec = 3, .val = MON_VAL_TEXT,
                      .where = MON_IN_SCREEN | MON_IN_TABLE, .width = 24,
                      .scr_wide = 24, .scr_narrow = 12, .text = txt_tag,
                      .sort = MON_SORT_TAG, .key = 't', .sort_name = "tag" },
    [MON_COL_TYPE] = { .header = "Type", .name = "type", .rec = 4, .val = MON_VAL_TEXT,
                       .where = MON_IN_SCREEN | MON_IN_TABLE, .sep = 1, .width = 4,
                       .scr_wide = 4, .scr_narrow = 4, .text = txt_type, .sort = -1 },
    [MON_COL_PID] = { .header = "PID", .name = "pid", .rec = 2, .val = MON_VAL_I64,
                      .where = MON_IN_SCREEN | MON_IF_SPLIT, .sep = 1,
                      .scr_wide = 7, .scr_narrow = 7, .human = 1000, NUM(get_pid), .sort = -1 },
    [MON_COL_ALLOCS] = { .header = "Allocs", .name = "allocs", .rec = 5, .val = MON_VAL_U64,
                         .where = MON_IN_SCREEN | MON_IN_TABLE | MON_IN_TOTAL, .sep = 1,
                         .width = 12, .scr_wide = 11, .scr_delta = 7, .scr_narrow = 5,
                         .scr_ndelta = 4, .human = 1000, NUM(get_allocs), .change = chg_allocs,
                         .sort = MON_SORT_ALLOCS, .key = 'a', .sort_name = "allocs" },
    [MON_COL_FREES] = { .header = "Frees", .name = "frees", .rec = 6, .val = MON_VAL_U64,
                        .where = MON_IN_SCREEN | MON_IN_TABLE | MON_IN_TOTAL, .sep = 1,
                        .width = 12, .scr_wide = 11, .scr_delta = 7, .scr_narrow = 5,
                        .scr_ndelta = 4, .human = 1000, NUM(get_frees), .change = chg_frees,
                        .sort = MON_SORT_FREES, .key = 'f', .sort_name = "frees" },
    [MON_COL_DIFF] = { .header = "Diff", .name = "diff", .rec = 7, .val = MON_VAL_I64,
                       .where = MON_IN_SCREEN | MON_IN_TABLE | MON_IN_TOTAL, .sep = 1,
                       .width = 12, .scr_wide = 11, .scr_narrow = 5, .human = 1000,
                       NUM(get_diff), .change = chg_diff, .sort = MON_SORT_DIFF, .key = 'd',
                       .sort_name = "diff" },
    [MON_COL_BYTES] = { .header = "Bytes", .name = "bytes", .rec = 8, .val = MON_VAL_U64,
                        .where = MON_IN_SCREEN | MON_IN_TABLE | MON_IN_TOTAL, .sep = 1,
                        .width = 14, .scr_wide = 13, .scr_delta = 7, .scr_narrow = 6,
                        .scr_ndelta = 4, .human = 1024, NUM(get_bytes), .change = chg_bytes,
                        .sort = MON_SORT_BYTES, .key = 'b', .sort_name = "bytes" },
    [MON_COL_PER_ALLOC] = { .header = "Per Alloc", .name = "per_alloc", .rec = 9,
                            .val = MON_VAL_U64, .where = MON_IN_SCREEN | MON_IN_TABLE,
                            .sep = 1, .width = 10, .scr_wide = 9, .scr_narrow = 9,
                            .human = 1024, NUM(get_per_alloc), .sort = MON_SORT_PER_ALLOC,
                            .key = 'm', .sort_name = "per alloc",
                            .help = "bytes per live block" },
    [MON_COL_OLD] = { .header = "Old", .name = "old_bytes", .rec = 20, .val = MON_VAL_U64,
                      .where = MON_IN_SCREEN | MON_IF_WIDE, .sep = 1,
                      .width = 12, .scr_wide = 9, .scr_narrow = 6, .human = 1024,
                      NUM(get_old), .sort = MON_SORT_OLD, .key = 'o', .sort_name = "old",
                      .help = "old bytes" },
    [MON_COL_MARK] = { .header = "Mark", .name = "mark", .rec = 22, .val = MON_VAL_TEXT,
                       .where = MON_IN_SCREEN | MON_IF_WIDE, .sep = 1,
                       .width = 5, .scr_wide = 5, .scr_narrow = 5, .text = txt_mark,
                       .sort = -1 },
    [MON_COL_BYTES_ALLOC] = { .name = "bytes_alloc", .rec = 10, .val = MON_VAL_U64,
                              NUM(get_bytes_alloc), .sort = -1 },
    [MON_COL_BYTES_FREED] = { .name = "bytes_freed", .rec = 11, .val = MON_VAL_U64,
                              NUM(get_bytes_freed), .sort = -1 },
    [MON_COL_PEAK] = { .name = "peak", .rec = 12, .val = MON_VAL_U64, NUM(get_peak),
                       .sort = -1 },
    [MON_COL_DESC] = { .header = "Description", .name = "description", .rec = 24,
                       .val = MON_VAL_TEXT,
                       .where = MON_IN_SCREEN | MON_IN_TABLE | MON_IF_DESC, .sep = 2,
                       .width = 32, .scr_wide = 32, .scr_narrow = 16, .text = txt_desc,
                       .sort = -1 },
    /* on 80 columns the last 4 refreshes and the mark: the leak hint stays
     * in view; the screen's tightest layout (split) keeps the mark alone */
    [MON_COL_TREND] = { .header = "Trend", .val = MON_VAL_TEXT,
                        .where = MON_IN_SCREEN | MON_IN_TABLE, .sep = 2,
                        .width = TREND_LIVE_WIDTH, .scr_wide = TREND_LIVE_WIDTH,
                        .scr_narrow = 5, .text = txt_trend, .sort = -1 },
    [MON_COL_SITE] = { .header = "Site", .name = "site", .rec = 23, .val = MON_VAL_TEXT,
                       .where = MON_IN_SCREEN | MON_IN_TABLE | MON_WIDE_ONLY, .sep = 2,
                       .text = txt_site, .sort = -1 },
    /* Records only, before the site (which stays last, as older logs had it):
     * the site's function and file:line, the process's exe and build id, then
     * the process's state in this snapshot, the run's average allocation. */
    [MON_COL_FUNC] = { .name = "function", .rec = 13, .val = MON_VAL_TEXT, .text = txt_func,
                       .sort = -1 },
    [MON_COL_FILE] = { .name = "file", .rec = 14, .val = MON_VAL_TEXT, .text = txt_file,
                       .sort = -1 },
    [MON_COL_LINE] = { .name = "line", .rec = 15, .val = MON_VAL_U64, NUM(get_line),
                       .sort = -1 },
    [MON_COL_EXE] = { .name = "exe", .rec = 16, .val = MON_VAL_TEXT, .text = txt_exe,
                      .sort = -1 },
    [MON_COL_BUILD_ID] = { .name = "build_id", .rec = 17, .val = MON_VAL_TEXT,
                           .text = txt_build_id, .sort = -1 },
    [MON_COL_STATE] = { .name = "state", .rec = 18, .val = MON_VAL_TEXT, .text = txt_state,
                        .sort = -1 },
    /* bytes allocated per allocation over the run: what Per Alloc showed
     * before it became PoolMon's Bytes / Diff */
    [MON_COL_AVG_ALLOC] = { .name = "avg_alloc", .rec = 19, .val = MON_VAL_U64,
                            NUM(get_avg_alloc), .sort = -1 },
    [MON_COL_OLD_BLOCKS] = { .name = "old_blocks", .rec = 21, .val = MON_VAL_U64,
                             NUM(get_old_blocks), .sort = -1 },
};
#undef NUM

const struct mon_col *mon_col_sorted(enum mon_sort sort)
{
    for (size_t i = 0; i < MON_COL_COUNT; i++)
        if (mon_cols[i].sort == (int)sort)
            return &mon_cols[i];
    return &mon_cols[MON_COL_BYTES];
}

int mon_col_sort_key(int ch)
{
    ch = tolower(ch);
    for (size_t i = 0; ch && i < MON_COL_COUNT; i++)
        if (mon_cols[i].key == ch)
            return mon_cols[i].sort;
    return -1;
}

static int cmp_u64(uint64_t a, uint64_t b) { return (a > b) - (a < b); }
static int cmp_i64(int64_t a, int64_t b) { return (a > b) - (a < b); }

int mon_col_cmp(const struct mon_col *col, const struct mon_line *a, const struct mon_line *b,
                int by_change)
{
    if (col->val == MON_VAL_TEXT || !col->num)
        return 0;
    if (by_change && col->change)
        return cmp_i64(col->change(a), col->change(b));
    if (col->val == MON_VAL_I64)
        return cmp_i64((int64_t)col->num(a), (int64_t)col->num(b));
    return cmp_u64(col->num(a), col->num(b));
}

size_t mon_col_records(enum mon_col_id *ids, size_t cap, int with_desc)
{
    size_t n = 0;
    for (int pos = 1; pos <= MON_COL_COUNT && n < cap; pos++)
        for (size_t i = 0; i < MON_COL_COUNT; i++)
            if (mon_cols[i].rec == pos && (with_desc || !(mon_cols[i].where & MON_IF_DESC)))
                ids[n++] = (enum mon_col_id)i;
    return n;
}

enum mon_col_id mon_col_by_name(const char *name, size_t len)
{
    for (size_t i = 0; i < MON_COL_COUNT; i++)
        if (mon_cols[i].name && strlen(mon_cols[i].name) == len &&
            !memcmp(mon_cols[i].name, name, len))
            return (enum mon_col_id)i;
    return (enum mon_col_id)-1;
}

enum mon_col_id mon_col_by_header(const char *text, size_t avail, size_t *len)
{
    for (size_t i = 0; i < MON_COL_COUNT; i++) {
        const char *h = mon_cols[i].header;
        size_t hl = h ? strlen(h) : 0;
        if (hl && hl <= avail && !memcmp(h, text, hl) &&
            (hl == avail || text[hl] == ' ' || text[hl] == '\t')) {
            *len = hl;
            return (enum mon_col_id)i;
        }
    }
    return (enum mon_col_id)-1;
}

void mon_col_sort_help(char *keys, size_t kn, char *names, size_t nn)
{
    size_t k = 0, m = 0;
    keys[0] = names[0] = '\0';
    for (size_t i = 0; i < MON_COL_COUNT; i++) {
        const struct mon_col *c = &mon_cols[i];
        if (!c->key)
            continue;
        if (k < kn)
            k += (size_t)snprintf(keys + k, kn - k, "%s%c", k ? " " : "", c->key);
        if (m < nn)
            m += (size_t)snprintf(names + m, nn - m, "%s%s", m ? ", " : "",
                                  c->help ? c->help : c->sort_name);
    }
}
