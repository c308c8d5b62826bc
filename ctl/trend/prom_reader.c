/* SPDX-License-Identifier: MIT
 * trend/prom_reader.c - asks Prometheus for heaptag_live_bytes over the
 * window: first the scrape interval (for the step) and the instances, then
 * per instance one remote read of the stored chunks (POST /api/v1/read,
 * streamed: no decoding and no JSON on the server's side), sampled here at
 * the steps a range query would have used; or, when the server does not
 * offer remote read or --match is not plain label matchers, one range query
 * per instance, cut into time slices so that no query asks
 * for more than PROMR_MAX_STEPS points per series or PROMR_MAX_SAMPLES in
 * all, halved again when the server still says it is too much. Series met in
 * several slices are one series (keyed by every label). PROMR_FETCHERS
 * threads fetch the next slices while this one reads the last: the server
 * works on two queries while the answer of a third is read.
 */
#include "trend/prom_reader.h"

#include <err.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prom/http_client.h"
#include "prom/query_json.h"
#include "prom/read_request.h"
#include "prom/selector.h"
#include "trend/prom_remote.h"
#include "trend/step_sample.h"
#include "util/intern.h"
#include "util/text_safe.h"
#include "util/xsort.h"

#define PROMR_METRIC "heaptag_live_bytes"
#define PROMR_MAX_SPLIT 8 /* halvings of a slice the server refused */
#define PROMR_FETCHERS 2  /* queries in flight at once */
/* Steps remote read samples at, at most: their times, and a series' points
 * at them, are held at once (32 MB each). */
#define PROMR_REMOTE_MAX_STEPS (1u << 22)

struct pseries {
    struct log_series s;
    const char *key;
    size_t cap;
};

struct promr_data {
    struct http_url url;
    const struct promr_opts *o;
    double step;
    struct intern strs; /* every label value and key, one copy each */
    /* the series' key index: open addressing */
    size_t *index; /* series number + 1, by key hash; 0 empty */
    size_t index_cap;
    struct pseries *ps;
    size_t n, cap;
    struct log_series *out; /* the series with points, sorted; pts shared with ps */
    size_t n_out, snapshots, queries;
    /* remote read: the matchers of every request but the instance's, and the
     * steps of the range queries it stands for */
    int remote;
    struct prom_matchers base;
    int64_t *step_ms;
    struct promrr_steps steps;
};

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        err(1, "malloc");
    return p;
}

static void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p)
        err(1, "malloc");
    return p;
}

static uint64_t hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static const char *intern(struct promr_data *d, const char *s)
{
    return intern_str(&d->strs, s, strlen(s));
}

static void index_put(struct promr_data *d, size_t i)
{
    size_t k = hash(d->ps[i].key) & (d->index_cap - 1);
    while (d->index[k])
        k = (k + 1) & (d->index_cap - 1);
    d->index[k] = i + 1;
}

static struct pseries *series_for(struct promr_data *d, const char *key)
{
    if (d->index_cap) {
        size_t k = hash(key) & (d->index_cap - 1);
        for (; d->index[k]; k = (k + 1) & (d->index_cap - 1))
            if (!strcmp(d->ps[d->index[k] - 1].key, key))
                return &d->ps[d->index[k] - 1];
    }
    if (d->n == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 256;
        d->ps = xrealloc(d->ps, d->cap * sizeof *d->ps);
    }
    if (2 * (d->n + 1) > d->index_cap) {
        free(d->index);
        d->index_cap = d->index_cap ? d->index_cap * 2 : 1024;
        d->index = calloc(d->index_cap, sizeof *d->index);
        if (!d->index)
            err(1, "malloc");
        for (size_t i = 0; i < d->n; i++)
            index_put(d, i);
    }
    struct pseries *p = &d->ps[d->n];
    memset(p, 0, sizeof *p);
    p->key = intern(d, key);
    index_put(d, d->n++);
    return p;
}

static const char *label(const struct promq_series *s, const char *name)
{
    for (size_t i = 0; i < s->n_labels; i++)
        if (!strcmp(s->labels[i].name, name))
            return s->labels[i].value;
    return "";
}

