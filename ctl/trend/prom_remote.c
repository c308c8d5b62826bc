/* SPDX-License-Identifier: MIT
 * trend/prom_remote.c - the frames of a remote-read answer, read in order: a
 * series may span frames (each repeats its labels), so samples gather until
 * the labels change, then the series is sampled at the steps and handed on.
 * Only the samples that some step can see, [first step - lookback, last
 * step], are kept.
 */
#include "trend/prom_remote.h"

#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prom/chunked_read.h"
#include "prom/xor_chunk.h"
#include "trend/step_sample.h"

struct take {
    const struct promrr_steps *st;
    promq_series_fn fn;
    void *arg;
    /* the series gathering: its labels (copied, NUL-terminated) and samples */
    struct promq_label labels[PROMQ_MAX_LABELS];
    size_t n_labels;
    char *arena;
    size_t arena_len, arena_cap;
    struct xor_sample *s;
    size_t n, cap;
    int open;
    double *pt, *pv; /* the points, st->n each */
};

static void *grow(void *p, size_t *cap, size_t want, size_t size)
{
    if (want <= *cap)
        return p;
    size_t c = *cap ? *cap : 256;
    while (c < want)
        c *= 2;
    p = realloc(p, c * size);
    if (!p)
        err(1, "malloc");
    *cap = c;
    return p;
}

static int same_labels(const struct take *tk, const struct chunked_series *cs)
{
    if (!tk->open || cs->n_labels != tk->n_labels)
        return 0;
    for (size_t i = 0; i < cs->n_labels; i++) {
        const struct chunked_label *l = &cs->labels[i];
        if (strlen(tk->labels[i].name) != l->name_len ||
            memcmp(tk->labels[i].name, l->name, l->name_len) != 0 ||
            strlen(tk->labels[i].value) != l->value_len ||
            memcmp(tk->labels[i].value, l->value, l->value_len) != 0)
            return 0;
    }
    return 1;
}

/* Samples the series gathered and hands it on. */
static int flush(struct take *tk)
{
    if (!tk->open)
        return 0;
    tk->open = 0;
    size_t n = step_order(tk->s, tk->n);
    size_t np = step_sample(tk->s, n, tk->st->ms, tk->st->n, tk->st->lookback_ms, tk->pt, tk->pv);
    if (np == 0)
        return 0; /* no point at any step: a range query leaves it out too */
    struct promq_series q = { .labels = tk->labels, .n_labels = tk->n_labels, .t = tk->pt,
                              .v = tk->pv, .n = np };
    return tk->fn(tk->arg, &q);
}

static int open_series(struct take *tk, const struct chunked_series *cs, char *why, size_t wn)
{
    if (cs->n_labels > PROMQ_MAX_LABELS) {
        snprintf(why, wn, "a series with more than %d labels", PROMQ_MAX_LABELS);
        return -1;
    }
    size_t need = 0;
    for (size_t i = 0; i < cs->n_labels; i++) {
        const struct chunked_label *l = &cs->labels[i];
        if (memchr(l->name, 0, l->name_len) || memchr(l->value, 0, l->value_len)) {
            snprintf(why, wn, "a label with a NUL byte");
            return -1;
        }
        need += l->name_len + l->value_len + 2;
    }
    tk->arena = grow(tk->arena, &tk->arena_cap, need, 1);
    char *a = tk->arena;
    for (size_t i = 0; i < cs->n_labels; i++) {
        const struct chunked_label *l = &cs->labels[i];
        tk->labels[i].name = a;
        memcpy(a, l->name, l->name_len);
        a += l->name_len;
        *a++ = '\0';
        tk->labels[i].value = a;
        memcpy(a, l->value, l->value_len);
        a += l->value_len;
        *a++ = '\0';
    }
    tk->n_labels = cs->n_labels;
    tk->n = 0;
    tk->open = 1;
    return 0;
}

static int on_series(void *arg, const struct chunked_series *cs, char *why, size_t wn)
{
    struct take *tk = arg;
    if (!same_labels(tk, cs)) {
        if (flush(tk) != 0 || open_series(tk, cs, why, wn) != 0)
            return -1;
    }
    int64_t lo = tk->st->ms[0] - tk->st->lookback_ms, hi = tk->st->ms[tk->st->n - 1];
    for (size_t i = 0; i < cs->n_chunks; i++) {
        const struct chunked_chunk *c = &cs->chunks[i];
        if (c->type != CHUNK_TYPE_XOR) {
            snprintf(why, wn, "a chunk of encoding %llu, not XOR", (unsigned long long)c->type);
            return -1;
        }
        long k = xor_chunk_count(c->data, c->len);
        if (k < 0 || tk->n + (size_t)k > PROMRR_MAX_SAMPLES) {
            snprintf(why, wn, k < 0 ? "bad XOR chunk" : "a series of more than %u samples",
                     PROMRR_MAX_SAMPLES);
            return -1;
        }
        tk->s = grow(tk->s, &tk->cap, tk->n + (size_t)k, sizeof *tk->s);
        if (xor_chunk_decode(c->data, c->len, tk->s + tk->n) != k) {
            snprintf(why, wn, "bad XOR chunk");
            return -1;
        }
        /* keep what a step can see */
        size_t o = tk->n;
        for (size_t j = tk->n; j < tk->n + (size_t)k; j++)
            if (tk->s[j].t >= lo && tk->s[j].t <= hi)
                tk->s[o++] = tk->s[j];
        tk->n = o;
    }
    return 0;
}

int promrr_take(const void *body, size_t len, const struct promrr_steps *st, promq_series_fn fn,
                void *arg, char *why, size_t wn)
{
    if (st->n == 0)
        return 0;
    struct take tk = { .st = st, .fn = fn, .arg = arg };
    tk.pt = malloc(st->n * sizeof *tk.pt);
    tk.pv = malloc(st->n * sizeof *tk.pv);
    if (!tk.pt || !tk.pv)
        err(1, "malloc");
    int rc = chunked_read(body, len, on_series, &tk, why, wn);
    if (rc == 0 && flush(&tk) != 0) {
        snprintf(why, wn, "stopped");
        rc = -1;
    }
    free(tk.pt);
    free(tk.pv);
    free(tk.s);
    free(tk.arena);
    return rc;
}
