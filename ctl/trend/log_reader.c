/* SPDX-License-Identifier: MIT
 * trend/log_reader.c - parses mon's three log formats line by line and groups the
 * rows into series. Each line is classified on its own (so formats can be
 * mixed and blocks interleaved); a table row belongs to the last snapshot
 * line seen. Every number is range-checked and allocs - frees must equal diff,
 * which catches most spliced lines. Never aborts on input, only on ENOMEM.
 */
#include "util/xsort.h"
#include "trend/log_reader.h"
#include "mon/columns.h"
#include "util/text_safe.h"

#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LOG_MAX_VALUE (1ULL << 60) /* no real counter gets near this */
#define LOG_MAX_TOKENS 64
#define LOG_MAX_FIELDS 64

struct log_rec {
    double t;
    int pid;
    unsigned run;
    const char *exe, *tag, *type, *site;
    const char *func, *file, *build_id;
    int line;
    uint64_t allocs, live, peak, old;
    int has_peak, has_old;
    int64_t blocks;
    int has_blocks;
    int state;
    size_t order;
};

/* "the process ended" lines: mon's last word on a pid */
struct log_end {
    double t;
    int pid;
    int state, code;
};

struct intern {
    char **slot;
    size_t cap, used;
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

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        err(1, "malloc");
    return q;
}

static uint64_t hash_bytes(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    return h;
}

static const char *intern_safe(struct intern *in, const char *s, size_t n);

/* One stable copy per distinct string: equal strings, equal pointers. Every
 * string of a log is kept in its printable form (util/text_safe.h): a tag,
 * site or exe a tagged program chose never reaches the terminal raw. */
static const char *intern(struct intern *in, const char *s, size_t n)
{
    char raw[TEXT_SAFE_MAX], safe[TEXT_SAFE_MAX];
    if (n >= sizeof raw)
        n = sizeof raw - 1;
    memcpy(raw, s, n);
    raw[n] = '\0';
    if (memchr(s, '\0', n) || !text_is_safe(raw)) {
        text_safe(safe, sizeof safe, raw);
        return intern_safe(in, safe, strlen(safe));
    }
    return intern_safe(in, s, n);
}

static const char *intern_safe(struct intern *in, const char *s, size_t n)
{
    if (in->used * 2 >= in->cap) {
        size_t cap = in->cap ? in->cap * 2 : 256;
        char **slot = calloc(cap, sizeof *slot);
        if (!slot)
            err(1, "malloc");
        for (size_t i = 0; i < in->cap; i++) {
            if (!in->slot[i])
                continue;
            size_t j = hash_bytes(in->slot[i], strlen(in->slot[i])) & (cap - 1);
            while (slot[j])
                j = (j + 1) & (cap - 1);
            slot[j] = in->slot[i];
        }
        free(in->slot);
        in->slot = slot;
        in->cap = cap;
    }
    size_t j = hash_bytes(s, n) & (in->cap - 1);
    while (in->slot[j]) {
        if (strlen(in->slot[j]) == n && !memcmp(in->slot[j], s, n))
            return in->slot[j];
        j = (j + 1) & (in->cap - 1);
    }
    char *c = xrealloc(NULL, n + 1);
    memcpy(c, s, n);
    c[n] = '\0';
    in->slot[j] = c;
    in->used++;
    return c;
}

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
static void csv_default(struct csv_map *m)
{
    enum mon_col_id all[MON_COL_COUNT], rec[MON_COL_COUNT];
    size_t n_all = mon_col_records(all, MON_COL_COUNT, 0), n = 0;
    for (size_t i = 0; i < n_all; i++) /* nor the state and avg_alloc, written since too */
        if ((all[i] < MON_COL_FUNC || all[i] > MON_COL_BUILD_ID) && all[i] != MON_COL_STATE &&
            all[i] != MON_COL_AVG_ALLOC)
            rec[n++] = all[i];
    m->need = 0;
    for (size_t k = 0; k < sizeof csv_cols / sizeof csv_cols[0]; k++) {
        *csv_slot(m, k) = -1;
        for (size_t i = 0; i < n && csv_cols[k] != MON_COL_OLD; i++) /* ages: newer */
            if (rec[i] == csv_cols[k])
                *csv_slot(m, k) = (int)i;
        if (*csv_slot(m, k) + 1 > m->need)
            m->need = *csv_slot(m, k) + 1;
    }
}

/* Numbers of a table row in mon's own column order (Allocs, Frees, ...). */
static void table_default(struct table_map *t)
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

struct log_data *log_new(void)
{
    struct log_data *d = calloc(1, sizeof *d);
    if (!d)
        err(1, "malloc");
    csv_default(&d->csv);
    table_default(&d->table);
    return d;
}

void log_free(struct log_data *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->strings.cap; i++)
        free(d->strings.slot[i]);
    free(d->strings.slot);
    free(d->rec);
    free(d->ends);
    free(d->series);
    free(d->points);
    free(d);
}

/* ---- small parsers ---------------------------------------------------- */