static int take_series(void *arg, const struct promq_series *q)
{
    struct promr_data *d = arg;
    /* the key: every label but the name, as the server sorted them */
    size_t kl = 1;
    for (size_t i = 0; i < q->n_labels; i++)
        kl += strlen(q->labels[i].name) + strlen(q->labels[i].value) + 2;
    char *key = xmalloc(kl), *k = key;
    for (size_t i = 0; i < q->n_labels; i++) {
        if (!strcmp(q->labels[i].name, "__name__"))
            continue;
        k += sprintf(k, "%s\x1f%s\x1e", q->labels[i].name, q->labels[i].value);
    }
    *k = '\0';
    struct pseries *p = series_for(d, key);
    free(key);
    if (!p->s.tag) {
        const char *pid = label(q, "pid");
        char *end;
        long v = strtol(pid, &end, 10);
        p->s.pid = *pid && !*end && v > 0 && v <= INT32_MAX ? (int)v : 0;
        p->s.instance = intern(d, label(q, "instance"));
        p->s.exe = intern(d, label(q, "exe"));
        const char *tag = label(q, "tag");
        p->s.tag = intern(d, *tag ? tag : label(q, "function"));
        p->s.site = intern(d, label(q, "site"));
        p->s.func = intern(d, label(q, "function"));
        p->s.file = intern(d, label(q, "file"));
        p->s.type = *label(q, "function") || *p->s.site ? "Site" : "Tag";
        p->s.build_id = "";
        p->s.exit_code = -1;
    }
    if (p->s.n + q->n > p->cap) {
        p->cap = p->s.n + q->n; /* most series come in one slice: no slack */
        p->s.pts = xrealloc(p->s.pts, p->cap * sizeof *p->s.pts);
    }
    for (size_t i = 0; i < q->n; i++) {
        if (!(q->v[i] >= 0) || q->v[i] > 1.8e19)
            continue; /* not a byte count */
        p->s.pts[p->s.n++] = (struct log_point){ .t = q->t[i], .live = (uint64_t)llround(q->v[i]),
                                                 .state = LOG_STATE_UNKNOWN };
    }
    return 0;
}

/* GETs target and returns the body, or NULL with why (the status and the
 * server's words when it answered). */
static char *get(const struct promr_data *d, const char *target, size_t *len, int *status,
                 char *why, size_t wn)
{
    char *body;
    if (d->o->verbose)
        fprintf(stderr, "trend: GET %s\n", target);
    if (http_get(&d->url, target, status, &body, len, why, wn) != 0)
        return NULL;
    return body;
}

/* "heaptag_live_bytes{<match inside>,instance="X"}" */
static void selector(char *buf, size_t n, const char *match, const char *instance)
{
    size_t o = (size_t)snprintf(buf, n, "%s{", PROMR_METRIC);
    if (match) {
        size_t ml = strlen(match);
        o += (size_t)snprintf(buf + o, n > o ? n - o : 0, "%.*s", (int)(ml - 2), match + 1);
    }
    if (instance) {
        o += (size_t)snprintf(buf + o, n > o ? n - o : 0, "%sinstance=\"",
                              match && strlen(match) > 2 ? "," : "");
        for (const char *c = instance; *c && o + 4 < n; c++) {
            if (*c == '\\' || *c == '"')
                buf[o++] = '\\';
            if (*c == '\n') {
                buf[o++] = '\\';
                buf[o++] = 'n';
                continue;
            }
            buf[o++] = *c;
        }
        o += (size_t)snprintf(buf + o, n > o ? n - o : 0, "\"");
    }
    snprintf(buf + o, n > o ? n - o : 0, "}");
}

static int too_much(const char *why)
{
    return strstr(why, "too many samples") || strstr(why, "exceeded maximum resolution") ||
           strstr(why, "would load too many") || strstr(why, "query processing");
}

