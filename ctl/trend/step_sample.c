/* SPDX-License-Identifier: MIT
 * trend/step_sample.c - one pass over samples and steps together, both in
 * time order.
 */
#include "trend/step_sample.h"

#include <math.h>
#include <string.h>

#include "util/xsort.h"

static int cmp_sample(const void *pa, const void *pb)
{
    const struct xor_sample *a = pa, *b = pb;
    if (a->t != b->t)
        return a->t < b->t ? -1 : 1;
    return 0;
}

size_t step_order(struct xor_sample *s, size_t n)
{
    size_t k = 1;
    while (k < n && s[k - 1].t < s[k].t)
        k++;
    if (k >= n)
        return n; /* the usual case: chunks in order, none overlapping */
    xsort(s, n, sizeof *s, cmp_sample);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (o > 0 && s[o - 1].t == s[i].t)
            o--;
        s[o++] = s[i];
    }
    return o;
}

size_t step_sample(const struct xor_sample *s, size_t n, const int64_t *steps, size_t ns,
                   int64_t lookback_ms, double *t, double *v)
{
    size_t o = 0, i = 0;
    for (size_t k = 0; k < ns; k++) {
        int64_t at = steps[k];
        while (i < n && s[i].t <= at)
            i++;
        if (i == 0 || s[i - 1].t < at - lookback_ms)
            continue; /* nothing in [at - lookback, at] */
        uint64_t bits = s[i - 1].v;
        if (bits == XOR_STALE_NAN)
            continue; /* the series ended */
        double val;
        memcpy(&val, &bits, sizeof val);
        if (!isfinite(val))
            continue;
        t[o] = (double)at / 1000;
        v[o] = val;
        o++;
    }
    return o;
}