static int parse_u64(const char *s, size_t n, uint64_t *v)
{
    if (n == 0 || n > 19)
        return -1;
    uint64_t x = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        x = x * 10 + (uint64_t)(s[i] - '0');
    }
    if (x > LOG_MAX_VALUE)
        return -1;
    *v = x;
    return 0;
}

static int parse_i64(const char *s, size_t n, int64_t *v)
{
    uint64_t u;
    int neg = n > 0 && s[0] == '-';
    if (parse_u64(s + neg, n - (size_t)neg, &u) != 0)
        return -1;
    *v = neg ? -(int64_t)u : (int64_t)u;
    return 0;
}

static int parse_pid(const char *s, size_t n, int *pid)
{
    uint64_t v;
    if (parse_u64(s, n, &v) != 0 || v == 0 || v > 0x7fffffff)
        return -1;
    *pid = (int)v;
    return 0;
}

static int digits(const char *s, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

int log_parse_time(const char *s, size_t len, double *t)
{
    /* YYYY-MM-DDTHH:MM:SS */
    if (len < 19 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ') ||
        s[13] != ':' || s[16] != ':')
        return -1;
    int y = digits(s, 4), mo = digits(s + 5, 2), da = digits(s + 8, 2);
    int h = digits(s + 11, 2), mi = digits(s + 14, 2), se = digits(s + 17, 2);
    if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || da < 1 || da > 31 || h < 0 || h > 23 ||
        mi < 0 || mi > 59 || se < 0 || se > 60)
        return -1;
    size_t i = 19;
    double frac = 0, scale = 0.1;
    if (i < len && s[i] == '.') {
        i++;
        size_t start = i;
        while (i < len && s[i] >= '0' && s[i] <= '9') {
            frac += (s[i] - '0') * scale;
            scale /= 10;
            i++;
        }
        if (i == start)
            return -1;
    }
    if (i < len && s[i] == 'Z')
        i++;
    if (i != len)
        return -1;
    struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = da,
                     .tm_hour = h, .tm_min = mi, .tm_sec = se };
    time_t tt = timegm(&tm);
    if (tt == (time_t)-1)
        return -1;
    *t = (double)tt + frac;
    return 0;
}

/* ---- records ---------------------------------------------------------- */

struct row {
    double t;
    int pid;
    const char *exe, *build_id; /* interned already, or NULL */
    const char *tag, *type, *site;
    size_t tag_len, type_len, site_len;
    const char *func, *file;    /* NULL when absent */
    size_t func_len, file_len;
    int line;
    uint64_t allocs, live, peak, old;
    int has_peak, has_old;
    int64_t blocks;
    int has_blocks;
    int state;
};

int log_parse_state(const char *s, size_t len, int *code)
{
    *code = -1;
    if (len == 4 && !memcmp(s, "live", 4))
        return LOG_STATE_LIVE;
    if ((len == 4 && !memcmp(s, "dead", 4)) || (len == 6 && !memcmp(s, "killed", 6)) ||
        (len == 4 && !memcmp(s, "gone", 4)))
        return LOG_STATE_DEAD;
    if (len >= 6 && !memcmp(s, "exited", 6)) {
        if (len == 6)
            return LOG_STATE_EXITED;
        int64_t v;
        if (len > 8 && s[6] == '(' && s[len - 1] == ')' && parse_i64(s + 7, len - 8, &v) == 0 &&
            v >= -255 && v <= 255) {
            *code = (int)v;
            return LOG_STATE_EXITED;
        }
    }
    return LOG_STATE_UNKNOWN;
}

static void add_end(struct log_data *d, double t, int pid, int state, int code)
{
    if (d->n_ends == d->cap_ends) {
        d->cap_ends = d->cap_ends ? d->cap_ends * 2 : 16;
        d->ends = xrealloc(d->ends, d->cap_ends * sizeof *d->ends);
    }
    d->ends[d->n_ends++] = (struct log_end){ t, pid, state, code };
    d->dirty = 1;
}

static void add_row(struct log_data *d, const struct row *r, struct log_stats *st)
{
    if (d->n_rec == d->cap_rec) {
        d->cap_rec = d->cap_rec ? d->cap_rec * 2 : 1024;
        d->rec = xrealloc(d->rec, d->cap_rec * sizeof *d->rec);
    }
    struct log_rec *o = &d->rec[d->n_rec];
    o->t = r->t;
    o->pid = r->pid;
    o->run = 0;
    o->exe = r->exe ? r->exe : intern(&d->strings, "", 0);
    o->tag = intern(&d->strings, r->tag, r->tag_len);
    o->type = intern(&d->strings, r->type, r->type_len);
    o->site = intern(&d->strings, r->site, r->site_len);
    o->func = intern(&d->strings, r->func ? r->func : "", r->func ? r->func_len : 0);
    o->file = intern(&d->strings, r->file ? r->file : "", r->file ? r->file_len : 0);
    o->line = r->line;
    o->build_id = r->build_id ? r->build_id : intern(&d->strings, "", 0);
    o->allocs = r->allocs;
    o->live = r->live;
    o->peak = r->peak;
    o->has_peak = r->has_peak;
    o->old = r->old;
    o->has_old = r->has_old;
    o->blocks = r->blocks;
    o->has_blocks = r->has_blocks;
    o->state = r->state;
    o->order = d->n_rec++;
    d->dirty = 1;
    if (st)
        st->rows++;
}