/* The target of a range query of sel over [start, end]; -1 when too long. */
static int range_target(const struct promr_data *d, char *target, size_t tn, const char *sel,
                        double start, double end)
{
    snprintf(target, tn, "/api/v1/query_range?query=");
    if (http_query_escape(target, tn, sel) != 0)
        return -1;
    size_t o = strlen(target);
    snprintf(target + o, tn - o, "&start=%.3f&end=%.3f&step=%.3f", start, end, d->step);
    return 0;
}

static int query_slice(struct promr_data *d, const char *sel, double start, double end,
                       int depth, char *why, size_t wn);

/* Takes in the answer (body, freed here) of the range query of sel over
 * [start, end]: every series, or none of it when it cannot be read; a
 * slice the server found too big is asked again in halves. */
static int take_slice(struct promr_data *d, char *body, size_t len, int status, const char *sel,
                      double start, double end, int depth, char *why, size_t wn)
{
    size_t before = d->n;
    size_t *had = NULL;
    /* a failed parse must not leave half a batch: remember the lengths */
    had = xmalloc((d->n ? d->n : 1) * sizeof *had);
    for (size_t i = 0; i < d->n; i++)
        had[i] = d->ps[i].s.n;
    char pwhy[300];
    int rc = d->remote ? promrr_take(body, len, &d->steps, take_series, d, pwhy, sizeof pwhy)
                       : promq_parse_matrix(body, len, take_series, d, pwhy, sizeof pwhy);
    free(body);
    if (rc != 0) {
        for (size_t i = 0; i < before; i++)
            d->ps[i].s.n = had[i];
        for (size_t i = before; i < d->n; i++)
            d->ps[i].s.n = 0; /* new series left empty; dropped at the end */
        free(had);
        if (!d->remote && too_much(pwhy) && depth < PROMR_MAX_SPLIT &&
            end - start > 2 * d->step) {
            double mid = start + floor((end - start) / 2 / d->step) * d->step;
            return query_slice(d, sel, start, mid, depth + 1, why, wn) != 0 ||
                   query_slice(d, sel, mid + d->step, end, depth + 1, why, wn) != 0 ? -1 : 0;
        }
        snprintf(why, wn, "%s (HTTP %d): %s", d->remote ? "remote read" : "query_range", status,
                 pwhy);
        return -1;
    }
    free(had);
    return 0;
}

static int query_slice(struct promr_data *d, const char *sel, double start, double end,
                       int depth, char *why, size_t wn)
{
    char target[12288];
    if (range_target(d, target, sizeof target, sel, start, end) != 0) {
        snprintf(why, wn, "--match too long");
        return -1;
    }
    size_t len;
    int status;
    d->queries++;
    char *body = get(d, target, &len, &status, why, wn);
    if (!body)
        return -1;
    return take_slice(d, body, len, status, sel, start, end, depth, why, wn);
}

/* The slices to ask for, in order: per instance, time slices of at most
 * PROMR_MAX_STEPS steps. */
struct slice {
    char *sel;
    double start, end;
    char target[12288];
    unsigned char *post; /* remote read: the request's body, POSTed to target */
    size_t post_len;
    /* the answer, filled by a fetcher */
    char *body;
    size_t len;
    int status, done;
    char ctype[128], cenc[32]; /* of a POST's answer */
    char why[300];
};

struct fetch {
    const struct promr_data *d;
    struct slice *v;
    size_t n;
    size_t next;  /* the next to fetch */
    size_t taken; /* slices read so far by the reader */
    int stop;
    pthread_mutex_t mu;
    pthread_cond_t cv;
};

/* The first line of an error answer, cut short, for a message. */
static void first_line(char *out, size_t n, const char *body, size_t len)
{
    size_t l = 0;
    while (l < len && l + 1 < n && body[l] != '\n' && body[l] != '\r')
        l++;
    memcpy(out, body, l);
    out[l] = '\0';
}

/* Whether s's answer is the streamed remote read asked for; why not in
 * why otherwise (the server's words as it said them: print them safe). */
