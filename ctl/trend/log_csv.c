/* SPDX-License-Identifier: MIT
 * trend/log_csv.c - mon --format csv in a log: the header that maps fields to
 * columns (or, in a headerless legacy log, mon's own columns of the time
 * before the naming fields), RFC 4180 records, and the rows they hold.
 */
#include "trend/log_parse.h"
#include "trend/log_reader.h"
#include "mon/columns.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* The CSV/JSON fields the reader uses, by column; field names come from
 * mon's column table, so a log and its reader never disagree. */
static const enum mon_col_id csv_cols[] = {
    MON_COL_TIMESTAMP, MON_COL_PID, MON_COL_TAG, MON_COL_TYPE, MON_COL_ALLOCS, MON_COL_FREES,
    MON_COL_DIFF, MON_COL_BYTES, MON_COL_PEAK, MON_COL_SITE, MON_COL_FUNC, MON_COL_FILE,
    MON_COL_LINE, MON_COL_EXE, MON_COL_BUILD_ID, MON_COL_STATE, MON_COL_OLD,
};

static int *csv_slot(struct csv_map *m, size_t k)
{
    int *slot[] = { &m->ts, &m->pid, &m->tag, &m->type, &m->allocs, &m->frees, &m->diff,
                    &m->bytes, &m->peak, &m->site, &m->func, &m->file, &m->line, &m->exe,
                    &m->build_id, &m->state, &m->old };
    return slot[k];
}

/* The map of mon's own header, before a log has shown one. A log without
 * a header is an old one: it has none of the naming fields (function ...
 * build_id), which mon writes, with a header, since they were added. */
void log_csv_default(struct csv_map *m)
{
    enum mon_col_id all[MON_COL_COUNT], rec[MON_COL_COUNT];
    size_t n_all = mon_col_records(all, MON_COL_COUNT, 0), n = 0;
    for (size_t i = 0; i < n_all; i++) /* nor the state, avg_alloc and ages, written since too */
        if ((all[i] < MON_COL_FUNC || all[i] > MON_COL_BUILD_ID) && all[i] != MON_COL_STATE &&
            all[i] != MON_COL_AVG_ALLOC && all[i] != MON_COL_OLD &&
            all[i] != MON_COL_OLD_BLOCKS && all[i] != MON_COL_MARK)
            rec[n++] = all[i];
    m->need = 0;
    for (size_t k = 0; k < sizeof csv_cols / sizeof csv_cols[0]; k++) {
        *csv_slot(m, k) = -1;
        for (size_t i = 0; i < n; i++)
            if (rec[i] == csv_cols[k])
                *csv_slot(m, k) = (int)i;
        if (*csv_slot(m, k) + 1 > m->need)
            m->need = *csv_slot(m, k) + 1;
    }
}


/* Splits one CSV record (RFC 4180) into fields, unquoting into buf. Returns
 * the number of fields, or -1 on a broken quote. */
static int csv_split(const char *s, size_t len, char *buf, struct log_tok *f, int max)
{
    int n = 0;
    size_t i = 0, o = 0;
    for (;;) {
        if (n == max)
            return -1;
        f[n].s = buf + o;
        if (i < len && s[i] == '"') {
            i++;
            for (;;) {
                if (i >= len)
                    return -1;
                if (s[i] == '"') {
                    if (i + 1 < len && s[i + 1] == '"') {
                        buf[o++] = '"';
                        i += 2;
                        continue;
                    }
                    i++;
                    break;
                }
                buf[o++] = s[i++];
            }
            if (i < len && s[i] != ',')
                return -1;
        } else {
            while (i < len && s[i] != ',') {
                if (s[i] == '"')
                    return -1;
                buf[o++] = s[i++];
            }
        }
        f[n].n = (size_t)(buf + o - f[n].s);
        n++;
        if (i >= len)
            return n;
        i++; /* the comma */
    }
}

int log_csv_header(struct log_data *d, const char *s, size_t len)
{
    struct log_tok f[LOG_MAX_FIELDS];
    char *buf = log_xrealloc(NULL, len + 1);
    int n = csv_split(s, len, buf, f, LOG_MAX_FIELDS);
    struct csv_map m;
    m.need = 0;
    for (size_t k = 0; k < sizeof csv_cols / sizeof csv_cols[0]; k++)
        *csv_slot(&m, k) = -1;
    for (int i = 0; i < n; i++)
        for (size_t k = 0; k < sizeof csv_cols / sizeof csv_cols[0]; k++) {
            const char *name = mon_cols[csv_cols[k]].name;
            if (strlen(name) == f[i].n && !memcmp(name, f[i].s, f[i].n) && *csv_slot(&m, k) < 0)
                *csv_slot(&m, k) = i;
        }
    free(buf);
    if (m.ts < 0 || m.pid < 0 || m.tag < 0 || m.bytes < 0)
        return -1;
    for (size_t k = 0; k < sizeof csv_cols / sizeof csv_cols[0]; k++)
        if (*csv_slot(&m, k) + 1 > m.need)
            m.need = *csv_slot(&m, k) + 1;
    d->csv = m;
    return 0;
}