static int is_type(const char *s, size_t n)
{
    static const char *const types[] = { "Tag", "Site", "Mod", "Ovfl", "?" };
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (strlen(types[i]) == n && !memcmp(types[i], s, n))
            return 1;
    return 0;
}

/* ---- the table -------------------------------------------------------- */

struct tok {
    const char *s;
    size_t n;
};

static size_t tokenize(const char *s, size_t len, struct tok *t, size_t max)
{
    size_t n = 0, i = 0;
    while (i < len && n < max) {
        while (i < len && (s[i] == ' ' || s[i] == '\t'))
            i++;
        if (i == len)
            break;
        t[n].s = s + i;
        while (i < len && s[i] != ' ' && s[i] != '\t')
            i++;
        t[n].n = (size_t)(s + i - t[n].s);
        n++;
    }
    return n;
}

/* A build id as the logs write it: hex, at most 2 * 64 digits; interned
 * lower-case, or NULL when it is not one. */
static const char *build_id_of(struct log_data *d, const char *s, size_t n)
{
    char hex[129];
    if (n == 0 || n % 2 || n >= sizeof hex)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (!isxdigit((unsigned char)s[i]))
            return NULL;
        hex[i] = (char)tolower((unsigned char)s[i]);
    }
    return intern(&d->strings, hex, n);
}

/* "# 2026-11-25T22:40:39Z pid 13862 [state live] exe /path/to/exe[ build-id HEX]",
 * or mon's last word on a process: "# <time> pid 13862 ended exited(0)[: text]". */
static int table_snapshot_line(struct log_data *d, const char *s, size_t len)
{
    struct tok t[7];
    size_t n = tokenize(s, len, t, 7);
    double when;
    int pid;
    if (n < 4 || t[0].n != 1 || log_parse_time(t[1].s, t[1].n, &when) != 0 ||
        t[2].n != 3 || memcmp(t[2].s, "pid", 3) || parse_pid(t[3].s, t[3].n, &pid) != 0)
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
        add_end(d, when, pid, state, code);
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
        if (mark && (build_id = build_id_of(d, mark + 10, (size_t)(exe + exe_len - mark - 10))))
            exe_len = (size_t)(mark - exe);
        if (exe_len == 1 && exe[0] == '?')
            exe_len = 0;
    }
    d->have_ctx = 1;
    d->ctx_t = when;
    d->ctx_pid = pid;
    d->ctx_exe = intern(&d->strings, exe, exe_len);
    d->ctx_build_id = build_id;
    d->ctx_state = state;
    return 0;
}

/* A mark column (the live trend sparkline) may sit between Per Alloc and
 * Site: bytes >= 0x80 (block characters) and ASCII marks only. */
static int is_mark_token(const struct tok *t)
{
    for (size_t i = 0; i < t->n; i++) {
        unsigned char c = (unsigned char)t->s[i];
        if (c < 0x80 && !strchr(".^+!_", c))
            return 0;
    }
    return t->n > 0;
}

enum { ROW_OK, ROW_NOT, ROW_DAMAGED, ROW_ORPHAN, ROW_END };