static int streamed(const struct slice *s, char *why, size_t wn)
{
    if (s->status != 200) {
        char line[160];
        first_line(line, sizeof line, s->body, s->len);
        snprintf(why, wn, "remote read answered HTTP %d%s%s", s->status, line[0] ? ": " : "",
                 line);
        return 0;
    }
    if (s->cenc[0] || strcmp(s->ctype, READ_RESPONSE_STREAMED) != 0) {
        snprintf(why, wn, "remote read answered '%.100s'%s%.30s, not streamed chunks", s->ctype,
                 s->cenc[0] ? " encoded " : "", s->cenc);
        return 0;
    }
    return 1;
}

/* Fetches s: its range query, or its remote read. Returns the body, or
 * NULL with s->why. A remote read that is not answered with streamed chunks
 * keeps its body (the caller decides) with status and type set. */
static char *fetch_slice(const struct promr_data *d, struct slice *s)
{
    if (!s->post)
        return get(d, s->target, &s->len, &s->status, s->why, sizeof s->why);
    if (d->o->verbose) { /* from a fetcher thread: its own buffer */
        char safe[512];
        fprintf(stderr, "trend: POST %s %s\n", s->target, text_safe(safe, sizeof safe, s->sel));
    }
    struct http_answer a;
    if (http_post(&d->url, s->target, READ_REQUEST_HEADERS, s->post, s->post_len, &a, s->why,
                  sizeof s->why) != 0)
        return NULL;
    s->status = a.status;
    s->len = a.len;
    snprintf(s->ctype, sizeof s->ctype, "%s", a.content_type);
    snprintf(s->cenc, sizeof s->cenc, "%s", a.content_encoding);
    return a.body;
}

static void *fetch_main(void *arg)
{
    struct fetch *f = arg;
    pthread_mutex_lock(&f->mu);
    for (;;) {
        /* two in flight and one read: no more answers held than that */
        while (!f->stop && f->next < f->n && f->next >= f->taken + PROMR_FETCHERS + 1)
            pthread_cond_wait(&f->cv, &f->mu);
        if (f->stop || f->next >= f->n)
            break;
        struct slice *s = &f->v[f->next++];
        pthread_mutex_unlock(&f->mu);
        char *body = fetch_slice(f->d, s);
        pthread_mutex_lock(&f->mu);
        s->body = body;
        s->done = 1;
        pthread_cond_broadcast(&f->cv);
    }
    pthread_mutex_unlock(&f->mu);
    return NULL;
}

/* A time as the query API reads the "%.3f" it is sent (web/api/v1 parseTime,
 * then promql's timeMilliseconds), in ms. */
static int64_t api_time_ms(double t)
{
    char s[64];
    snprintf(s, sizeof s, "%.3f", t);
    double v = strtod(s, NULL), whole = trunc(v), frac = v - whole;
    frac = round(frac * 1000) / 1000;
    int64_t ns = (int64_t)whole * 1000000000 + (int64_t)(frac * 1e9);
    return ns / 1000000;
}

/* A step as the query API reads it (parseDuration, durationMilliseconds). */
static int64_t api_step_ms(double step)
{
    char s[64];
    snprintf(s, sizeof s, "%.3f", step);
    return (int64_t)(strtod(s, NULL) * 1e9) / 1000000;
}

/* The steps the range queries of the window would be evaluated at: the
 * slices add_slices would cut, each from its start by the step to its end. */
static void remote_steps(struct promr_data *d)
{
    double span = PROMR_MAX_STEPS * d->step;
    int64_t step = api_step_ms(d->step);
    size_t n = 0, cap = 0;
    if (step <= 0)
        step = 1;
    for (double t = d->o->start; t <= d->o->end; t += span + d->step) {
        int64_t a = api_time_ms(t), b = api_time_ms(fmin(t + span, d->o->end));
        for (int64_t ms = a; ms <= b; ms += step) {
            if (n && ms <= d->step_ms[n - 1])
                continue;
            if (n == cap) {
                cap = cap ? cap * 2 : 1024;
                d->step_ms = xrealloc(d->step_ms, cap * sizeof *d->step_ms);
            }
            d->step_ms[n++] = ms;
        }
    }
    d->steps = (struct promrr_steps){ d->step_ms, n, STEP_LOOKBACK_MS };
}

