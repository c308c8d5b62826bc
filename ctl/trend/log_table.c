/* SPDX-License-Identifier: MIT
 * trend/log_table.c - mon's table in a log: the snapshot line ("# <time> pid N
 * ...") that the rows after it belong to, the column header that says where
 * the numbers are, and the rows (a tag may hold spaces; a sparkline may sit
 * before the site).
 */
#include "trend/log_parse.h"
#include "trend/log_reader.h"
#include "mon/columns.h"

#include <string.h>

/* Numbers of a table row in mon's own column order (Allocs, Frees, ...). */
void log_table_default(struct table_map *t)
{
    int k = 0;
    *t = (struct table_map){ -1, -1, -1, -1, 0 };
    for (size_t i = MON_COL_TYPE + 1; i < MON_COL_COUNT; i++) {
        const struct mon_col *c = &mon_cols[i];
        if (!(c->where & MON_IN_TABLE))
            continue;
        if (c->val == MON_VAL_TEXT)
            break;
        if (i == MON_COL_ALLOCS) t->allocs = k;
        if (i == MON_COL_FREES) t->frees = k;
        if (i == MON_COL_DIFF) t->diff = k;
        if (i == MON_COL_BYTES) t->bytes = k;
        k++;
    }
    t->n_num = k;
}

/* "# 2026-11-25T22:40:39Z pid 13862 [state live] exe /path/to/exe[ build-id HEX]",
 * or mon's last word on a process: "# <time> pid 13862 ended exited(0)[: text]". */
int log_table_snapshot(struct log_data *d, const char *s, size_t len)
{
    struct log_tok t[7];
    size_t n = log_tokenize(s, len, t, 7);
    double when;
    int pid;
    if (n < 4 || t[0].n != 1 || log_parse_time(t[1].s, t[1].n, &when) != 0 ||
        t[2].n != 3 || memcmp(t[2].s, "pid", 3) || log_pid(t[3].s, t[3].n, &pid) != 0)
        return -1;
    size_t k = 4;
    int state = LOG_STATE_UNKNOWN, code = -1;
    if (t[4].n == 8 && !memcmp(t[4].s, "passive:", 8))
        return 0; /* mon's note that nothing is counted in this process */
    if (n >= 6 && t[4].n == 5 && !memcmp(t[4].s, "ended", 5)) {
        size_t wl = t[5].n;
        if (wl && t[5].s[wl - 1] == ':')
            wl--;
        state = log_parse_state(t[5].s, wl, &code);
        if (state == LOG_STATE_UNKNOWN || state == LOG_STATE_LIVE)
            return -1;
        log_add_end(d, when, pid, state, code);
        d->have_ctx = 0; /* no rows belong to an end line */
        return 0;
    }
    if (n >= 6 && t[4].n == 5 && !memcmp(t[4].s, "state", 5)) {
        state = log_parse_state(t[5].s, t[5].n, &code);
        k = 6;
    }
    const char *exe = "", *build_id = NULL;
    size_t exe_len = 0;
    if (n > k && t[k].n == 3 && !memcmp(t[k].s, "exe", 3)) {
        exe = t[k].s + 3;
        while (*exe == ' ' || *exe == '\t')
            exe++;
        exe_len = (size_t)(s + len - exe);
        /* the exe runs to the end of the line, but for a build id after it */
        const char *mark = NULL;
        for (const char *p = exe; (p = memmem(p, (size_t)(exe + exe_len - p), " build-id ", 10));
             p++)
            mark = p;
        if (mark && (build_id = log_build_id(d, mark + 10, (size_t)(exe + exe_len - mark - 10))))
            exe_len = (size_t)(mark - exe);
        if (exe_len == 1 && exe[0] == '?')
            exe_len = 0;
    }
    d->have_ctx = 1;
    d->ctx_t = when;
    d->ctx_pid = pid;
    d->ctx_exe = log_intern(&d->strings, exe, exe_len);
    d->ctx_build_id = build_id;
    d->ctx_state = state;
    return 0;
}

/* A mark column (the live trend sparkline) may sit between Per Alloc and
 * Site: bytes >= 0x80 (block characters) and ASCII marks only. */