/* Tag (may hold spaces), Type, Allocs, Frees, Diff, Bytes, Per Alloc, [trend], Site. */
static int table_row(struct log_data *d, const char *s, size_t len, struct log_stats *st)
{
    struct tok t[LOG_MAX_TOKENS];
    size_t n = tokenize(s, len, t, LOG_MAX_TOKENS);
    size_t ty = 0;
    for (size_t i = 1; i < n && !ty; i++)
        if (is_type(t[i].s, t[i].n))
            ty = i;
    if (!ty)
        return ROW_NOT;
    const struct table_map *tm = &d->table;
    uint64_t v[LOG_MAX_TOKENS];
    int64_t diff = 0;
    size_t got = 0;
    for (; got < (size_t)tm->n_num && ty + 1 + got < n; got++) {
        const struct tok *k = &t[ty + 1 + got];
        int bad = (int)got == tm->diff ? parse_i64(k->s, k->n, &diff)
                                       : parse_u64(k->s, k->n, &v[got]);
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
    struct row r = { .t = d->ctx_t, .pid = d->ctx_pid, .exe = d->ctx_exe,
                     .build_id = d->ctx_build_id,
                     .tag = t[0].s, .tag_len = (size_t)(t[ty - 1].s + t[ty - 1].n - t[0].s),
                     .type = t[ty].s, .type_len = t[ty].n,
                     .site = k < n ? t[k].s : "", .site_len = k < n ? (size_t)(s + len - t[k].s) : 0,
                     .allocs = allocs, .live = v[tm->bytes], .blocks = diff, .has_blocks = 1,
                     .state = d->ctx_state };
    add_row(d, &r, st);
    return ROW_OK;
}

/* ---- CSV -------------------------------------------------------------- */

/* Splits one CSV record (RFC 4180) into fields, unquoting into buf. Returns
 * the number of fields, or -1 on a broken quote. */
static int csv_split(const char *s, size_t len, char *buf, struct tok *f, int max)
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

static int csv_header(struct log_data *d, const char *s, size_t len)
{
    struct tok f[LOG_MAX_FIELDS];
    char *buf = xrealloc(NULL, len + 1);
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

/* The naming fields of a CSV or JSON record, each optional (NULL): function,
 * file, line (a number, 0 unknown), exe, build id (hex or empty). Returns -1
 * when one is there but malformed. */
static int names_of(struct log_data *d, struct row *r, const struct tok *func,
                    const struct tok *file, const struct tok *line, const struct tok *exe,
                    const struct tok *build_id)
{
    uint64_t v = 0;
    if (line && line->n && (parse_u64(line->s, line->n, &v) != 0 || v > INT32_MAX))
        return -1;
    if (build_id && build_id->n && !(r->build_id = build_id_of(d, build_id->s, build_id->n)))
        return -1;
    r->line = (int)v;
    if (func) {
        r->func = func->s;
        r->func_len = func->n;
    }
    if (file) {
        r->file = file->s;
        r->file_len = file->n;
    }
    if (exe && exe->n && !(exe->n == 1 && exe->s[0] == '?'))
        r->exe = intern(&d->strings, exe->s, exe->n);
    return 0;
}

static int field_u64(const struct tok *f, int i, uint64_t *v)
{
    return i < 0 ? 1 : parse_u64(f[i].s, f[i].n, v);
}

static int csv_row(struct log_data *d, const char *s, size_t len, struct log_stats *st)
{
    struct tok f[LOG_MAX_FIELDS];
    char *buf = xrealloc(NULL, len + 1);
    const struct csv_map *m = &d->csv;
    int n = csv_split(s, len, buf, f, LOG_MAX_FIELDS);
    int rc = ROW_DAMAGED;
    struct row r = { 0 };
    uint64_t frees = 0;
    int64_t diff = 0;
    int code;
    if (n <= m->ts || log_parse_time(f[m->ts].s, f[m->ts].n, &r.t) != 0) {
        /* not a record of this header unless it starts like mon's own */
        if (!(len > 20 && isdigit((unsigned char)s[0]) && s[4] == '-' && s[10] == 'T'))
            rc = ROW_NOT;
        goto out;
    }
    if (n < m->need || parse_pid(f[m->pid].s, f[m->pid].n, &r.pid) != 0)
        goto out;
    if (m->state >= 0)
        r.state = log_parse_state(f[m->state].s, f[m->state].n, &code);
    if (m->type >= 0 && f[m->type].n == 7 && !memcmp(f[m->type].s, "Passive", 7)) {
        rc = ROW_END; /* mon's note that nothing is counted: no row */
        goto out;
    }
    if (m->type >= 0 && f[m->type].n == 3 && !memcmp(f[m->type].s, "End", 3)) {
        if (r.state == LOG_STATE_UNKNOWN || r.state == LOG_STATE_LIVE)
            goto out;
        add_end(d, r.t, r.pid, r.state, code); /* mon's last word on the pid */
        rc = ROW_END;
        goto out;
    }
    if (parse_u64(f[m->bytes].s, f[m->bytes].n, &r.live) != 0 ||
        field_u64(f, m->allocs, &r.allocs) < 0 || field_u64(f, m->frees, &frees) < 0)
        goto out;
    if (m->diff >= 0 && m->allocs >= 0 && m->frees >= 0 &&
        (parse_i64(f[m->diff].s, f[m->diff].n, &diff) != 0 ||
         diff != (int64_t)(r.allocs - frees) || frees > r.allocs))
        goto out;
    if (m->allocs >= 0 && m->frees >= 0) {
        r.blocks = (int64_t)(r.allocs - frees);
        r.has_blocks = 1;
    }
    r.has_peak = m->peak >= 0 && parse_u64(f[m->peak].s, f[m->peak].n, &r.peak) == 0;
    if (m->peak >= 0 && !r.has_peak)
        goto out;
    r.has_old = m->old >= 0 && m->old < n &&
                parse_u64(f[m->old].s, f[m->old].n, &r.old) == 0;
    r.tag = f[m->tag].s;
    r.tag_len = f[m->tag].n;
    r.type = m->type >= 0 ? f[m->type].s : "";
    r.type_len = m->type >= 0 ? f[m->type].n : 0;
    r.site = m->site >= 0 ? f[m->site].s : "";
    r.site_len = m->site >= 0 ? f[m->site].n : 0;
    if (names_of(d, &r, m->func >= 0 ? &f[m->func] : NULL, m->file >= 0 ? &f[m->file] : NULL,
                 m->line >= 0 ? &f[m->line] : NULL, m->exe >= 0 ? &f[m->exe] : NULL,
                 m->build_id >= 0 ? &f[m->build_id] : NULL) != 0)
        goto out;
    add_row(d, &r, st);
    rc = ROW_OK;
out:
    free(buf);
    return rc;
}

/* ---- JSON Lines ------------------------------------------------------- */

struct jfield {
    struct tok key, val;
    int is_str;
};

static size_t json_ws(const char *s, size_t len, size_t i)
{
    while (i < len && (s[i] == ' ' || s[i] == '\t'))
        i++;
    return i;
}

/* A JSON string at s[i] == '"', unescaped into buf at *o. Returns the index
 * after the closing quote, or 0 on error. */
static size_t json_string(const char *s, size_t len, size_t i, char *buf, size_t *o)
{
    for (i++; i < len; i++) {
        char c = s[i];
        if (c == '"')
            return i + 1;
        if ((unsigned char)c < 0x20)
            return 0;
        if (c == '\\') {
            if (++i >= len)
                return 0;
            switch (s[i]) {
            case '"': case '\\': case '/': c = s[i]; break;
            case 'b': c = '\b'; break;
            case 'f': c = '\f'; break;
            case 'n': c = '\n'; break;
            case 'r': c = '\r'; break;
            case 't': c = '\t'; break;
            case 'u':
                for (int k = 1; k <= 4; k++)
                    if (i + (size_t)k >= len || !isxdigit((unsigned char)s[i + (size_t)k]))
                        return 0;
                i += 4;
                c = '?'; /* tags and sites are ASCII; anything else is shown as '?' */
                break;
            default: return 0;
            }
        }
        buf[(*o)++] = c;
    }
    return 0;
}

/* A nested value is skipped whole (strings respected); returns index after it or 0. */
static size_t json_skip_nested(const char *s, size_t len, size_t i)
{
    int depth = 0, in_str = 0;
    for (; i < len; i++) {
        char c = s[i];
        if (in_str) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_str = 0;
        } else if (c == '"') {
            in_str = 1;
        } else if (c == '{' || c == '[') {
            depth++;
        } else if (c == '}' || c == ']') {
            if (--depth == 0)
                return i + 1;
        }
    }
    return 0;
}

static int json_parse(const char *s, size_t len, char *buf, struct jfield *f, int max)
{
    size_t i = json_ws(s, len, 0), o = 0;
    int n = 0;
    if (i >= len || s[i] != '{')
        return -1;
    i = json_ws(s, len, i + 1);
    if (i < len && s[i] == '}')
        return json_ws(s, len, i + 1) == len ? 0 : -1;
    for (;;) {
        if (i >= len || s[i] != '"' || n == max)
            return -1;
        f[n].key.s = buf + o;
        if (!(i = json_string(s, len, i, buf, &o)))
            return -1;
        f[n].key.n = (size_t)(buf + o - f[n].key.s);
        i = json_ws(s, len, i);
        if (i >= len || s[i] != ':')
            return -1;
        i = json_ws(s, len, i + 1);
        if (i >= len)
            return -1;
        f[n].val.s = buf + o;
        f[n].is_str = s[i] == '"';
        if (s[i] == '"') {
            if (!(i = json_string(s, len, i, buf, &o)))
                return -1;
        } else if (s[i] == '{' || s[i] == '[') {
            if (!(i = json_skip_nested(s, len, i)))
                return -1;
        } else {
            while (i < len && s[i] != ',' && s[i] != '}' && s[i] != ' ' && s[i] != '\t')
                buf[o++] = s[i++];
        }
        f[n].val.n = (size_t)(buf + o - f[n].val.s);
        n++;
        i = json_ws(s, len, i);
        if (i < len && s[i] == ',') {
            i = json_ws(s, len, i + 1);
            continue;
        }
        if (i < len && s[i] == '}')
            return json_ws(s, len, i + 1) == len ? n : -1;
        return -1;
    }
}

static const struct jfield *json_get(const struct jfield *f, int n, const char *key)
{
    for (int i = 0; i < n; i++)
        if (strlen(key) == f[i].key.n && !memcmp(key, f[i].key.s, f[i].key.n))
            return &f[i];
    return NULL;
}

static int json_u64(const struct jfield *f, uint64_t *v)
{
    return f && !f->is_str ? parse_u64(f->val.s, f->val.n, v) : -1;
}

/* function, file, line, exe, build_id: strings but line, each optional. */
static int json_names(struct log_data *d, struct row *r, const struct jfield *f, int n)
{
    static const char *const keys[] = { "function", "file", "line", "exe", "build_id" };
    const struct tok *v[5] = { NULL };
    for (int i = 0; i < 5; i++) {
        const struct jfield *j = json_get(f, n, keys[i]);
        if (!j)
            continue;
        if (j->is_str != (i != 2))
            return -1;
        v[i] = &j->val;
    }
    return names_of(d, r, v[0], v[1], v[2], v[3], v[4]);
}

static int json_row(struct log_data *d, const char *s, size_t len, struct log_stats *st)
{
    struct jfield f[LOG_MAX_FIELDS];
    char *buf = xrealloc(NULL, len + 1);
    int n = json_parse(s, len, buf, f, LOG_MAX_FIELDS);
    int rc = ROW_DAMAGED;
    struct row r = { 0 };
#define FIELD(col) json_get(f, n, mon_cols[col].name)
    const struct jfield *ts = FIELD(MON_COL_TIMESTAMP), *pid = FIELD(MON_COL_PID),
                        *tag = FIELD(MON_COL_TAG), *type = FIELD(MON_COL_TYPE),
                        *site = FIELD(MON_COL_SITE), *peak = FIELD(MON_COL_PEAK),
                        *frees_f = FIELD(MON_COL_FREES), *diff_f = FIELD(MON_COL_DIFF),
                        *bytes_f = FIELD(MON_COL_BYTES), *allocs_f = FIELD(MON_COL_ALLOCS);
#undef FIELD
    uint64_t frees;
    int64_t diff;
    if (n < 0)
        goto out;
    const struct jfield *state_f = json_get(f, n, "state");
    int code;
    if (state_f && state_f->is_str)
        r.state = log_parse_state(state_f->val.s, state_f->val.n, &code);
    if (type && type->is_str && type->val.n == 7 && !memcmp(type->val.s, "Passive", 7)) {
        rc = ROW_END; /* mon's note that nothing is counted: no row */
        goto out;
    }
    if (ts && pid && type && type->is_str && type->val.n == 3 && !memcmp(type->val.s, "End", 3)) {
        if (!ts->is_str || log_parse_time(ts->val.s, ts->val.n, &r.t) != 0 || pid->is_str ||
            parse_pid(pid->val.s, pid->val.n, &r.pid) != 0 || r.state == LOG_STATE_UNKNOWN ||
            r.state == LOG_STATE_LIVE)
            goto out;
        add_end(d, r.t, r.pid, r.state, code); /* mon's last word on the pid */
        rc = ROW_END;
        goto out;
    }
    if (!ts || !pid || !tag) {
        rc = ROW_NOT;
        goto out;
    }
    if (!ts->is_str || log_parse_time(ts->val.s, ts->val.n, &r.t) != 0 || pid->is_str ||
        parse_pid(pid->val.s, pid->val.n, &r.pid) != 0 || !tag->is_str ||
        json_u64(bytes_f, &r.live) != 0 || json_u64(allocs_f, &r.allocs) != 0)
        goto out;
    if (frees_f && diff_f &&
        (json_u64(frees_f, &frees) != 0 || parse_i64(diff_f->val.s, diff_f->val.n, &diff) != 0 ||
         frees > r.allocs || diff != (int64_t)(r.allocs - frees)))
        goto out;
    if (frees_f && diff_f) {
        r.blocks = diff;
        r.has_blocks = 1;
    }
    r.has_peak = peak && json_u64(peak, &r.peak) == 0;
    const struct jfield *old = json_get(f, n, mon_cols[MON_COL_OLD].name);
    r.has_old = old && json_u64(old, &r.old) == 0;
    r.tag = tag->val.s;
    r.tag_len = tag->val.n;
    r.type = type && type->is_str ? type->val.s : "";
    r.type_len = type && type->is_str ? type->val.n : 0;
    r.site = site && site->is_str ? site->val.s : "";
    r.site_len = site && site->is_str ? site->val.n : 0;
    if (json_names(d, &r, f, n) != 0)
        goto out;
    add_row(d, &r, st);
    rc = ROW_OK;
out:
    free(buf);
    return rc;
}

/* "Tag  Type  Allocs  Frees ... Site": the names say where the numbers are.
 * Returns -1 when the line is not a header; a header naming columns this
 * reader does not know keeps the map it had. */
static int table_header(struct log_data *d, const char *s, size_t len)
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

/* ---- lines ------------------------------------------------------------ */

static void skipped(struct log_stats *st, size_t *counter)
{
    (*counter)++;
    if (!st->first_skipped)
        st->first_skipped = st->lines;
}

void log_read_line(struct log_data *d, const char *s, size_t len, struct log_stats *st)
{
    struct log_stats dummy = { 0 };
    if (!st)
        st = &dummy;
    st->lines++;
    while (len && (s[len - 1] == '\n' || s[len - 1] == '\r'))
        len--;
    size_t i = 0;
    while (i < len && (s[i] == ' ' || s[i] == '\t'))
        i++;
    if (i == len)
        return; /* blank: ends a table block, nothing to count */
    if (memchr(s, '\0', len)) {
        skipped(st, &st->foreign);
        return;
    }
    int rc;
    if (s[0] == '#') {
        if (table_snapshot_line(d, s, len) != 0)
            skipped(st, &st->foreign);
        return;
    }
    if (!isdigit((unsigned char)s[0]) && s[0] != '{' && memchr(s, ',', len) &&
        memmem(s, len, "timestamp", 9)) {
        if (csv_header(d, s, len) != 0)
            skipped(st, &st->damaged);
        return;
    }
    if (table_header(d, s + i, len - i) == 0)
        return; /* the table's column header */
    if (s[i] == '{')
        rc = json_row(d, s, len, st);
    else if (!memchr(s, ',', len) || (rc = csv_row(d, s, len, st)) == ROW_NOT)
        rc = table_row(d, s, len, st);
    if (rc == ROW_DAMAGED)
        skipped(st, &st->damaged);
    else if (rc == ROW_NOT)
        skipped(st, &st->foreign);
    else if (rc == ROW_ORPHAN && !st->first_skipped)
        st->first_skipped = st->lines;
}

int log_read(struct log_data *d, FILE *f, struct log_stats *st)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    d->have_ctx = 0; /* a table block never continues into the next file */
    errno = 0;
    while ((n = getline(&line, &cap, f)) >= 0)
        log_read_line(d, line, (size_t)n, st);
    int bad = ferror(f) ? -1 : 0;
    free(line);
    return bad;
}