/* The server's --query.lookback-delta in ms, from its flags; the default
 * when it does not say (0 means the default there too). */
static int64_t server_lookback_ms(struct promr_data *d)
{
    size_t len;
    int status;
    char why[300], v[64];
    d->queries++;
    char *body = get(d, "/api/v1/status/flags", &len, &status, why, sizeof why);
    double s = -1;
    if (body && promq_parse_flag(body, len, "query.lookback-delta", v, sizeof v, why,
                                 sizeof why) == 0)
        s = promq_duration(v);
    free(body);
    if (!(s > 0) || s > 86400 * 365)
        return STEP_LOOKBACK_MS;
    return llround(s * 1000);
}

/* The remote read of one instance's series over the window. */
static int add_remote(struct promr_data *d, struct slice **v, size_t *n, const char *instance,
                      char *why, size_t wn)
{
    struct prom_matchers ms = d->base;
    if (instance && prom_matchers_add(&ms, PROM_MATCH_EQ, "instance", instance) != 0) {
        snprintf(why, wn, "--match too long");
        return -1;
    }
    *v = xrealloc(*v, (*n + 1) * sizeof **v);
    struct slice *s = &(*v)[*n];
    memset(s, 0, sizeof *s);
    char sel[8192];
    selector(sel, sizeof sel, d->o->match, instance);
    s->sel = strdup(sel);
    if (!s->sel)
        err(1, "malloc");
    (*n)++;
    snprintf(s->target, sizeof s->target, "/api/v1/read");
    int64_t lo = d->steps.n ? d->steps.ms[0] - d->steps.lookback_ms : 0;
    int64_t hi = d->steps.n ? d->steps.ms[d->steps.n - 1] : 0;
    s->post = read_request_body(lo, hi, &ms, &s->post_len);
    return 0;
}

static int add_slices(struct promr_data *d, struct slice **v, size_t *n, const char *instance,
                      char *why, size_t wn)
{
    if (d->remote)
        return add_remote(d, v, n, instance, why, wn);
    char sel[8192];
    selector(sel, sizeof sel, d->o->match, instance);
    double span = PROMR_MAX_STEPS * d->step;
    for (double t = d->o->start; t <= d->o->end; t += span + d->step) {
        *v = xrealloc(*v, (*n + 1) * sizeof **v);
        struct slice *s = &(*v)[*n];
        memset(s, 0, sizeof *s);
        s->start = t;
        s->end = fmin(t + span, d->o->end);
        s->sel = strdup(sel);
        if (!s->sel)
            err(1, "malloc");
        (*n)++;
        if (range_target(d, s->target, sizeof s->target, sel, s->start, s->end) != 0) {
            snprintf(why, wn, "--match too long");
            return -1;
        }
    }
    return 0;
}

/* Asks for every slice, PROMR_FETCHERS at a time, and takes the answers
 * in order. */
static int query_slices(struct promr_data *d, struct slice *v, size_t n, size_t first, char *why,
                        size_t wn)
{
    struct fetch f = { .d = d, .v = v, .n = n, .next = first, .taken = first };
    pthread_mutex_init(&f.mu, NULL);
    pthread_cond_init(&f.cv, NULL);
    pthread_t tid[PROMR_FETCHERS];
    size_t started = 0;
    for (size_t k = 0; k < PROMR_FETCHERS && k < n; k++)
        if (pthread_create(&tid[started], NULL, fetch_main, &f) == 0)
            started++;
    int rc = 0;
    for (size_t i = first; i < n && rc == 0; i++) {
        struct slice *s = &v[i];
        pthread_mutex_lock(&f.mu);
        if (!started && f.next == i) { /* no thread: fetch it here */
            f.next++;
            pthread_mutex_unlock(&f.mu);
            s->body = fetch_slice(d, s);
            pthread_mutex_lock(&f.mu);
            s->done = 1;
        }
        while (!s->done)
            pthread_cond_wait(&f.cv, &f.mu);
        pthread_mutex_unlock(&f.mu);
        d->queries++;
        if (!s->body) {
            snprintf(why, wn, "%s", s->why);
            rc = -1;
        } else if (s->post && !streamed(s, why, wn)) {
            rc = -1;
        } else {
            rc = take_slice(d, s->body, s->len, s->status, s->sel, s->start, s->end, 0, why, wn);
            s->body = NULL; /* freed there */
        }
        pthread_mutex_lock(&f.mu);
        f.taken = i + 1;
        if (rc != 0)
            f.stop = 1;
        pthread_cond_broadcast(&f.cv);
        pthread_mutex_unlock(&f.mu);
    }
    for (size_t k = 0; k < started; k++)
        pthread_join(tid[k], NULL);
    for (size_t i = first; i < n; i++)
        free(v[i].body); /* fetched ahead of a failure */
    pthread_cond_destroy(&f.cv);
    pthread_mutex_destroy(&f.mu);
    return rc;
}

