/*
 * trend/analysis.h - decides whether one series of live bytes grows
 * continuously (a leak) or not (churn, a trimmed cache, a one-off step, a
 * plateau), and how fast. Pure arithmetic on the points: no I/O, no globals,
 * never modifies its input.
 */
#ifndef HT_TREND_ANALYSIS_H
#define HT_TREND_ANALYSIS_H

#include <stddef.h>

#include "trend/log_reader.h"

/* Fewer snapshots than this never make a suspect. */
#define TREND_MIN_POINTS 6
/* Mann-Kendall one-sided p-value a suspect must reach. */
#define TREND_MAX_P 0.01
/* Longer series are thinned evenly to this many points (the tests are O(n^2)). */
#define TREND_MAX_POINTS 512

struct trend_result {
    int suspect;          /* passed every test */
    const char *reason;   /* why not, when not a suspect; NULL for a suspect */
    size_t n;             /* points used */
    double rate_bph;      /* Theil-Sen slope, bytes per hour */
    double p_value;       /* Mann-Kendall, one-sided (upwards) */
    double frac_up;       /* intervals that did not go down */
    double rise;          /* slope times the window, bytes */
    double drawdown;      /* largest drop below an earlier high, bytes */
    double confidence;    /* 0..1, only meaningful for a suspect */
    double score;         /* ranking key: rate times confidence */
};

/* Analyses n points sorted by time (as log_series gives them). */
void trend_analyze(const struct log_point *p, size_t n, struct trend_result *r);

#endif