void log_skip_summary(char *buf, size_t n, const struct log_stats *st)
{
    size_t skipped = st->damaged + st->foreign + st->orphan;
    if (!skipped) {
        snprintf(buf, n, "%s", "");
        return;
    }
    char parts[160] = "";
    size_t o = 0;
    const char *sep = "";
    if (st->damaged) {
        o += (size_t)snprintf(parts + o, sizeof parts - o, "%zu damaged", st->damaged);
        sep = ", ";
    }
    if (st->foreign && o < sizeof parts) {
        o += (size_t)snprintf(parts + o, sizeof parts - o, "%s%zu foreign", sep, st->foreign);
        sep = ", ";
    }
    if (st->orphan && o < sizeof parts)
        snprintf(parts + o, sizeof parts - o, "%s%zu rows without a snapshot line", sep,
                 st->orphan);
    snprintf(buf, n, "skipped %zu of %zu lines (%s), first at line %zu", skipped, st->lines,
             parts, st->first_skipped);
}

/* ---- grouping --------------------------------------------------------- */

static int cmp_time(const void *pa, const void *pb)
{
    const struct log_rec *a = pa, *b = pb;
    if (a->pid != b->pid)
        return (a->pid > b->pid) - (a->pid < b->pid);
    if (a->t != b->t)
        return (a->t > b->t) - (a->t < b->t);
    return (a->order > b->order) - (a->order < b->order);
}

