/* SPDX-License-Identifier: MIT
 * trend_synth.h - synthetic rows for judging `heaptag trend`: bounded random
 * walks (a cache or a queue that wanders between limits, with churn on
 * top), a steady leak under churn, and a leak that starts in the middle
 * after a wandering first half (growing exactly 100 B a snapshot). Each row
 * is a function of its kind, its seed and its index only, so a test and the
 * synth_log tool draw the same rows. Header-only; no I/O.
 */
#ifndef HT_TREND_SYNTH_H
#define HT_TREND_SYNTH_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

enum synth_kind { SYNTH_WALK, SYNTH_LEAK, SYNTH_LATE };

static inline uint64_t synth_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static inline double synth_unit(uint64_t *s)
{
    return ((double)(synth_next(s) >> 11) + 0.5) / 9007199254740992.0;
}

static inline double synth_normal(uint64_t *s)
{
    double u = synth_unit(s), v = synth_unit(s);
    return sqrt(-2 * log(u)) * cos(6.283185307179586 * v);
}

/* Live bytes and live blocks of one row over n snapshots. The walk: steps of
 * sd `step` reflected between base +- width, white churn of sd `churn` on
 * top; blocks follow bytes at ~`size` bytes a block. */
static inline void synth_row(enum synth_kind kind, uint64_t seed, size_t n, double *live,
                             double *blocks)
{
    uint64_t s = seed * 0x2545f4914f6cdd1dULL + (uint64_t)kind;
    double base = 50000 + 450000 * synth_unit(&s);
    double step = 50 + 1950 * synth_unit(&s);
    double width = step * (20 + 180 * synth_unit(&s));
    double churn = 5000 * synth_unit(&s);
    double size = 64 + 960 * synth_unit(&s);
    double w = 0, leak_blocks = 0;
    for (size_t i = 0; i < n; i++) {
        double x;
        if (kind == SYNTH_LEAK) {
            /* 40 B a snapshot under churn of up to 5 KB */
            x = base + 40.0 * (double)i + churn * synth_normal(&s);
            leak_blocks = (double)i / 2;
        } else {
            w += step * synth_normal(&s);
            if (w > width)
                w = 2 * width - w;
            if (w < -width)
                w = -2 * width - w;
            x = base + w + churn * synth_normal(&s);
            if (kind == SYNTH_LATE && i >= n / 2) {
                /* from the middle on: exactly 100 B more every snapshot */
                x = live[n / 2 - 1] + 100.0 * (double)(i - n / 2 + 1);
                leak_blocks = (double)(i - n / 2 + 1);
            }
        }
        if (x < 0)
            x = 0;
        live[i] = floor(x);
        if (blocks)
            blocks[i] = floor((kind == SYNTH_LATE && i >= n / 2 ? blocks[n / 2 - 1]
                                                                : (base + w) / size) +
                              leak_blocks);
    }
}

#endif
