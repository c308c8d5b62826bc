/* SPDX-License-Identifier: MIT
 * trend/log_fields.c - the pieces every log format shares: the one number
 * parser (every count, pid, line and date field goes through it, range
 * checked), the timestamp and state words, build ids, tokens, interned
 * strings, and the records each format adds. Never aborts on input.
 */
#include "trend/log_parse.h"
#include "trend/log_reader.h"
#include "util/intern.h"
#include "util/text_safe.h"

#include <ctype.h>
#include <err.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void *log_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        err(1, "malloc");
    return q;
}

/* One stable copy per distinct string: equal strings, equal pointers. Every
 * string of a log is kept in its printable form (util/text_safe.h): a tag,
 * site or exe a tagged program chose never reaches the terminal raw. */
const char *log_intern(struct intern *in, const char *s, size_t n)
{
    char raw[TEXT_SAFE_MAX], safe[TEXT_SAFE_MAX];
    if (n >= sizeof raw)
        n = sizeof raw - 1;
    memcpy(raw, s, n);
    raw[n] = '\0';
    if (memchr(s, '\0', n) || !text_is_safe(raw)) {
        text_safe(safe, sizeof safe, raw);
        return intern_str(in, safe, strlen(safe));
    }
    return intern_str(in, s, n);
}

/* The one number parser of the logs: optional '-' (only when lo < 0), then
 * 1 to 19 decimal digits, the value within [lo, hi]. Returns 0, or -1. */
int log_num(const char *s, size_t n, int64_t lo, int64_t hi, int64_t *v)
{
    int neg = lo < 0 && n > 0 && s[0] == '-';
    s += neg;
    n -= (size_t)neg;
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
    int64_t y = neg ? -(int64_t)x : (int64_t)x;
    if (y < lo || y > hi)
        return -1;
    *v = y;
    return 0;
}

static int digits(const char *s, size_t n, int64_t lo, int64_t hi)
{
    int64_t v;
    return log_num(s, n, lo, hi, &v) == 0 ? (int)v : -1;
}

int log_parse_time(const char *s, size_t len, double *t)
{
    /* YYYY-MM-DDTHH:MM:SS */
    if (len < 19 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ') ||
        s[13] != ':' || s[16] != ':')
        return -1;
    int y = digits(s, 4, 0, 9999), mo = digits(s + 5, 2, 0, 99), da = digits(s + 8, 2, 0, 99);
    int h = digits(s + 11, 2, 0, 99), mi = digits(s + 14, 2, 0, 99), se = digits(s + 17, 2, 0, 99);
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
        if (len > 8 && s[6] == '(' && s[len - 1] == ')' && log_i64(s + 7, len - 8, &v) == 0 &&
            v >= -255 && v <= 255) {
            *code = (int)v;
            return LOG_STATE_EXITED;
        }
    }
    return LOG_STATE_UNKNOWN;
}

void log_add_end(struct log_data *d, double t, int pid, int state, int code)
{
    if (d->n_ends == d->cap_ends) {
        d->cap_ends = d->cap_ends ? d->cap_ends * 2 : 16;
        d->ends = log_xrealloc(d->ends, d->cap_ends * sizeof *d->ends);
    }
    d->ends[d->n_ends++] = (struct log_end){ t, pid, state, code };
    d->dirty = 1;
}

void log_add_row(struct log_data *d, const struct log_row *r, struct log_stats *st)
{
    if (d->n_rec == d->cap_rec) {
        d->cap_rec = d->cap_rec ? d->cap_rec * 2 : 1024;
        d->rec = log_xrealloc(d->rec, d->cap_rec * sizeof *d->rec);
    }
    struct log_rec *o = &d->rec[d->n_rec];
    o->pt = r->pt;
    o->pid = r->pid;
    o->run = 0;
    o->exe = r->exe ? r->exe : log_intern(&d->strings, "", 0);
    o->tag = log_intern(&d->strings, r->tag, r->tag_len);
    o->type = log_intern(&d->strings, r->type, r->type_len);
    o->site = log_intern(&d->strings, r->site, r->site_len);
    o->func = log_intern(&d->strings, r->func ? r->func : "", r->func ? r->func_len : 0);
    o->file = log_intern(&d->strings, r->file ? r->file : "", r->file ? r->file_len : 0);
    o->line = r->line;
    o->build_id = r->build_id ? r->build_id : log_intern(&d->strings, "", 0);
    o->order = d->n_rec++;
    d->dirty = 1;
    if (st)
        st->rows++;
}

int log_is_type(const char *s, size_t n)
{
    static const char *const types[] = { "Tag", "Site", "Mod", "Ovfl", "?" };
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (strlen(types[i]) == n && !memcmp(types[i], s, n))
            return 1;
    return 0;
}

size_t log_tokenize(const char *s, size_t len, struct log_tok *t, size_t max)
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

int log_parse_row(struct log_data *d, const char *s, size_t len, struct log_stats *st,
                  log_row_fn *parse)
{
    char *buf = log_xrealloc(NULL, len + 1);
    struct log_row r = { 0 };
    int rc = parse(d, s, len, buf, &r);
    if (rc == ROW_OK)
        log_add_row(d, &r, st);
    free(buf);
    return rc;
}

/* A build id as the logs write it: hex, at most 2 * 64 digits; interned
 * lower-case, or NULL when it is not one. */
const char *log_build_id(struct log_data *d, const char *s, size_t n)
{
    char hex[129];
    if (n == 0 || n % 2 || n >= sizeof hex)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (!isxdigit((unsigned char)s[i]))
            return NULL;
        hex[i] = (char)tolower((unsigned char)s[i]);
    }
    return log_intern(&d->strings, hex, n);
}

/* The naming fields of a CSV or JSON record, each optional (NULL): function,
 * file, line (a number, 0 unknown), exe, build id (hex or empty). Returns -1
 * when one is there but malformed. */
int log_names(struct log_data *d, struct log_row *r, const struct log_tok *func,
                    const struct log_tok *file, const struct log_tok *line, const struct log_tok *exe,
                    const struct log_tok *build_id)
{
    uint64_t v = 0;
    if (line && line->n && (log_u64(line->s, line->n, &v) != 0 || v > INT32_MAX))
        return -1;
    if (build_id && build_id->n && !(r->build_id = log_build_id(d, build_id->s, build_id->n)))
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
        r->exe = log_intern(&d->strings, exe->s, exe->n);
    return 0;
}