static int cmp_ptr(const void *a, const void *b)
{
    return ((uintptr_t)a > (uintptr_t)b) - ((uintptr_t)a < (uintptr_t)b);
}

static int cmp_series_key(const void *pa, const void *pb)
{
    const struct log_rec *a = pa, *b = pb;
    int c;
    if (a->pid != b->pid)
        return (a->pid > b->pid) - (a->pid < b->pid);
    if (a->run != b->run)
        return (a->run > b->run) - (a->run < b->run);
    if ((c = cmp_ptr(a->tag, b->tag)) || (c = cmp_ptr(a->site, b->site)))
        return c;
    return cmp_time(pa, pb);
}

static int cmp_series(const void *pa, const void *pb)
{
    const struct log_series *a = pa, *b = pb;
    int c;
    if (a->pid != b->pid)
        return (a->pid > b->pid) - (a->pid < b->pid);
    if (a->run != b->run)
        return (a->run > b->run) - (a->run < b->run);
    if ((c = strcmp(a->tag, b->tag)))
        return c;
    return strcmp(a->site, b->site);
}

/* Last allocs per row of the current run, to see counters go backwards. */
struct last_map {
    const struct log_rec **slot;
    size_t cap;
};

static const struct log_rec **last_find(struct last_map *m, const struct log_rec *r)
{
    uint64_t h = ((uintptr_t)r->tag * 31 + (uintptr_t)r->site) * 0x9e3779b97f4a7c15ULL;
    size_t j = (size_t)(h >> 20) & (m->cap - 1);
    while (m->slot[j] && (m->slot[j]->tag != r->tag || m->slot[j]->site != r->site))
        j = (j + 1) & (m->cap - 1);
    return &m->slot[j];
}