static int field_u64(const struct log_tok *f, int i, uint64_t *v)
{
    return i < 0 ? 1 : log_u64(f[i].s, f[i].n, v);
}

/* One record of the header's columns (log_parse_row). */
static int csv_row(struct log_data *d, const char *s, size_t len, char *buf, struct log_row *r)
{
    struct log_tok f[LOG_MAX_FIELDS];
    const struct csv_map *m = &d->csv;
    int n = csv_split(s, len, buf, f, LOG_MAX_FIELDS);
    uint64_t frees = 0;
    int64_t diff = 0;
    int code;
    if (n <= m->ts || log_parse_time(f[m->ts].s, f[m->ts].n, &r->pt.t) != 0) {
        /* not a record of this header unless it starts like mon's own */
        int like_mon = len > 20 && isdigit((unsigned char)s[0]) && s[4] == '-' && s[10] == 'T';
        return like_mon ? ROW_DAMAGED : ROW_NOT;
    }
    if (n < m->need || log_pid(f[m->pid].s, f[m->pid].n, &r->pid) != 0)
        return ROW_DAMAGED;
    if (m->state >= 0)
        r->pt.state = log_parse_state(f[m->state].s, f[m->state].n, &code);
    if (m->type >= 0 && f[m->type].n == 7 && !memcmp(f[m->type].s, "Passive", 7))
        return ROW_END; /* mon's note that nothing is counted: no row */
    if (m->type >= 0 && f[m->type].n == 3 && !memcmp(f[m->type].s, "End", 3)) {
        if (r->pt.state == LOG_STATE_UNKNOWN || r->pt.state == LOG_STATE_LIVE)
            return ROW_DAMAGED;
        log_add_end(d, r->pt.t, r->pid, r->pt.state, code); /* mon's last word on the pid */
        return ROW_END;
    }
    if (log_u64(f[m->bytes].s, f[m->bytes].n, &r->pt.live) != 0 ||
        field_u64(f, m->allocs, &r->pt.allocs) < 0 || field_u64(f, m->frees, &frees) < 0)
        return ROW_DAMAGED;
    if (m->diff >= 0 && m->allocs >= 0 && m->frees >= 0 &&
        (log_i64(f[m->diff].s, f[m->diff].n, &diff) != 0 ||
         diff != (int64_t)(r->pt.allocs - frees) || frees > r->pt.allocs))
        return ROW_DAMAGED;
    if (m->allocs >= 0 && m->frees >= 0) {
        r->pt.blocks = (int64_t)(r->pt.allocs - frees);
        r->pt.has_blocks = 1;
    }
    r->pt.has_peak = m->peak >= 0 && log_u64(f[m->peak].s, f[m->peak].n, &r->pt.peak) == 0;
    if (m->peak >= 0 && !r->pt.has_peak)
        return ROW_DAMAGED;
    r->pt.has_old = m->old >= 0 && m->old < n &&
                    log_u64(f[m->old].s, f[m->old].n, &r->pt.old) == 0;
    r->tag = f[m->tag].s;
    r->tag_len = f[m->tag].n;
    r->type = m->type >= 0 ? f[m->type].s : "";
    r->type_len = m->type >= 0 ? f[m->type].n : 0;
    r->site = m->site >= 0 ? f[m->site].s : "";
    r->site_len = m->site >= 0 ? f[m->site].n : 0;
    if (log_names(d, r, m->func >= 0 ? &f[m->func] : NULL, m->file >= 0 ? &f[m->file] : NULL,
                 m->line >= 0 ? &f[m->line] : NULL, m->exe >= 0 ? &f[m->exe] : NULL,
                 m->build_id >= 0 ? &f[m->build_id] : NULL) != 0)
        return ROW_DAMAGED;
    return ROW_OK;
}

int log_csv_row(struct log_data *d, const char *s, size_t len, struct log_stats *st)
{
    return log_parse_row(d, s, len, st, csv_row);
}