static int is_mark_token(const struct log_tok *t)
{
    for (size_t i = 0; i < t->n; i++) {
        unsigned char c = (unsigned char)t->s[i];
        if (c < 0x80 && !strchr(".^+!_", c))
            return 0;
    }
    return t->n > 0;
}

/* Tag (may hold spaces), Type, Allocs, Frees, Diff, Bytes, Per Alloc, [trend], Site. */
int log_table_row(struct log_data *d, const char *s, size_t len, struct log_stats *st)
{
    struct log_tok t[LOG_MAX_TOKENS];
    size_t n = log_tokenize(s, len, t, LOG_MAX_TOKENS);
    size_t ty = 0;
    for (size_t i = 1; i < n && !ty; i++)
        if (log_is_type(t[i].s, t[i].n))
            ty = i;
    if (!ty)
        return ROW_NOT;
    const struct table_map *tm = &d->table;
    uint64_t v[LOG_MAX_TOKENS];
    int64_t diff = 0;
    size_t got = 0;
    for (; got < (size_t)tm->n_num && ty + 1 + got < n; got++) {
        const struct log_tok *k = &t[ty + 1 + got];
        int bad = (int)got == tm->diff ? log_i64(k->s, k->n, &diff)
                                       : log_u64(k->s, k->n, &v[got]);
        if (bad)
            break;
    }
    if (got == 0)
        return ROW_NOT;
    uint64_t allocs = v[tm->allocs], frees = v[tm->frees];
    if (got < (size_t)tm->n_num || diff != (int64_t)(allocs - frees) || frees > allocs)
        return ROW_DAMAGED;
    if (!d->have_ctx) {
        if (st)
            st->orphan++;
        return ROW_ORPHAN; /* counted already, not as damaged */
    }
    size_t k = ty + 1 + (size_t)tm->n_num;
    if (k < n && is_mark_token(&t[k]))
        k++;
    struct log_row r = { .pt = { .t = d->ctx_t, .allocs = allocs, .live = v[tm->bytes],
                                 .blocks = diff, .has_blocks = 1, .state = d->ctx_state },
                     .pid = d->ctx_pid, .exe = d->ctx_exe, .build_id = d->ctx_build_id,
                     .tag = t[0].s, .tag_len = (size_t)(t[ty - 1].s + t[ty - 1].n - t[0].s),
                     .type = t[ty].s, .type_len = t[ty].n,
                     .site = k < n ? t[k].s : "", .site_len = k < n ? (size_t)(s + len - t[k].s) : 0 };
    log_add_row(d, &r, st);
    return ROW_OK;
}

/* "Tag  Type  Allocs  Frees ... Site": the names say where the numbers are.
 * Returns -1 when the line is not a header; a header naming columns this
 * reader does not know keeps the map it had. */
int log_table_header(struct log_data *d, const char *s, size_t len)
{
    const char *tag = mon_cols[MON_COL_TAG].header, *type = mon_cols[MON_COL_TYPE].header;
    size_t tl = strlen(tag), i, hl;
    if (len <= tl || memcmp(s, tag, tl) || s[tl] != ' ' || !memmem(s, len, type, strlen(type)))
        return -1;
    struct table_map tm = { -1, -1, -1, -1, 0 };
    int after_type = 0;
    for (i = tl; i < len;) {
        while (i < len && (s[i] == ' ' || s[i] == '\t'))
            i++;
        if (i == len)
            break;
        enum mon_col_id id = mon_col_by_header(s + i, len - i, &hl);
        if ((int)id < 0)
            return 0; /* a header, but one this reader cannot map */
        i += hl;
        if (id == MON_COL_TYPE) {
            after_type = 1;
            continue;
        }
        if (!after_type)
            continue;
        if (mon_cols[id].val == MON_VAL_TEXT)
            break;
        if (id == MON_COL_ALLOCS) tm.allocs = tm.n_num;
        if (id == MON_COL_FREES) tm.frees = tm.n_num;
        if (id == MON_COL_DIFF) tm.diff = tm.n_num;
        if (id == MON_COL_BYTES) tm.bytes = tm.n_num;
        tm.n_num++;
    }
    if (tm.allocs >= 0 && tm.frees >= 0 && tm.diff >= 0 && tm.bytes >= 0)
        d->table = tm;
    return 0;
}