/* Splits each pid's records into runs: a new run starts at a snapshot where
 * some row's allocs went down, or where the table names another exe. */
static void assign_runs(struct log_data *d)
{
    if (d->n_rec == 0)
        return; /* nothing read: no array to sort */
    xsort(d->rec, d->n_rec, sizeof *d->rec, cmp_time);
    struct last_map m = { NULL, 16 };
    while (m.cap < d->n_rec * 2 + 16)
        m.cap *= 2;
    m.slot = calloc(m.cap, sizeof *m.slot);
    if (!m.slot)
        err(1, "malloc");
    d->n_snapshots = 0;
    size_t i = 0;
    while (i < d->n_rec) {
        int pid = d->rec[i].pid;
        unsigned run = 0;
        const char *exe = "", *build_id = "";
        memset(m.slot, 0, m.cap * sizeof *m.slot);
        while (i < d->n_rec && d->rec[i].pid == pid) {
            size_t g = i;
            while (g < d->n_rec && d->rec[g].pid == pid && d->rec[g].t == d->rec[i].t)
                g++;
            int restart = 0;
            for (size_t k = i; k < g && !restart; k++) {
                const struct log_rec *last = *last_find(&m, &d->rec[k]);
                if (last && d->rec[k].allocs < last->allocs)
                    restart = 1;
                if (d->rec[k].exe[0] && exe[0] && d->rec[k].exe != exe)
                    restart = 1;
                if (d->rec[k].build_id[0] && build_id[0] && d->rec[k].build_id != build_id)
                    restart = 1;
            }
            if (restart) {
                run++;
                memset(m.slot, 0, m.cap * sizeof *m.slot);
            }
            for (size_t k = i; k < g; k++) {
                d->rec[k].run = run;
                *last_find(&m, &d->rec[k]) = &d->rec[k];
                if (d->rec[k].exe[0])
                    exe = d->rec[k].exe;
                if (d->rec[k].build_id[0])
                    build_id = d->rec[k].build_id;
            }
            d->n_snapshots++;
            i = g;
        }
    }
    free(m.slot);
}

