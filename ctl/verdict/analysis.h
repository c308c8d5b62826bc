/* SPDX-License-Identifier: MIT
 * verdict/analysis.h - decides whether one series of live bytes holds a leak
 * (growth that persists, from the start of the log or from an onset inside
 * it) or not (churn, a random walk, a trimmed cache, a one-off step, growth
 * that levels off), how fast it grows and since when. Pure arithmetic on the
 * points: no I/O, no globals, never modifies its input.
 */
#ifndef HT_TREND_ANALYSIS_H
#define HT_TREND_ANALYSIS_H

#include <stddef.h>

#include "verdict/series.h"

/* Fewer snapshots than this never make a suspect. */
#define TREND_MIN_POINTS 6
/* Fewest snapshots after an onset that can make a late leak. */
#define TREND_MIN_TAIL 5
/* Error allowed over the whole verdict (all rows, all onsets searched). */
#define TREND_ALPHA 0.01
/* The rate is a Theil-Sen slope over at most this many points (O(n^2)). */
#define TREND_MAX_POINTS 512

struct trend_result {
    int suspect;          /* passed every test at the family's error level */
    const char *reason;   /* why not, when not a suspect; NULL for a suspect */
    size_t n;             /* points in the series */
    size_t onset;         /* index of the first point of the growth */
    size_t tail;          /* points from the onset on */
    size_t candidates;    /* onsets searched (the correction for the search) */
    double onset_t;       /* time of the onset, seconds since the epoch */
    double rate_bph;      /* Theil-Sen slope since the onset, bytes per hour */
    double z;             /* trend statistic at the onset (normal scale) */
    double p_value;       /* one-sided p at the onset, not corrected */
    double p_row;         /* corrected for the onsets searched */
    double frac_up;       /* intervals since the onset that did not go down */
    double rise;          /* rate times the time since the onset, bytes */
    double drawdown;      /* largest drop below an earlier high since the onset */
    double confidence;    /* 1 - p corrected for rows and onsets; 0..1 */
    double score;         /* ranking key: rate times confidence */
    int by_blocks;        /* the live blocks (Diff) carried the test, the bytes rising too */
    size_t startup;       /* leading snapshots left out as start-up */
    /* a leak that stopped: suspect and stopped, grew from onset to stop,
     * then neither allocated nor gave it back */
    int stopped;
    size_t stop;          /* index of the last point of the growth */
    double stop_t;        /* its time */
    double held;          /* bytes still held at the end above the level at the onset */
};

/* Analyses n points sorted by time (as log_series gives them) as one row of
 * a log of `family` rows tested together: the verdict's error over all of
 * them stays under TREND_ALPHA (Bonferroni over rows and onsets). */
void trend_analyze_family(const struct log_point *p, size_t n, size_t family,
                          struct trend_result *r);

/* One row on its own (family of one), as the live screen asks. */
void trend_analyze(const struct log_point *p, size_t n, struct trend_result *r);

/* The trend statistic (normal scale, positive = growing) of x over times t
 * for growth starting at index k, with the noise model fitted to this very
 * series, its random-walk term kept however small (the safe side for a
 * test that clears a suspect); used to test sums of rows (ownership moving
 * between sites). */
double trend_z_at(const double *t, const double *x, size_t n, size_t k);

/* The least-squares line of x over times t (m points): the means, and the
 * sums of squares and products around them; its slope is stx / stt when
 * stt > 0. */
struct trend_line {
    double tbar, xbar, stt, stx;
};
struct trend_line trend_line_fit(const double *t, const double *x, size_t m);

#endif
