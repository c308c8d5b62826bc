/*
 * test_trend_analysis.c - the leak test on synthetic series whose shape is
 * known: linear leaks at several rates under noise are suspects with their
 * rate recovered; churn, trimmed caches, plateaus, steps and a cache refilling
 * below its earlier peak are not.
 */
#include <criterion/criterion.h>

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "trend/analysis.h"

#define N 120

static uint32_t rng = 12345;
static double noise(double amp) /* deterministic, in [-amp, amp] */
{
    rng = rng * 1103515245u + 12345u;
    return amp * (((double)((rng >> 8) & 0xffff) / 32767.5) - 1);
}

static struct log_point pts[N];

static void fill(double (*f)(double t, int i), size_t n, double dt)
{
    for (size_t i = 0; i < n; i++) {
        double v = f(i * dt, (int)i);
        pts[i] = (struct log_point){ .t = 1.7e9 + i * dt, .live = v > 0 ? (uint64_t)v : 0,
                                     .allocs = i + 1 };
    }
}

static double rate; /* bytes per second of the leak in the shapes below */

static double leak(double t, int i) { (void)i; return 50000 + rate * t + noise(rate * 30); }
static double churn(double t, int i) { (void)t; (void)i; return 40000 + noise(20000); }
static double sawtooth(double t, int i) { (void)i; return 10000 + fmod(t, 700) * 40; }
static double plateau(double t, int i) { (void)i; return t < 2400 ? t * 20 : 48000 + noise(100); }
static double step(double t, int i) { (void)i; return t < 3000 ? 8000 + noise(50) : 90000 + noise(50); }
static double late_trim(double t, int i) { (void)i; return t < 5000 ? 1000 + t * 10 : 5000; }

static void expect_suspect(double r_bps)
{
    struct trend_result r;
    trend_analyze(pts, N, &r);
    cr_assert(r.suspect, "rate %g B/s: not a suspect (%s, p=%g)", r_bps, r.reason, r.p_value);
    cr_assert(fabs(r.rate_bph - r_bps * 3600) < 0.05 * r_bps * 3600, "rate %g B/h, expected %g",
              r.rate_bph, r_bps * 3600);
    cr_assert(r.confidence > 0.8 && r.confidence <= 1, "confidence %g", r.confidence);
}

Test(trend_analysis, leaks_at_several_rates_under_noise)
{
    const double rates[] = { 0.5, 3, 48, 4800 };
    for (size_t k = 0; k < sizeof rates / sizeof rates[0]; k++) {
        rate = rates[k];
        fill(leak, N, 60); /* a snapshot a minute for two hours */
        expect_suspect(rate);
    }
}

Test(trend_analysis, irregular_intervals_give_the_true_rate)
{
    rate = 10;
    for (size_t i = 0; i < N; i++) {
        double t = i < 60 ? i * 5.0 : 300 + (i - 60) * 120.0; /* 5 s then 2 min apart */
        pts[i] = (struct log_point){ .t = 1.7e9 + t, .live = (uint64_t)(1000 + rate * t) };
    }
    expect_suspect(rate);
}

static void expect_clean(double (*f)(double, int), const char *what)
{
    struct trend_result r;
    fill(f, N, 60);
    trend_analyze(pts, N, &r);
    cr_assert(!r.suspect, "%s reported as a leak (rate %g B/h)", what, r.rate_bph);
    cr_assert(r.reason != NULL);
}

Test(trend_analysis, churn_caches_steps_plateaus_are_not_leaks)
{
    expect_clean(churn, "churn");
    expect_clean(sawtooth, "a trimmed cache");
    expect_clean(plateau, "a cache that fills and stays full");
    expect_clean(step, "a one-off step");
    expect_clean(late_trim, "a cache trimmed once");
}

Test(trend_analysis, refilling_below_an_earlier_peak_is_not_a_leak)
{
    rate = 10;
    for (size_t i = 0; i < N; i++) /* grows, but the row once held 2 MB */
        pts[i] = (struct log_point){ .t = 1.7e9 + i * 60.0, .live = 1000 + (uint64_t)(i * 600),
                                     .peak = 2000000, .has_peak = 1 };
    struct trend_result r;
    trend_analyze(pts, N, &r);
    cr_assert(!r.suspect);
    for (size_t i = 0; i < N; i++) /* the same growth above its old peak: a leak */
        pts[i].peak = pts[i].live;
    trend_analyze(pts, N, &r);
    cr_assert(r.suspect, "%s", r.reason);
    cr_assert(fabs(r.rate_bph - 36000) < 1, "%g", r.rate_bph);
}

Test(trend_analysis, too_few_or_flat_series)
{
    for (size_t i = 0; i < N; i++)
        pts[i] = (struct log_point){ .t = 1.7e9 + i, .live = 1000 * (i + 1) };
    struct trend_result r;
    trend_analyze(pts, TREND_MIN_POINTS - 1, &r);
    cr_assert(!r.suspect);
    trend_analyze(pts, TREND_MIN_POINTS, &r);
    cr_assert(r.suspect, "%s", r.reason);
    cr_assert(fabs(r.rate_bph - 3600000) < 1e-6, "%g", r.rate_bph);
    for (size_t i = 0; i < N; i++)
        pts[i].live = 4096;
    trend_analyze(pts, N, &r);
    cr_assert(!r.suspect);
    cr_assert_eq(r.rate_bph, 0);
    for (size_t i = 0; i < N; i++) /* all at one instant: no rate */
        pts[i] = (struct log_point){ .t = 1.7e9, .live = 1000 * (i + 1) };
    trend_analyze(pts, N, &r);
    cr_assert(!r.suspect);
}

Test(trend_analysis, long_series_are_thinned_not_refused)
{
    size_t n = 5000;
    struct log_point *p = calloc(n, sizeof *p);
    cr_assert(p);
    for (size_t i = 0; i < n; i++)
        p[i] = (struct log_point){ .t = 1.7e9 + i * 10.0, .live = 100 + i * 7 };
    struct trend_result r;
    trend_analyze(p, n, &r);
    cr_assert(r.suspect, "%s", r.reason);
    cr_assert_eq(r.n, TREND_MAX_POINTS);
    cr_assert(fabs(r.rate_bph - 7.0 / 10 * 3600) < 1e-6, "%g", r.rate_bph);
    free(p);
}