struct inst_list {
    char **v;
    size_t n;
};

static int take_instance(void *arg, const char *s)
{
    struct inst_list *l = arg;
    l->v = xrealloc(l->v, (l->n + 1) * sizeof *l->v);
    l->v[l->n] = strdup(s);
    if (!l->v[l->n])
        err(1, "malloc");
    l->n++;
    return 0;
}

static double scrape_interval(struct promr_data *d)
{
    size_t len;
    int status;
    char why[300];
    d->queries++;
    char *body = get(d, "/api/v1/targets?state=active", &len, &status, why, sizeof why);
    double iv = 0;
    if (body && promq_parse_interval(body, len, &iv, why, sizeof why) != 0)
        iv = 0;
    free(body);
    return iv;
}

static int cmp_pt(const void *pa, const void *pb)
{
    const struct log_point *a = pa, *b = pb;
    return (a->t > b->t) - (a->t < b->t);
}

static int cmp_out(const void *pa, const void *pb)
{
    const struct log_series *a = pa, *b = pb;
    int c = strcmp(a->instance, b->instance);
    if (c)
        return c;
    if (a->pid != b->pid)
        return a->pid < b->pid ? -1 : 1;
    if ((c = strcmp(a->exe, b->exe)) || (c = strcmp(a->tag, b->tag)) ||
        (c = strcmp(a->func, b->func)) || (c = strcmp(a->file, b->file)))
        return c;
    return strcmp(a->site, b->site);
}

static void finish(struct promr_data *d)
{
    d->out = xmalloc(d->n * sizeof *d->out);
    size_t m = 0;
    for (size_t i = 0; i < d->n; i++) {
        struct log_series *s = &d->ps[i].s;
        if (s->n == 0)
            continue;
        size_t k = 1;
        while (k < s->n && s->pts[k - 1].t <= s->pts[k].t)
            k++;
        if (k < s->n) /* slices come in time order: most series already are */
            xsort(s->pts, s->n, sizeof *s->pts, cmp_pt);
        k = 1;
        for (size_t j = 1; j < s->n; j++)
            if (s->pts[j].t != s->pts[k - 1].t)
                s->pts[k++] = s->pts[j];
        s->n = k;
        d->out[m++] = *s;
    }
    xsort(d->out, m, sizeof *d->out, cmp_out);
    d->n_out = m;
    /* snapshots: per process, the points of its longest row */
    for (size_t i = 0; i < m;) {
        size_t j = i, most = 0;
        while (j < m && d->out[j].pid == d->out[i].pid &&
               !strcmp(d->out[j].instance, d->out[i].instance)) {
            most = d->out[j].n > most ? d->out[j].n : most;
            j++;
        }
        d->snapshots += most;
        i = j;
    }
}

/* Whether to read remotely: not when asked not to, nor when --match is more
 * than label matchers (then it must, with --fetch read). */
