/* SPDX-License-Identifier: MIT
 * trend/plot.h - draws live bytes over time for a few series as a standalone
 * SVG (or an HTML page holding it): axes with units, a legend, suspects in
 * red shades, thick and labelled. Writes only to the stream it is given.
 */
#ifndef HT_TREND_PLOT_H
#define HT_TREND_PLOT_H

#include <stdio.h>

#include "trend/log_reader.h"

/* The colour of the first suspect; tests look for it in the picture. */
#define PLOT_SUSPECT_COLOR "#d62728"
#define PLOT_MAX_LINES 12

struct plot_line {
    const struct log_series *s;
    int suspect;
    double rate_bph; /* shown for suspects */
    int stopped;     /* a suspect whose leak stopped at stop_t, held bytes still held */
    double stop_t;
    double held;
    const char *func; /* the function allocating, NULL when unknown */
};

/* Writes the picture; html wraps it in a page. Returns 0, or -1 on a write error. */
int trend_plot(FILE *out, const struct plot_line *lines, size_t n, int html, const char *subtitle);

#endif
