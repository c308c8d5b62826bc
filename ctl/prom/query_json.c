/* SPDX-License-Identifier: MIT
 * prom/query_json.c - a recursive-descent JSON reader made for the few shapes
 * of Prometheus' answers: keys in any order, unknown keys skipped whole,
 * strings decoded (escapes, surrogate pairs) into one growing arena, numbers
 * by JSON's grammar. Depth is bounded, every index checked against the end.
 */
#include "prom/query_json.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct jp {
    const char *s;
    size_t n, i;
    int depth;
    char *why;
    size_t wn;
    char *arena; /* decoded strings, NUL-terminated, by offset */
    size_t acap, alen;
};

static int jfail(struct jp *p, const char *fmt, ...)
{
    if (p->why && p->wn && !p->why[0]) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(p->why, p->wn, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static int bad(struct jp *p, const char *what)
{
    return jfail(p, "bad JSON (%s) at byte %zu", what, p->i);
}

static void ws(struct jp *p)
{
    while (p->i < p->n && (p->s[p->i] == ' ' || p->s[p->i] == '\t' || p->s[p->i] == '\n' ||
                           p->s[p->i] == '\r'))
        p->i++;
}

static int peek(struct jp *p)
{
    ws(p);
    return p->i < p->n ? (unsigned char)p->s[p->i] : -1;
}

static int expect(struct jp *p, char c)
{
    if (peek(p) != (unsigned char)c)
        return jfail(p, "bad JSON (expected '%c') at byte %zu", c, p->i);
    p->i++;
    return 0;
}

static int put(struct jp *p, const char *b, size_t k)
{
    if (p->alen + k + 1 > p->acap) {
        size_t cap = p->acap ? p->acap : 256;
        while (p->alen + k + 1 > cap) {
            if (cap > ((size_t)1 << 40))
                return jfail(p, "string too long");
            cap *= 2;
        }
        char *a = realloc(p->arena, cap);
        if (!a)
            return jfail(p, "out of memory");
        p->arena = a;
        p->acap = cap;
    }
    memcpy(p->arena + p->alen, b, k);
    p->alen += k;
    return 0;
}

static int hex4(struct jp *p, unsigned *v)
{
    if (p->n - p->i < 4)
        return bad(p, "cut \\u escape");
    unsigned x = 0;
    for (int k = 0; k < 4; k++) {
        char c = p->s[p->i++];
        x <<= 4;
        if (c >= '0' && c <= '9')
            x |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            x |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            x |= (unsigned)(c - 'A' + 10);
        else
            return bad(p, "bad \\u escape");
    }
    *v = x;
    return 0;
}

/* A string into the arena: *off is where it starts (NUL-terminated). */
static int jstring(struct jp *p, size_t *off)
{
    if (expect(p, '"') != 0)
        return -1;
    *off = p->alen;
    for (;;) {
        size_t start = p->i;
        while (p->i < p->n && p->s[p->i] != '"' && p->s[p->i] != '\\' &&
               (unsigned char)p->s[p->i] >= 0x20)
            p->i++;
        if (p->i > start && put(p, p->s + start, p->i - start) != 0)
            return -1;
        if (p->i >= p->n)
            return bad(p, "cut string");
        char c = p->s[p->i++];
        if (c == '"')
            break;
        if (c != '\\')
            return bad(p, "control byte in string");
        if (p->i >= p->n)
            return bad(p, "cut escape");
        char e = p->s[p->i++];
        char one;
        switch (e) {
        case '"': one = '"'; break;
        case '\\': one = '\\'; break;
        case '/': one = '/'; break;
        case 'b': one = '\b'; break;
        case 'f': one = '\f'; break;
        case 'n': one = '\n'; break;
        case 'r': one = '\r'; break;
        case 't': one = '\t'; break;
        case 'u': {
            unsigned cp;
            if (hex4(p, &cp) != 0)
                return -1;
            if (cp >= 0xd800 && cp < 0xdc00) {
                unsigned lo;
                if (p->n - p->i < 2 || p->s[p->i] != '\\' || p->s[p->i + 1] != 'u')
                    return bad(p, "lone surrogate");
                p->i += 2;
                if (hex4(p, &lo) != 0)
                    return -1;
                if (lo < 0xdc00 || lo >= 0xe000)
                    return bad(p, "bad surrogate pair");
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            } else if (cp >= 0xdc00 && cp < 0xe000) {
                return bad(p, "lone surrogate");
            }
            if (cp == 0)
                return bad(p, "NUL in string");
            char u[4];
            size_t k;
            if (cp < 0x80) {
                u[0] = (char)cp, k = 1;
            } else if (cp < 0x800) {
                u[0] = (char)(0xc0 | (cp >> 6)), u[1] = (char)(0x80 | (cp & 63)), k = 2;
            } else if (cp < 0x10000) {
                u[0] = (char)(0xe0 | (cp >> 12)), u[1] = (char)(0x80 | ((cp >> 6) & 63));
                u[2] = (char)(0x80 | (cp & 63)), k = 3;
            } else {
                u[0] = (char)(0xf0 | (cp >> 18)), u[1] = (char)(0x80 | ((cp >> 12) & 63));
                u[2] = (char)(0x80 | ((cp >> 6) & 63)), u[3] = (char)(0x80 | (cp & 63)), k = 4;
            }
            if (put(p, u, k) != 0)
                return -1;
            continue;
        }
        default:
            return bad(p, "unknown escape");
        }
        if (put(p, &one, 1) != 0)
            return -1;
    }
    char nul = '\0';
    return put(p, &nul, 1);
}

/* A number by JSON's grammar. */
static int jnumber(struct jp *p, double *v)
{
    ws(p);
    size_t start = p->i, i = p->i;
    const char *s = p->s;
    if (i < p->n && s[i] == '-')
        i++;
    if (i >= p->n || s[i] < '0' || s[i] > '9')
        return bad(p, "expected a number");
    if (s[i] == '0')
        i++;
    else
        while (i < p->n && s[i] >= '0' && s[i] <= '9')
            i++;
    if (i < p->n && s[i] == '.') {
        i++;
        if (i >= p->n || s[i] < '0' || s[i] > '9')
            return bad(p, "bad fraction");
        while (i < p->n && s[i] >= '0' && s[i] <= '9')
            i++;
    }
    if (i < p->n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < p->n && (s[i] == '+' || s[i] == '-'))
            i++;
        if (i >= p->n || s[i] < '0' || s[i] > '9')
            return bad(p, "bad exponent");
        while (i < p->n && s[i] >= '0' && s[i] <= '9')
            i++;
    }
    char tmp[64];
    size_t k = i - start;
    if (k >= sizeof tmp)
        return bad(p, "number too long");
    memcpy(tmp, s + start, k);
    tmp[k] = '\0';
    *v = strtod(tmp, NULL);
    p->i = i;
    return 0;
}

static int lit(struct jp *p, const char *w)
{
    size_t k = strlen(w);
    if (p->n - p->i < k || memcmp(p->s + p->i, w, k) != 0)
        return bad(p, "unknown word");
    p->i += k;
    return 0;
}

static int skip_value(struct jp *p)
{
    int c = peek(p);
    if (c == '"') {
        size_t off;
        int rc = jstring(p, &off);
        p->alen = off;
        return rc;
    }
    if (c == '{' || c == '[') {
        if (++p->depth > PROMQ_MAX_DEPTH)
            return bad(p, "nested too deep");
        p->i++;
        char close = c == '{' ? '}' : ']';
        if (peek(p) == close) {
            p->i++;
            p->depth--;
            return 0;
        }
        for (;;) {
            if (c == '{') {
                size_t off;
                if (jstring(p, &off) != 0)
                    return -1;
                p->alen = off;
                if (expect(p, ':') != 0)
                    return -1;
            }
            if (skip_value(p) != 0)
                return -1;
            int d = peek(p);
            p->i++;
            if (d == ',')
                continue;
            if (d == close)
                break;
            p->i--;
            return bad(p, "expected ',' or a close");
        }
        p->depth--;
        return 0;
    }
    if (c == 't')
        return lit(p, "true");
    if (c == 'f')
        return lit(p, "false");
    if (c == 'n')
        return lit(p, "null");
    double v;
    return jnumber(p, &v);
}

/* Iterates an array: calls each(p, ctx) at every element. */
typedef int (*element_fn)(struct jp *p, void *ctx);

/* The one container loop: open, then items (item(p, ctx) consumes one)
 * separated by ',' up to close; an empty container is fine. */
static int container(struct jp *p, char open, char close, element_fn item, void *ctx)
{
    if (expect(p, open) != 0)
        return -1;
    if (++p->depth > PROMQ_MAX_DEPTH)
        return bad(p, "nested too deep");
    if (peek(p) == close) {
        p->i++;
        p->depth--;
        return 0;
    }
    for (;;) {
        if (item(p, ctx) != 0)
            return -1;
        int d = peek(p);
        if (d == ',') {
            p->i++;
            continue;
        }
        if (d == close) {
            p->i++;
            break;
        }
        return bad(p, close == '}' ? "expected ',' or '}'" : "expected ',' or ']'");
    }
    p->depth--;
    return 0;
}

static int array(struct jp *p, element_fn each, void *ctx)
{
    return container(p, '[', ']', each, ctx);
}

/* Iterates an object: calls each(p, key, ctx) positioned at its value, which
 * it must consume. The key lives in the arena until each returns. */
typedef int (*member_fn)(struct jp *p, const char *key, void *ctx);

struct members {
    member_fn each;
    void *ctx;
};

/* One member: its key, ':', then each at the value. */
static int member(struct jp *p, void *arg)
{
    const struct members *m = arg;
    size_t off;
    if (jstring(p, &off) != 0 || expect(p, ':') != 0)
        return -1;
    /* the key may move with the arena: copy the short ones we look for */
    char key[32];
    snprintf(key, sizeof key, "%s", p->arena + off);
    if (strlen(p->arena + off) >= sizeof key)
        key[0] = '\0'; /* no key we know is that long */
    p->alen = off;
    return m->each(p, key, m->ctx);
}

static int object(struct jp *p, member_fn each, void *ctx)
{
    struct members m = { each, ctx };
    return container(p, '{', '}', member, &m);
}

/* ---- the envelope: {"status": ..., "data": ..., "errorType", "error"} ---- */

struct envelope {
    int status_ok, status_seen, data_seen;
    char error_type[64], error[256];
    element_fn data_fn; /* the data's reader, called at the data value */
    void *data_ctx;
};

/* A string value naming a kind ("status": "success", "resultType":
 * "matrix"): *seen set, *is 1 when it is word, 0 when another. -1 when the
 * value is not a string. */
static int kind_value(struct jp *p, const char *word, int *seen, int *is)
{
    size_t off;
    if (jstring(p, &off) != 0)
        return -1;
    *seen = 1;
    *is = !strcmp(p->arena + off, word);
    p->alen = off;
    return 0;
}

static int envelope_member(struct jp *p, const char *key, void *ctx)
{
    struct envelope *e = ctx;
    size_t off;
    if (!strcmp(key, "status"))
        return kind_value(p, "success", &e->status_seen, &e->status_ok);
    if (!strcmp(key, "errorType") || !strcmp(key, "error")) {
        if (peek(p) != '"')
            return skip_value(p);
        if (jstring(p, &off) != 0)
            return -1;
        char *dst = key[5] ? e->error_type : e->error;
        size_t cap = key[5] ? sizeof e->error_type : sizeof e->error;
        snprintf(dst, cap, "%s", p->arena + off);
        p->alen = off;
        return 0;
    }
    if (!strcmp(key, "data") && e->data_fn) {
        e->data_seen = 1;
        return e->data_fn(p, e->data_ctx);
    }
    return skip_value(p);
}

static int parse_envelope(const char *buf, size_t len, struct envelope *e, char *why, size_t wn)
{
    struct jp p = { .s = buf, .n = len, .why = why, .wn = wn };
    if (why && wn)
        why[0] = '\0';
    int rc = object(&p, envelope_member, e);
    if (rc == 0 && peek(&p) != -1)
        rc = bad(&p, "text after the answer");
    free(p.arena);
    if (rc != 0)
        return -1;
    if (!e->status_seen)
        return jfail(&p, "no status in the answer");
    if (!e->status_ok) {
        /* the server's own words, made printable by the caller */
        return jfail(&p, "%s%s%s", e->error_type, e->error_type[0] ? ": " : "",
                     e->error[0] ? e->error : "error without a message");
    }
    if (!e->data_seen)
        return jfail(&p, "no data in the answer");
    return 0;
}

/* ---- a matrix ---- */

struct matrix {
    promq_series_fn fn;
    void *arg;
    int is_matrix, type_seen;
    size_t name_off[PROMQ_MAX_LABELS], value_off[PROMQ_MAX_LABELS];
    size_t n_labels;
    double *t, *v;
    size_t n, cap;
    double pt_t;
    int pt_k, pt_ok;
    double pt_v;
};

/* The metric object: names and values, both kept in the arena. */
static int metric_object(struct jp *p, struct matrix *m)
{
    if (expect(p, '{') != 0)
        return -1;
    m->n_labels = 0;
    if (peek(p) == '}') {
        p->i++;
        return 0;
    }
    for (;;) {
        if (m->n_labels == PROMQ_MAX_LABELS)
            return jfail(p, "more than %d labels on a series", PROMQ_MAX_LABELS);
        size_t noff, voff;
        if (jstring(p, &noff) != 0 || expect(p, ':') != 0 || jstring(p, &voff) != 0)
            return -1;
        m->name_off[m->n_labels] = noff;
        m->value_off[m->n_labels] = voff;
        m->n_labels++;
        int d = peek(p);
        p->i++;
        if (d == ',')
            continue;
        if (d == '}')
            return 0;
        p->i--;
        return bad(p, "expected ',' or '}'");
    }
}

static int point_element(struct jp *p, void *ctx)
{
    struct matrix *m = ctx;
    if (m->pt_k == 0) {
        if (jnumber(p, &m->pt_t) != 0)
            return -1;
    } else if (m->pt_k == 1) {
        size_t off;
        if (jstring(p, &off) != 0)
            return -1;
        char *end;
        const char *s = p->arena + off;
        m->pt_v = strtod(s, &end);
        m->pt_ok = *s && !*end && isfinite(m->pt_v) && isfinite(m->pt_t);
        p->alen = off;
    } else {
        return bad(p, "a point of more than two items");
    }
    m->pt_k++;
    return 0;
}

/* A decimal of at most 15 significant digits in all (so below 2^53), with
 * at most 15 after the point, at s[*i]: its value, correctly rounded (the
 * digits as an integer and the power of ten are both exact doubles, and one
 * IEEE division rounds correctly), which is what strtod gives. Returns -1,
 * *i unmoved, for anything else (a sign, an exponent, more digits). */
static int short_decimal(const char *s, size_t n, size_t *i, double *v)
{
    static const double pow10[16] = { 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7,
                                      1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15 };
    size_t k = *i, digits = 0, frac = 0;
    uint64_t d = 0;
    if (k >= n || s[k] < '0' || s[k] > '9' || (s[k] == '0' && k + 1 < n && s[k + 1] >= '0' &&
                                               s[k + 1] <= '9'))
        return -1; /* JSON has no leading zeros */
    while (k < n && s[k] >= '0' && s[k] <= '9' && digits < 16)
        d = d * 10 + (uint64_t)(s[k++] - '0'), digits++;
    if (k < n && s[k] == '.') {
        k++;
        size_t f0 = k;
        while (k < n && s[k] >= '0' && s[k] <= '9' && digits < 16)
            d = d * 10 + (uint64_t)(s[k++] - '0'), digits++;
        frac = k - f0;
        if (frac == 0)
            return -1;
    }
    if (digits > 15 || (k < n && ((s[k] >= '0' && s[k] <= '9') || s[k] == 'e' || s[k] == 'E')))
        return -1;
    *v = (double)d / pow10[frac];
    *i = k;
    return 0;
}

/* A point as Prometheus writes it, [1733390000.123,"123456"], read without
 * the general parser (about a tenth of the work); 0 when read, -1 (nothing
 * consumed) when it is written otherwise, for the general path to judge. */
static int point_fast(struct jp *p, double *t, double *v)
{
    const char *s = p->s;
    size_t i = p->i, n = p->n;
    if (i >= n || s[i] != '[')
        return -1;
    i++;
    if (short_decimal(s, n, &i, t) != 0 || n - i < 2 || s[i] != ',' || s[i + 1] != '"')
        return -1;
    i += 2;
    if (short_decimal(s, n, &i, v) != 0 || n - i < 2 || s[i] != '"' || s[i + 1] != ']')
        return -1;
    p->i = i + 2;
    return 0;
}

static int value_element(struct jp *p, void *ctx)
{
    struct matrix *m = ctx;
    m->pt_k = 0;
    m->pt_ok = 0;
    ws(p);
    if (point_fast(p, &m->pt_t, &m->pt_v) == 0) {
        m->pt_ok = 1;
    } else {
        if (array(p, point_element, m) != 0)
            return -1;
        if (m->pt_k != 2)
            return bad(p, "a point of fewer than two items");
        if (!m->pt_ok)
            return 0;
    }
    if (m->n == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 256;
        double *t = realloc(m->t, cap * sizeof *t);
        if (!t)
            return jfail(p, "out of memory");
        m->t = t;
        double *v = realloc(m->v, cap * sizeof *v);
        if (!v)
            return jfail(p, "out of memory");
        m->v = v;
        m->cap = cap;
    }
    m->t[m->n] = m->pt_t;
    m->v[m->n] = m->pt_v;
    m->n++;
    return 0;
}

static int series_member(struct jp *p, const char *key, void *ctx)
{
    struct matrix *m = ctx;
    if (!strcmp(key, "metric"))
        return metric_object(p, m);
    if (!strcmp(key, "values"))
        return array(p, value_element, m);
    return skip_value(p);
}

static int series_element(struct jp *p, void *ctx)
{
    struct matrix *m = ctx;
    size_t mark = p->alen;
    m->n_labels = 0;
    m->n = 0;
    if (object(p, series_member, m) != 0)
        return -1;
    struct promq_label labels[PROMQ_MAX_LABELS];
    for (size_t k = 0; k < m->n_labels; k++) {
        labels[k].name = p->arena + m->name_off[k];
        labels[k].value = p->arena + m->value_off[k];
    }
    struct promq_series s = { labels, m->n_labels, m->t, m->v, m->n };
    p->alen = mark;
    if (m->fn(m->arg, &s) != 0)
        return jfail(p, "stopped");
    p->alen = mark; /* names and values are the callback's to copy */
    return 0;
}

static int data_member(struct jp *p, const char *key, void *ctx)
{
    struct matrix *m = ctx;
    if (!strcmp(key, "resultType"))
        return kind_value(p, "matrix", &m->type_seen, &m->is_matrix);
    if (!strcmp(key, "result")) {
        if (m->type_seen && !m->is_matrix)
            return jfail(p, "the answer is not a matrix");
        return array(p, series_element, m);
    }
    return skip_value(p);
}

static int matrix_data(struct jp *p, void *ctx)
{
    return object(p, data_member, ctx);
}

int promq_parse_matrix(const char *buf, size_t len, promq_series_fn fn, void *arg, char *why,
                       size_t wn)
{
    struct matrix m = { .fn = fn, .arg = arg };
    struct envelope e = { .data_fn = matrix_data, .data_ctx = &m };
    int rc = parse_envelope(buf, len, &e, why, wn);
    if (rc == 0 && !(m.type_seen && m.is_matrix)) {
        snprintf(why, wn, "the answer is not a matrix");
        rc = -1;
    }
    free(m.t);
    free(m.v);
    return rc;
}

/* ---- a list of strings ---- */

struct strings {
    promq_string_fn fn;
    void *arg;
};

static int string_element(struct jp *p, void *ctx)
{
    struct strings *st = ctx;
    size_t off;
    if (jstring(p, &off) != 0)
        return -1;
    int rc = st->fn(st->arg, p->arena + off);
    p->alen = off;
    return rc != 0 ? jfail(p, "stopped") : 0;
}

static int strings_data(struct jp *p, void *ctx)
{
    return array(p, string_element, ctx);
}

int promq_parse_strings(const char *buf, size_t len, promq_string_fn fn, void *arg, char *why,
                        size_t wn)
{
    struct strings st = { fn, arg };
    struct envelope e = { .data_fn = strings_data, .data_ctx = &st };
    return parse_envelope(buf, len, &e, why, wn);
}

/* ---- targets: every "scrapeInterval" anywhere in the data ---- */

static int interval_value(struct jp *p, double *best);

static int interval_member(struct jp *p, const char *key, void *ctx)
{
    double *best = ctx;
    if (!strcmp(key, "scrapeInterval") && peek(p) == '"') {
        size_t off;
        if (jstring(p, &off) != 0)
            return -1;
        double d = promq_duration(p->arena + off);
        if (d > 0 && (*best == 0 || d < *best))
            *best = d;
        p->alen = off;
        return 0;
    }
    return interval_value(p, best);
}

static int interval_element(struct jp *p, void *ctx)
{
    return interval_value(p, ctx);
}

static int interval_value(struct jp *p, double *best)
{
    int c = peek(p);
    if (c == '{')
        return object(p, interval_member, best);
    if (c == '[')
        return array(p, interval_element, best);
    return skip_value(p);
}

static int interval_data(struct jp *p, void *ctx)
{
    return interval_value(p, ctx);
}

int promq_parse_interval(const char *buf, size_t len, double *interval, char *why, size_t wn)
{
    *interval = 0;
    struct envelope e = { .data_fn = interval_data, .data_ctx = interval };
    return parse_envelope(buf, len, &e, why, wn);
}

/* ---- flags: the value of one ---- */

struct flag {
    const char *name;
    char *out;
    size_t n;
};

static int flag_member(struct jp *p, const char *key, void *ctx)
{
    struct flag *f = ctx;
    if (!strcmp(key, f->name) && peek(p) == '"') {
        size_t off;
        if (jstring(p, &off) != 0)
            return -1;
        snprintf(f->out, f->n, "%s", p->arena + off);
        p->alen = off;
        return 0;
    }
    return skip_value(p);
}

static int flag_data(struct jp *p, void *ctx)
{
    return object(p, flag_member, ctx);
}

int promq_parse_flag(const char *buf, size_t len, const char *name, char *out, size_t n,
                     char *why, size_t wn)
{
    out[0] = '\0';
    struct flag f = { name, out, n };
    struct envelope e = { .data_fn = flag_data, .data_ctx = &f };
    return parse_envelope(buf, len, &e, why, wn);
}

double promq_duration(const char *s)
{
    static const struct {
        const char *u;
        double secs;
    } units[] = { { "ms", 0.001 }, { "y", 365 * 86400.0 }, { "w", 7 * 86400.0 },
                  { "d", 86400 },  { "h", 3600 },          { "m", 60 },
                  { "s", 1 } };
    double total = 0;
    int parts = 0;
    while (*s) {
        if (*s < '0' || *s > '9')
            return -1;
        double x = 0;
        int digits = 0;
        while (*s >= '0' && *s <= '9' && digits < 15) {
            x = x * 10 + (*s++ - '0');
            digits++;
        }
        if (*s >= '0' && *s <= '9')
            return -1;
        size_t k;
        for (k = 0; k < sizeof units / sizeof units[0]; k++)
            if (!strncmp(s, units[k].u, strlen(units[k].u)))
                break;
        if (k == sizeof units / sizeof units[0])
            return -1;
        s += strlen(units[k].u);
        total += x * units[k].secs;
        parts++;
    }
    return parts ? total : -1;
}