static int choose_fetch(struct promr_data *d, char *why, size_t wn)
{
    if (d->o->fetch == PROMR_FETCH_QUERY)
        return 0;
    const char *mwhy = NULL;
    prom_matchers_add(&d->base, PROM_MATCH_EQ, "__name__", PROMR_METRIC);
    if (prom_selector_parse(d->o->match, &d->base, &mwhy) != 0) {
        if (d->o->fetch == PROMR_FETCH_READ) {
            snprintf(why, wn, "--match cannot be sent as remote read's label matchers (%s)", mwhy);
            return -1;
        }
        if (d->o->verbose)
            fprintf(stderr, "trend: --match is not plain label matchers (%s): range queries\n",
                    mwhy);
        return 0;
    }
    if ((d->o->end - d->o->start) / d->step >= PROMR_REMOTE_MAX_STEPS) {
        if (d->o->fetch == PROMR_FETCH_READ) {
            snprintf(why, wn, "more than %u steps for remote read: a longer --step",
                     PROMR_REMOTE_MAX_STEPS);
            return -1;
        }
        if (d->o->verbose)
            fprintf(stderr, "trend: more than %u steps: range queries\n", PROMR_REMOTE_MAX_STEPS);
        return 0;
    }
    remote_steps(d);
    d->steps.lookback_ms = server_lookback_ms(d);
    if (d->o->verbose)
        fprintf(stderr, "trend: remote read, sampled as range queries with a lookback of %gs\n",
                (double)d->steps.lookback_ms / 1000);
    d->remote = 1;
    return 0;
}

/* Frees what slices v[0, n) hold (their answers are freed as taken). */
static void clear_slices(struct slice *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].sel);
        free(v[i].post);
    }
}

/* The slices of every instance, or of the series without an instance
 * label when there is none. */
static int add_instances(struct promr_data *d, struct slice **v, size_t *n,
                         const struct inst_list *inst, char *why, size_t wn)
{
    if (inst->n == 0)
        return add_slices(d, v, n, NULL, why, wn); /* no instance label at all */
    for (size_t i = 0; i < inst->n; i++)
        if (add_slices(d, v, n, inst->v[i], why, wn) != 0)
            return -1;
    return 0;
}

/* Asks for the first instance's remote read alone: when the server does not
 * answer it with streamed chunks (no such endpoint, an old server, a proxy
 * that refuses POST), and --fetch is auto, every instance is asked by range
 * queries instead. Otherwise takes the answer in; *first is then 1. */
static int probe_remote(struct promr_data *d, struct slice **sl, size_t *ns, size_t *first,
                        const struct inst_list *inst, char *why, size_t wn)
{
    struct slice *s = &(*sl)[0];
    d->queries++;
    s->body = fetch_slice(d, s);
    if (!s->body) {
        snprintf(why, wn, "%s", s->why);
        return -1;
    }
    char nwhy[300];
    if (streamed(s, nwhy, sizeof nwhy)) {
        *first = 1;
        int rc = take_slice(d, s->body, s->len, s->status, s->sel, 0, 0, 0, why, wn);
        s->body = NULL;
        return rc;
    }
    free(s->body);
    s->body = NULL;
    if (d->o->fetch == PROMR_FETCH_READ) {
        snprintf(why, wn, "%s", nwhy);
        return -1;
    }
    if (d->o->verbose)
        fprintf(stderr, "trend: %s: range queries instead\n", text_safe_str(nwhy));
    clear_slices(*sl, *ns);
    *ns = 0;
    d->remote = 0;
    return add_instances(d, sl, ns, inst, why, wn);
}

