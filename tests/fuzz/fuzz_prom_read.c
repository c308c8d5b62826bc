/* SPDX-License-Identifier: MIT
 * fuzz_prom_read.c - libFuzzer target: a remote-read answer from a server
 * `trend --prometheus` does not control. The first two bytes are a step in
 * ms (little-endian, plus one), the rest the answer: it goes through the
 * frame reader (sizes, CRC-32C, ChunkedReadResponse protobuf), every chunk
 * through the XOR decoder, and the whole through the sampling at 256 steps
 * from the earliest chunk. Every series handed out has NUL-terminated labels,
 * at most a point a step, times among the steps in order and finite values.
 * The bytes are also read as a bare XOR chunk and as a --match selector.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "prom/chunked_read.h"
#include "prom/selector.h"
#include "prom/xor_chunk.h"
#include "trend/prom_remote.h"
#include "trend/step_sample.h"

#define STEPS 256

struct first {
    int64_t min_ms;
    int any;
};

static int scan(void *arg, const struct chunked_series *s, char *why, size_t wn)
{
    (void)why;
    (void)wn;
    struct first *f = arg;
    if (s->n_labels > CHUNKED_READ_MAX_LABELS)
        abort();
    for (size_t i = 0; i < s->n_chunks; i++) {
        const struct chunked_chunk *c = &s->chunks[i];
        if (!f->any || c->min_ms < f->min_ms)
            f->min_ms = c->min_ms;
        f->any = 1;
        long n = xor_chunk_count(c->data, c->len);
        if (n > 0) {
            struct xor_sample *out = malloc((size_t)n * sizeof *out);
            if (!out)
                abort();
            long k = xor_chunk_decode(c->data, c->len, out);
            if (k != -1 && k != n)
                abort();
            free(out);
        }
    }
    return 0;
}

struct check {
    const int64_t *steps;
};

static int check(void *arg, const struct promq_series *q)
{
    const struct check *c = arg;
    if (q->n == 0 || q->n > STEPS || q->n_labels > PROMQ_MAX_LABELS)
        abort();
    for (size_t i = 0; i < q->n_labels; i++)
        if (strlen(q->labels[i].name) > (1u << 30) || strlen(q->labels[i].value) > (1u << 30))
            abort();
    double last = -INFINITY;
    for (size_t i = 0; i < q->n; i++) {
        if (!isfinite(q->v[i]) || !(q->t[i] > last))
            abort();
        int found = 0;
        for (size_t k = 0; k < STEPS && !found; k++)
            found = q->t[i] == (double)c->steps[k] / 1000;
        if (!found)
            abort();
        last = q->t[i];
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char why[128];
    if (size >= 2) {
        int64_t step = (int64_t)(data[0] | data[1] << 8) + 1;
        const uint8_t *body = data + 2;
        size_t len = size - 2;
        struct first f = { 0 };
        chunked_read(body, len, scan, &f, why, sizeof why);
        if (strnlen(why, sizeof why) == sizeof why)
            abort();
        int64_t steps[STEPS], t0 = f.any && f.min_ms > INT64_MIN / 2 ? f.min_ms - 1000 : 0;
        if (t0 > INT64_MAX / 2)
            t0 = 0;
        for (size_t k = 0; k < STEPS; k++)
            steps[k] = t0 + (int64_t)k * step;
        struct promrr_steps st = { steps, STEPS, STEP_LOOKBACK_MS };
        struct check c = { steps };
        promrr_take(body, len, &st, check, &c, why, sizeof why);
    }
    long n = xor_chunk_count(data, size);
    if (n > 0) {
        struct xor_sample *out = malloc((size_t)n * sizeof *out);
        if (!out)
            abort();
        long k = xor_chunk_decode(data, size, out);
        if (k != -1 && k != n)
            abort();
        free(out);
    }
    if (size < 512 && !memchr(data, 0, size)) {
        char s[512];
        memcpy(s, data, size);
        s[size] = '\0';
        struct prom_matchers ms = { 0 };
        const char *mwhy;
        if (prom_selector_parse(s, &ms, &mwhy) == 0 && ms.n > PROM_MAX_MATCHERS)
            abort();
    }
    return 0;
}