/* Which runs ended: a snapshot that says exited or dead, or mon's last word
 * on the pid after the run's first snapshot (and before the next run's). */
static void mark_ends(struct log_data *d)
{
    for (size_t i = 0; i < d->n_series; i++) {
        struct log_series *s = &d->series[i];
        s->ended = 0;
        s->exit_code = -1;
        s->end_t = 0;
        for (size_t k = 0; k < s->n; k++)
            if (s->pts[k].state == LOG_STATE_EXITED || s->pts[k].state == LOG_STATE_DEAD) {
                s->ended = 1;
                s->end_t = s->pts[k].t;
                break;
            }
        double next = INFINITY; /* first snapshot of the pid's next run */
        /* series are sorted by pid then run: the next runs follow this one */
        for (size_t j = i + 1; j < d->n_series && d->series[j].pid == s->pid; j++)
            if (d->series[j].run > s->run && d->series[j].n && d->series[j].pts[0].t < next)
                next = d->series[j].pts[0].t;
        for (size_t e = 0; e < d->n_ends; e++) {
            const struct log_end *x = &d->ends[e];
            if (x->pid != s->pid || !s->n || x->t < s->pts[0].t || x->t >= next)
                continue;
            if (!s->ended || x->t < s->end_t)
                s->end_t = s->ended ? s->end_t : x->t;
            s->ended = 1;
            if (x->code >= 0)
                s->exit_code = x->code;
        }
    }
}

const struct log_series *log_series(struct log_data *d, size_t *n)
{
    if (d->dirty || !d->series) {
        assign_runs(d);
        xsort(d->rec, d->n_rec, sizeof *d->rec, cmp_series_key);
        free(d->series);
        free(d->points);
        d->series = xrealloc(NULL, (d->n_rec ? d->n_rec : 1) * sizeof *d->series);
        d->points = xrealloc(NULL, (d->n_rec ? d->n_rec : 1) * sizeof *d->points);
        d->n_series = 0;
        for (size_t i = 0; i < d->n_rec; i++) {
            const struct log_rec *r = &d->rec[i];
            struct log_series *s = d->n_series ? &d->series[d->n_series - 1] : NULL;
            /* the type follows from tag and site: not part of the key */
            if (!s || s->pid != r->pid || s->run != r->run || s->tag != r->tag ||
                s->site != r->site) {
                s = &d->series[d->n_series++];
                *s = (struct log_series){ .pid = r->pid, .run = r->run, .exe = r->exe,
                                          .tag = r->tag, .type = r->type, .site = r->site,
                                          .func = r->func, .file = r->file, .line = r->line,
                                          .build_id = r->build_id, .pts = &d->points[i] };
            }
            /* the latest snapshot that says wins */
            if (r->exe[0])
                s->exe = r->exe;
            if (r->build_id[0])
                s->build_id = r->build_id;
            if (r->func[0]) {
                s->func = r->func;
                s->file = r->file;
                s->line = r->line;
            }
            /* one point per time: the same snapshot read twice (several
             * copies of a log) is one observation, not two */
            if (s->n && s->pts[s->n - 1].t == r->t && s->pts[s->n - 1].live == r->live &&
                s->pts[s->n - 1].allocs == r->allocs)
                s->n--;
            s->pts[s->n++] = (struct log_point){ r->t, r->live, r->allocs, r->peak, r->has_peak,
                                                 r->old, r->has_old, r->blocks, r->has_blocks,
                                                 r->state };
        }
        xsort(d->series, d->n_series, sizeof *d->series, cmp_series);
        mark_ends(d);
        d->dirty = 0;
    }
    *n = d->n_series;
    return d->series;
}

size_t log_snapshots(const struct log_data *d)
{
    return d->n_snapshots;
}
