/* SPDX-License-Identifier: MIT
 * test_trend_analysis.c - the leak test on synthetic series whose shape is
 * known, from a fixed seed: leaks (steady in churn, two at different rates,
 * late, noiseless, irregular intervals) are suspects with their rate and
 * onset recovered; churn, trimmed and step caches, plateaus, saturating
 * growth, random walks (short, long and bounded, 200 at once), one block of
 * wandering size and teardown at exit are not, neither at the end nor in 95%
 * of the prefixes longer than 20 snapshots.
 */
#include <criterion/criterion.h>

#include <math.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>

#include "verdict/analysis.h"
#include "verdict/rows.h"

#define N 120

/* ---- a seeded generator ------------------------------------------------ */

static uint64_t rng_state;
/* TREND_SEED=k in the environment reruns every scenario with other seeds;
 * TREND_DEBUG=1 says which rows were named or missed. */
static void seed(uint64_t s)
{
    const char *more = getenv("TREND_SEED");
    s += more ? strtoull(more, NULL, 10) * 1000 : 0;
    rng_state = s * 0x9e3779b97f4a7c15ULL + 1;
}
static double uni(void) /* [0, 1) */
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (double)((rng_state * 2685821657736338717ULL) >> 11) / 9007199254740992.0;
}
static double noise(double amp) { return amp * (2 * uni() - 1); } /* [-amp, amp] */

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
static double saturating(double t, int i) { (void)i; return 200000 * (1 - exp(-t / 1200)) + noise(2000); }

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
    seed(1);
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
    cr_assert(!r.suspect, "%s reported as a leak (rate %g B/h, onset %zu)", what, r.rate_bph,
              r.onset);
    cr_assert(r.reason != NULL);
}

