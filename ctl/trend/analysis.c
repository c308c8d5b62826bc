/*
 * trend/analysis.c - the leak test for one series of live bytes. A suspect
 * must pass all of: enough snapshots; a positive Theil-Sen slope; a
 * significant upward Mann-Kendall trend; growth in every third of the window
 * (rejects steps and plateaus); no drop larger than half the rise (rejects
 * trimmed caches); and, where the log has peaks, a new high above the peak
 * the row had already reached before the window (rejects a cache refilling).
 */
#include "util/xsort.h"
#include "trend/analysis.h"

#include <err.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return (a > b) - (a < b);
}

static double median(double *v, size_t n)
{
    xsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Theil-Sen: the median of the slopes of all pairs, bytes per second. */
static double theil_sen(const double *t, const double *x, size_t n, double *scratch)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            if (t[j] > t[i])
                scratch[k++] = (x[j] - x[i]) / (t[j] - t[i]);
    return k ? median(scratch, k) : 0;
}

/* Mann-Kendall S with the variance corrected for tied values; one-sided p. */
static double mann_kendall(const double *x, size_t n, double *scratch)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            s += (x[j] > x[i]) - (x[j] < x[i]);
    memcpy(scratch, x, n * sizeof *x);
    xsort(scratch, n, sizeof *scratch, cmp_double);
    double dn = (double)n;
    double var = dn * (dn - 1) * (2 * dn + 5);
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && scratch[j] == scratch[i])
            j++;
        double g = (double)(j - i);
        var -= g * (g - 1) * (2 * g + 5);
        i = j;
    }
    var /= 18;
    if (var <= 0 || s <= 0)
        return 1;
    double z = (s - 1) / sqrt(var);
    return 0.5 * erfc(z / sqrt(2.0));
}

/* Medians of the three thirds of the window: by time when each third holds
 * two points or more (irregular intervals), else by count. */
static void thirds(const double *t, const double *x, size_t n, double m[3], double *scratch)
{
    double span = t[n - 1] - t[0];
    size_t cut[4] = { 0, 0, 0, n };
    for (int k = 1; k < 3; k++) {
        double edge = t[0] + span * k / 3;
        size_t i = cut[k - 1];
        while (i < n && t[i] < edge)
            i++;
        cut[k] = i;
    }
    if (cut[1] < 2 || cut[2] - cut[1] < 2 || n - cut[2] < 2) {
        cut[1] = n / 3;
        cut[2] = n - n / 3;
    }
    for (int k = 0; k < 3; k++) {
        size_t len = cut[k + 1] - cut[k];
        memcpy(scratch, x + cut[k], len * sizeof *x);
        m[k] = median(scratch, len);
    }
}

void trend_analyze(const struct log_point *p, size_t n_in, struct trend_result *r)
{
    memset(r, 0, sizeof *r);
    r->p_value = 1;
    size_t n = n_in < TREND_MAX_POINTS ? n_in : TREND_MAX_POINTS;
    r->n = n;
    if (n < TREND_MIN_POINTS) {
        r->reason = "too few snapshots";
        return;
    }
    double *t = malloc(n * sizeof *t), *x = malloc(n * sizeof *x);
    double *scratch = malloc((n * (n - 1) / 2 + n) * sizeof *scratch);
    if (!t || !x || !scratch)
        err(1, "malloc");
    for (size_t i = 0; i < n; i++) {
        /* thinning keeps the first and the last point */
        size_t src = n == n_in ? i : (size_t)((double)i * (double)(n_in - 1) / (double)(n - 1));
        t[i] = p[src].t;
        x[i] = (double)p[src].live;
    }

    double span = t[n - 1] - t[0];
    double slope = span > 0 ? theil_sen(t, x, n, scratch) : 0;
    size_t up = 0;
    double high = x[0], drawdown = 0, top = x[0];
    for (size_t i = 1; i < n; i++) {
        up += x[i] >= x[i - 1];
        if (x[i] > high)
            high = x[i];
        if (high - x[i] > drawdown)
            drawdown = high - x[i];
        if (x[i] > top)
            top = x[i];
    }
    r->rate_bph = slope * 3600;
    r->frac_up = (double)up / (double)(n - 1);
    r->rise = slope * span;
    r->drawdown = drawdown;
    r->p_value = mann_kendall(x, n, scratch);

    double m[3];
    thirds(t, x, n, m, scratch);
    double total = m[2] - m[0];
    const struct log_point *first = &p[0];

    if (span <= 0)
        r->reason = "no time between snapshots";
    else if (slope <= 0)
        r->reason = "not growing";
    else if (r->p_value > TREND_MAX_P)
        r->reason = "no significant upward trend";
    else if (total <= 0 || m[1] - m[0] < 0.2 * total || m[2] - m[1] < 0.2 * total)
        r->reason = "growth not spread over the window (a step or a plateau)";
    else if (drawdown > 0.5 * r->rise)
        r->reason = "falls back (a trimmed cache)";
    else if (first->has_peak && (double)first->peak >= top &&
             (double)(first->peak - first->live) >= 0.5 * r->rise)
        r->reason = "stays below an earlier peak (a cache refilling)";

    if (!r->reason) {
        double balance = fmin(m[1] - m[0], m[2] - m[1]) / (total / 2);
        double few = n >= 20 ? 0 : (20.0 - (double)n) / 14.0;
        r->suspect = 1;
        r->confidence = (1 - r->p_value) * (0.5 + 0.5 * r->frac_up) *
                        (1 - 0.5 * fmin(1, drawdown / r->rise)) * (0.7 + 0.3 * fmin(1, balance)) *
                        (1 - 0.15 * few);
        r->score = r->rate_bph * r->confidence;
    }
    free(t);
    free(x);
    free(scratch);
}
