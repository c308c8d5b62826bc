/* SPDX-License-Identifier: MIT
 * verdict/rows.c - verdicts over several rows of one process: the exit cut
 * (ignore what follows the exit and the teardown just before it) and the
 * mirror test (a cache whose entries change owner: one site grows while
 * another falls by as much). Pure arithmetic on the points; never prints.
 */
#include "verdict/rows.h"

#include <err.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "verdict/analysis.h"
#include "util/xsort.h"

/* A snapshot whose process total fell by more than this share is teardown
 * when it comes at the end of an ended run. */
#define EXIT_DROP 0.10
/* At most this many snapshots at the end are taken for teardown. */
#define EXIT_MAX_TEARDOWN 3

static int counts(const struct log_point *p)
{
    return p->state != LOG_STATE_EXITED && p->state != LOG_STATE_DEAD;
}

static int cmp_double(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return (a > b) - (a < b);
}

double trend_exit_cut(const struct log_series *const *rows, size_t n)
{
    int ended = 0;
    size_t total_pts = 0;
    for (size_t i = 0; i < n; i++) {
        ended |= rows[i]->ended;
        total_pts += rows[i]->n;
    }
    if (!ended || total_pts == 0)
        return INFINITY;
    /* the snapshot times of the live part, and the process total at each */
    double *times = malloc(total_pts * sizeof *times);
    if (!times)
        err(1, "malloc");
    size_t nt = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < rows[i]->n; k++)
            if (counts(&rows[i]->pts[k]))
                times[nt++] = rows[i]->pts[k].t;
    xsort(times, nt, sizeof *times, cmp_double);
    size_t u = 0;
    for (size_t i = 0; i < nt; i++)
        if (u == 0 || times[i] != times[u - 1])
            times[u++] = times[i];
    if (u == 0) {
        free(times);
        return -INFINITY;
    }
    size_t first = u > EXIT_MAX_TEARDOWN + 1 ? u - EXIT_MAX_TEARDOWN - 1 : 0;
    double tot[EXIT_MAX_TEARDOWN + 1] = { 0 };
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < rows[i]->n; k++) {
            const struct log_point *p = &rows[i]->pts[k];
            if (!counts(p) || p->t < times[first])
                continue;
            for (size_t j = first; j < u; j++)
                if (times[j] == p->t)
                    tot[j - first] += (double)p->live;
        }
    size_t j = u - 1;
    while (j > first && tot[j - first] < (1 - EXIT_DROP) * tot[j - 1 - first])
        j--;
    double cut = times[j];
    free(times);
    return cut;
}

size_t trend_exit_points(const struct log_series *s, double cut)
{
    size_t n = 0;
    while (n < s->n && s->pts[n].t <= cut && counts(&s->pts[n]))
        n++;
    if (s->ended && n >= 2 && (double)s->pts[n - 1].live < 0.5 * (double)s->pts[n - 2].live)
        n--;
    return n;
}

static double median3(const double *v, size_t n)
{
    double a[3];
    size_t m = n < 3 ? n : 3;
    memcpy(a, v, m * sizeof *a);
    xsort(a, m, sizeof *a, cmp_double);
    return a[m / 2];
}

/* The standard deviation of x around its least-squares line over t. */
static double line_spread(const double *t, const double *x, size_t m)
{
    struct trend_line l = trend_line_fit(t, x, m);
    double b = l.stt > 0 ? l.stx / l.stt : 0, sse = 0;
    for (size_t i = 0; i < m; i++) {
        double r = x[i] - l.xbar - b * (t[i] - l.tbar);
        sse += r * r;
    }
    return sqrt(sse / (double)m);
}

int trend_mirrored(const struct log_point *a, size_t na, size_t onset,
                   const struct log_point *q, size_t nq)
{
    if (onset >= na)
        return 0;
    size_t cap = na - onset;
    double *t = malloc(cap * sizeof *t), *xa = malloc(cap * sizeof *xa);
    double *xq = malloc(cap * sizeof *xq), *sum = malloc(cap * sizeof *sum);
    if (!t || !xa || !xq || !sum)
        err(1, "malloc");
    size_t m = 0, j = 0;
    for (size_t i = onset; i < na; i++) { /* the snapshots both rows are in */
        while (j < nq && q[j].t < a[i].t)
            j++;
        if (j < nq && q[j].t == a[i].t) {
            t[m] = a[i].t;
            xa[m] = (double)a[i].live;
            xq[m] = (double)q[j].live;
            sum[m] = xa[m] + xq[m];
            m++;
        }
    }
    int mirrored = 0;
    if (m >= TREND_MIN_TAIL) {
        double rise = median3(xa + m - 3, 3) - median3(xa, 3);
        double fall = median3(xq, 3) - median3(xq + m - 3, 3);
        double sum_rise = median3(sum + m - 3, 3) - median3(sum, 3);
        if (rise > 0 && fall >= 0.75 * rise) {
            for (size_t i = 0; i < m; i++)
                xq[i] = -xq[i];
            int q_falls = trend_z_at(t, xq, m, 0) >= 3;
            int sum_flat = sum_rise <= 0.5 * rise || trend_z_at(t, sum, m, 0) < 3;
            /* and over the same snapshots: in each half of the tail q fell by
             * half of what a rose in it at least */
            size_t h = m / 2;
            int in_step = 1;
            if (h >= 3 && m - h >= 3) {
                double mid_a = median3(xa + h - 1, 3), mid_q = -median3(xq + h - 1, 3);
                double ra1 = mid_a - median3(xa, 3), ra2 = median3(xa + m - 3, 3) - mid_a;
                double fq1 = -median3(xq, 3) - mid_q, fq2 = mid_q + median3(xq + m - 3, 3);
                in_step = (ra1 <= 0 || fq1 >= 0.5 * ra1) && (ra2 <= 0 || fq2 >= 0.5 * ra2);
            }
            mirrored = q_falls && sum_flat && in_step && line_spread(t, sum, m) <= 0.05 * rise;
        }
    }
    free(t);
    free(xa);
    free(xq);
    free(sum);
    return mirrored;
}