Test(trend_analysis, churn_caches_steps_plateaus_are_not_leaks)
{
    seed(2);
    expect_clean(churn, "churn");
    expect_clean(sawtooth, "a trimmed cache");
    expect_clean(plateau, "a cache that fills and stays full");
    expect_clean(step, "a one-off step");
    expect_clean(late_trim, "a cache trimmed once");
    expect_clean(saturating, "growth that levels off");
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

Test(trend_analysis, long_series_are_analysed_whole)
{
    size_t n = 5000;
    struct log_point *p = calloc(n, sizeof *p);
    cr_assert(p);
    for (size_t i = 0; i < n; i++)
        p[i] = (struct log_point){ .t = 1.7e9 + i * 10.0, .live = 100 + i * 7 };
    struct trend_result r;
    trend_analyze(p, n, &r);
    cr_assert(r.suspect, "%s", r.reason);
    cr_assert_eq(r.n, n);
    cr_assert(fabs(r.rate_bph - 7.0 / 10 * 3600) < 1e-6, "%g", r.rate_bph);
    free(p);
}

/* ---- scenarios of several rows: a log of `rows` series, n snapshots ---- */

#define MAXN 3000
#define MAXROWS 200

static struct log_point sc[MAXROWS][MAXN];

static void put(int row, size_t i, double v, int64_t blocks)
{
    sc[row][i] = (struct log_point){ .t = 1.7e9 + (double)i * 2, .live = v > 0 ? (uint64_t)v : 0,
                                     .allocs = i + 1, .blocks = blocks, .has_blocks = 1,
                                     .state = LOG_STATE_LIVE };
}

/* How many rows of the first n snapshots are suspects, and whether `want`
 * is among them (want < 0: none wanted). */
static size_t suspects(int rows, size_t n, int want, int *found, struct trend_result *out)
{
    size_t k = 0;
    *found = 0;
    for (int row = 0; row < rows; row++) {
        struct trend_result r;
        trend_analyze_family(sc[row], n, (size_t)rows, &r);
        if (getenv("TREND_DEBUG") && r.suspect && row != want)
            fprintf(stderr, "n=%zu row %d named: onset %zu z %g p %g rate %g\n", n, row, r.onset,
                    r.z, r.p_row, r.rate_bph);
        if (getenv("TREND_DEBUG") && !r.suspect && row == want)
            fprintf(stderr, "n=%zu row %d missed: %s onset %zu z %g p %g rate %g\n", n, row,
                    r.reason, r.onset, r.z, r.p_row, r.rate_bph);
        if (r.suspect && row == want) {
            *found = 1;
            if (out)
                *out = r;
        } else if (r.suspect) {
            k++;
        }
    }
    return k;
}

/* Every prefix longer than 20 snapshots: no false suspect in 95% of them. */
static void expect_clean_prefixes(int rows, size_t n, int leak_row, const char *what)
{
    size_t bad = 0, total = 0;
    int found;
    for (size_t len = 21; len <= n; len++, total++)
        bad += suspects(rows, len, leak_row, &found, NULL) > 0;
    cr_assert(bad * 20 <= total, "%s: a false suspect in %zu of %zu prefixes", what, bad, total);
}

/* churn rows: blocks allocated and freed at random, sizes 64..4096 */
static void churn_row(int row, size_t n, double level, double amp)
{
    for (size_t i = 0; i < n; i++)
        put(row, i, level + noise(amp), 100 + (int64_t)noise(20));
}

Test(trend_analysis, steady_leak_in_heavy_churn)
{
    seed(3);
    size_t n = 45; /* 90 s, a snapshot every 2 s */
    for (size_t i = 0; i < n; i++) /* 2 KB a snapshot under +-10 KB of churn */
        put(0, i, 400000 + 1000.0 * (double)i * 2 + noise(10000), 10 + (int64_t)i);
    for (int row = 1; row < 6; row++)
        churn_row(row, n, 300000, 40000);
    int found;
    struct trend_result r;
    cr_assert_eq(suspects(6, n, 0, &found, &r), 0);
    cr_assert(found, "the leak in churn is not named");
    cr_assert(fabs(r.rate_bph - 3600000) < 0.1 * 3600000, "rate %g B/h", r.rate_bph);
    expect_clean_prefixes(6, n, 0, "churn beside a leak");
}

Test(trend_analysis, two_leaks_beside_sawtooth_and_step_caches)
{
    seed(4);
    size_t n = 60;
    for (size_t i = 0; i < n; i++) {
        double t = (double)i * 2;
        put(0, i, 5000 + 50 * t + noise(300), (int64_t)i);          /* slow leak */
        put(1, i, 90000 + 20000 * t + noise(5000), 3 * (int64_t)i); /* fast leak */
        put(2, i, 20000 + fmod(t, 24) * 8000, 10 + (int64_t)fmod(t, 24)); /* sawtooth */
        put(3, i, i < 20 ? 50000 : i < 40 ? 150000 : 250000, i < 20 ? 5 : i < 40 ? 15 : 25);
    }
    struct trend_result r;
    for (int want = 0; want < 2; want++) {
        trend_analyze_family(sc[want], n, 4, &r);
        cr_assert(r.suspect, "leak %d: %s", want, r.reason);
        double expect = (want == 0 ? 50 : 20000) * 3600.0;
        cr_assert(fabs(r.rate_bph - expect) < 0.1 * expect, "leak %d: %g B/h", want, r.rate_bph);
    }
    for (int row = 2; row < 4; row++) {
        trend_analyze_family(sc[row], n, 4, &r);
        cr_assert(!r.suspect, "cache %d named (%g B/h)", row, r.rate_bph);
    }
}

/* An error path that forgets one free in ten from the middle on: the row
 * existed and churned before, then grows. */
static void late_leak_rows(size_t n, size_t onset)
{
    for (size_t i = 0; i < n; i++) {
        double leaked = i >= onset ? 1500.0 * (double)(i - onset) : 0;
        put(0, i, 60000 + noise(3000) + leaked, 40 + (i >= onset ? (int64_t)(i - onset) : 0));
    }
    for (int row = 1; row < 5; row++)
        churn_row(row, n, 100000, 10000);
}

Test(trend_analysis, late_leak_found_within_ten_snapshots_with_onset_and_rate)
{
    seed(5);
    size_t n = 90, onset = 45;
    late_leak_rows(n, onset);
    size_t first = 0;
    int found;
    for (size_t len = 21; len <= n && !first; len++)
        if (suspects(5, len, 0, &found, NULL) == 0 && found)
            first = len;
    cr_assert(first > onset && first <= onset + 10, "found at snapshot %zu, onset %zu", first,
              onset);
    struct trend_result r;
    cr_assert_eq(suspects(5, n, 0, &found, &r), 0);
    cr_assert(found);
    cr_assert(r.onset + 3 >= onset && r.onset <= onset + 3, "onset %zu", r.onset);
    cr_assert(fabs(r.rate_bph - 1500 * 1800) < 0.1 * 1500 * 1800, "rate %g", r.rate_bph);
    cr_assert(fabs(r.onset_t - sc[0][r.onset].t) < 1e-9);
}

Test(trend_analysis, random_walks_are_not_leaks)
{
    seed(6);
    size_t n = 90;
    int rows = 20;
    for (int row = 0; row < rows; row++) {
        double v = 200000, blocks = 300;
        int single = row % 4 == 3; /* one block realloc'd to a random size */
        for (size_t i = 0; i < n; i++) {
            if (single) {
                put(row, i, 1000 + uni() * 100000, 1);
                continue;
            }
            double k = floor(noise(6)); /* blocks of 1 KB come and go */
            blocks = fmax(0, blocks + k);
            v = fmax(0, v + k * 1024);
            put(row, i, v, (int64_t)blocks);
        }
    }
    int found;
    cr_assert_eq(suspects(rows, n, -1, &found, NULL), 0);
    expect_clean_prefixes(rows, n, -1, "random walks");
}

/* The two-day log: 200 rows of one-minute snapshots, bounded walks of
 * +-2 KB a step in 0..200 KB, a steady leak of 100 B a step and one that
 * starts halfway. No walk named, both leaks named, for several seeds. */
Test(trend_analysis, two_days_of_two_hundred_rows, .timeout = 120)
{
    size_t n = MAXN;
    int rows = MAXROWS;
    for (uint64_t s = 10; s < 13; s++) {
        seed(s);
        for (int row = 2; row < rows; row++) {
            double v = uni() * 200000;
            for (size_t i = 0; i < n; i++) {
                v += uni() < 0.5 ? -2048 : 2048;
                v = v < 0 ? -v : v > 200000 ? 400000 - v : v;
                put(row, i, v, 50 + (int64_t)(v / 4096));
            }
        }
        for (size_t i = 0; i < n; i++) {
            put(0, i, 20000 + 100.0 * (double)i + noise(500), 10 + (int64_t)i);
            put(1, i, 20000 + (i >= n / 2 ? 100.0 * (double)(i - n / 2) : 0) + noise(500),
                10 + (int64_t)(i >= n / 2 ? i - n / 2 : 0));
        }
        size_t named = 0;
        for (int row = 0; row < rows; row++) {
            struct trend_result r;
            for (size_t i = 0; i < n; i++) /* one-minute snapshots */
                sc[row][i].t = 1.7e9 + 60.0 * (double)i;
            trend_analyze_family(sc[row], n, (size_t)rows, &r);
            if (row < 2) {
                cr_assert(r.suspect, "seed %d: leak %d missed (%s)", (int)s, row, r.reason);
                cr_assert(fabs(r.rate_bph - 6000) < 600, "seed %d leak %d: %g B/h", (int)s, row,
                          r.rate_bph);
                if (row == 1)
                    cr_assert(r.onset + 10 >= n / 2 && r.onset <= n / 2 + 10, "onset %zu",
                              r.onset);
            } else {
                named += r.suspect;
                if (r.suspect && getenv("TREND_DEBUG"))
                    fprintf(stderr, "seed %d row %d named: onset %zu z %g blocks %d stopped %d\n",
                            (int)s, row, r.onset, r.z, r.by_blocks, r.stopped);
            }
        }
        cr_assert_eq(named, 0, "seed %d: %zu walks named", (int)s, named);
    }
}

Test(trend_analysis, saturating_growth_and_its_prefixes)
{
    seed(7);
    size_t n = 90;
    for (size_t i = 0; i < n; i++) /* fills in the first 30 snapshots, stays full */
        put(0, i, 300000 * (1 - exp(-(double)i / 8)) + noise(3000), (int64_t)(100 * (1 - exp(-(double)i / 8))));
    for (int row = 1; row < 4; row++)
        churn_row(row, n, 50000, 5000);
    int found;
    cr_assert_eq(suspects(4, n, -1, &found, NULL), 0);
    expect_clean_prefixes(4, n, -1, "a cache that filled up");
}

/* A fixed-size cache filled from site A; its entries are replaced from site B:
 * B grows towards the cache's size and levels off while A falls. */
Test(trend_analysis, ownership_moving_between_sites_is_not_a_leak)
{
    seed(8);
    size_t n = 90;
    for (size_t i = 0; i < n; i++) {
        double moved = 400 * fmin((double)i, 60) * (1 + noise(0.02)) * 1024 / 400; /* 60 steps */
        put(0, i, 61440 - moved + noise(500), 60 - (int64_t)fmin((double)i, 60));
        put(1, i, moved + noise(500), (int64_t)fmin((double)i, 60));
        put(2, i, 30000 + noise(3000), 30);
    }
    size_t bad = 0, total = 0;
    for (size_t len = 21; len <= n; len++, total++) {
        struct trend_result r;
        trend_analyze_family(sc[1], len, 3, &r);
        int named = r.suspect && !trend_mirrored(sc[1], len, r.onset, sc[0], len);
        bad += named;
        trend_analyze_family(sc[0], len, 3, &r);
        bad += r.suspect != 0;
    }
    cr_assert(bad * 20 <= total, "named in %zu of %zu prefixes", bad, total);
    /* a leak beside a falling row that does not mirror it stays a leak */
    for (size_t i = 0; i < n; i++)
        put(1, i, 1000 + 2000.0 * (double)i + noise(500), (int64_t)i);
    struct trend_result r;
    trend_analyze_family(sc[1], n, 3, &r);
    cr_assert(r.suspect, "%s", r.reason);
    cr_assert(!trend_mirrored(sc[1], n, r.onset, sc[2], n));
}

Test(trend_analysis, one_block_of_wandering_size_is_not_a_leak)
{
    seed(9);
    size_t n = 90;
    double v = 4096;
    for (size_t i = 0; i < n; i++) { /* realloc'd up more often than down */
        v = fmax(16, v + (uni() < 0.6 ? 1 : -1) * uni() * 4096);
        put(0, i, v, 1);
    }
    struct trend_result r;
    trend_analyze_family(sc[0], n, 1, &r);
    cr_assert(!r.suspect, "one block named (%g B/h)", r.rate_bph);
}

Test(trend_analysis, teardown_at_exit_is_cut)
{
    seed(10);
    size_t n = 60;
    /* a leak for 45 snapshots, then destructors free everything, then the
     * exited process's frozen snapshots */
    for (size_t i = 0; i < n; i++) {
        double leak_v = i < 45 ? 10000 + 4096.0 * (double)i : i == 45 ? 2000 : 0;
        put(0, i, leak_v + noise(200), i < 45 ? 10 + (int64_t)i : 0);
        put(1, i, i < 45 ? 80000 + noise(8000) : 0, i < 45 ? 50 : 0);
        if (i > 45) {
            sc[0][i].state = LOG_STATE_EXITED;
            sc[1][i].state = LOG_STATE_EXITED;
        }
    }
    struct log_series s[2];
    const struct log_series *rows[2] = { &s[0], &s[1] };
    for (int k = 0; k < 2; k++)
        s[k] = (struct log_series){ .pid = 7, .tag = k ? "Cache" : "Leak", .pts = sc[k],
                                    .n = n, .ended = 1, .exit_code = 0 };
    struct trend_result r;
    trend_analyze_family(sc[0], n, 2, &r);
    cr_assert(!r.suspect, "the whole log, teardown and all, should hide the leak");
    double cut = trend_exit_cut(rows, 2);
    cr_assert_eq(cut, sc[0][44].t, "cut at %g, wanted the last snapshot before teardown", cut);
    size_t use = trend_exit_points(&s[0], cut);
    cr_assert_eq(use, 45);
    trend_analyze_family(sc[0], use, 2, &r);
    cr_assert(r.suspect, "%s", r.reason);
    cr_assert(fabs(r.rate_bph - 4096 * 1800) < 0.1 * 4096 * 1800, "%g", r.rate_bph);
    /* a run that did not end keeps every point */
    s[0].ended = s[1].ended = 0;
    for (size_t i = 0; i < n; i++)
        sc[0][i].state = sc[1][i].state = LOG_STATE_LIVE;
    cr_assert(isinf(trend_exit_cut(rows, 2)));
}

Test(trend_analysis, no_leak_scenarios_hold_in_their_prefixes)
{
    seed(11);
    size_t n = 90;
    for (size_t i = 0; i < n; i++) {
        double t = (double)i * 2;
        put(0, i, 20000 + fmod(t, 40) * 3000, 10 + (int64_t)fmod(t, 40));    /* sawtooth */
        put(1, i, i < 30 ? 50000 : i < 60 ? 150000 : 250000, i < 30 ? 5 : 15); /* steps */
        put(2, i, 100000 + noise(30000), 100 + (int64_t)noise(30));           /* churn */
        put(3, i, 1000 + uni() * 60000, 1);                                   /* one block */
    }
    int found;
    cr_assert_eq(suspects(4, n, -1, &found, NULL), 0);
    expect_clean_prefixes(4, n, -1, "caches, churn and one block");
}