struct promr_data *promr_read(const struct promr_opts *o, char *why, size_t wn)
{
    struct promr_data *d = calloc(1, sizeof *d);
    const char *uw;
    if (!d)
        err(1, "malloc");
    d->o = o;
    if (http_url_parse(o->url, &d->url, &uw) != 0) {
        snprintf(why, wn, "bad URL '%s': %s", o->url, uw);
        promr_free(d);
        return NULL;
    }
    d->step = o->step;
    if (d->step <= 0) {
        double iv = scrape_interval(d);
        d->step = iv > 0 ? iv : 60;
        double want = (o->end - o->start) / PROMR_TARGET_POINTS;
        if (want > d->step)
            d->step = ceil(want / d->step) * d->step;
    }
    /* the instances, one query each (a host's rows are what one server holds) */
    char sel[8192], target[12288];
    selector(sel, sizeof sel, o->match, NULL);
    snprintf(target, sizeof target, "/api/v1/label/instance/values?match[]=");
    if (http_query_escape(target, sizeof target, sel) != 0) {
        snprintf(why, wn, "--match too long");
        promr_free(d);
        return NULL;
    }
    size_t tl = strlen(target);
    snprintf(target + tl, sizeof target - tl, "&start=%.3f&end=%.3f", o->start, o->end);
    size_t len;
    int status;
    char pwhy[300];
    d->queries++;
    char *body = get(d, target, &len, &status, why, wn);
    if (!body) {
        promr_free(d);
        return NULL;
    }
    struct inst_list inst = { 0 };
    int rc = promq_parse_strings(body, len, take_instance, &inst, pwhy, sizeof pwhy);
    free(body);
    if (rc != 0) {
        snprintf(why, wn, "label values (HTTP %d): %s", status, pwhy);
    } else {
        rc = choose_fetch(d, why, wn);
        struct slice *sl = NULL;
        size_t ns = 0, first = 0;
        if (rc == 0)
            rc = add_instances(d, &sl, &ns, &inst, why, wn);
        if (rc == 0 && d->remote && ns > 0)
            rc = probe_remote(d, &sl, &ns, &first, &inst, why, wn);
        if (rc == 0)
            rc = query_slices(d, sl, ns, first, why, wn);
        clear_slices(sl, ns);
        free(sl);
    }
    for (size_t i = 0; i < inst.n; i++)
        free(inst.v[i]);
    free(inst.v);
    if (rc != 0) {
        promr_free(d);
        return NULL;
    }
    finish(d);
    return d;
}

void promr_free(struct promr_data *d)
{
    if (!d)
        return;
    free(d->step_ms);
    for (size_t i = 0; i < d->n; i++)
        free(d->ps[i].s.pts);
    intern_free(&d->strs);
    free(d->index);
    free(d->ps);
    free(d->out);
    free(d);
}

const struct log_series *promr_series(const struct promr_data *d, size_t *n)
{
    *n = d->n_out;
    return d->out;
}

size_t promr_snapshots(const struct promr_data *d)
{
    return d->snapshots;
}

double promr_step(const struct promr_data *d)
{
    return d->step;
}

size_t promr_queries(const struct promr_data *d)
{
    return d->queries;
}

const char *promr_fetched(const struct promr_data *d)
{
    return d->remote ? "remote read" : "query_range";
}

int promr_same_code(const struct log_series *a, const struct log_series *b)
{
    /* one after the other: processes of the same code side by side (workers)
     * are each their own */
    if (!a->n || !b->n)
        return 0;
    const struct log_series *first = a->pts[0].t <= b->pts[0].t ? a : b;
    const struct log_series *then = first == a ? b : a;
    if (first->pts[first->n - 1].t > then->pts[0].t + PROMR_RESTART_OVERLAP_S ||
        then->pts[then->n - 1].t <= first->pts[first->n - 1].t)
        return 0;
    return a->instance && b->instance && a->pid != b->pid && !strcmp(a->instance, b->instance) &&
           !strcmp(a->exe, b->exe) && !strcmp(a->tag, b->tag) && !strcmp(a->func, b->func) &&
           !strcmp(a->file, b->file);
}

int promr_match_ok(const char *m)
{
    size_t n = strlen(m);
    if (n < 2 || m[0] != '{' || m[n - 1] != '}')
        return -1;
    int quoted = 0;
    for (size_t i = 1; i + 1 < n; i++) {
        if (quoted && m[i] == '\\' && i + 2 < n) {
            i++;
            continue;
        }
        if (m[i] == '"' || m[i] == '\'' || m[i] == '`')
            quoted = !quoted;
        else if (!quoted && (m[i] == '{' || m[i] == '}'))
            return -1;
    }
    return quoted ? -1 : 0;
}
