/* SPDX-License-Identifier: MIT
 * test_trend_power.c - the verdicts that need power or a kind of their own,
 * on synthetic series from fixed seeds: two-day logs of 200 rows (bounded
 * random walks, one steady leak, one leak from the middle on: both named, no
 * walk); a slow leak that only the live blocks show clearly under churn; a
 * start-up snapshot left out; a leak that stopped (and a growth given back,
 * and a cache that keeps allocating as it evicts, which are not).
 */
#include <criterion/criterion.h>

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "verdict/analysis.h"
#include "trend_synth.h"

#define DAY2 2880 /* two days of snapshots a minute apart */

static struct log_point *synth_points(enum synth_kind kind, uint64_t seed, size_t n)
{
    double *live = malloc(n * sizeof *live), *blocks = malloc(n * sizeof *blocks);
    struct log_point *p = calloc(n, sizeof *p);
    cr_assert(live && blocks && p);
    synth_row(kind, seed, n, live, blocks);
    for (size_t i = 0; i < n; i++)
        p[i] = (struct log_point){ .t = 1.7e9 + 60.0 * (double)i, .live = (uint64_t)live[i],
                                   .allocs = 1000000 + 10000 * i + (uint64_t)blocks[i],
                                   .blocks = (int64_t)blocks[i], .has_blocks = 1 };
    free(live);
    free(blocks);
    return p;
}

/* Seeds 1 and 2 of the two-day log (judged as rows of a family of 200; the
 * walks here are 16 of each seed's 198, bench/hunts/judge_synth.sh judges
 * them all): the steady leak from the start, the late one from the middle
 * (within an hour of it), no walk. */
Test(trend_power, two_day_logs_name_both_leaks_and_no_walk, .timeout = 60)
{
    for (uint64_t s = 1; s <= 2; s++) {
        struct trend_result r;
        struct log_point *p = synth_points(SYNTH_LEAK, s * 1000, DAY2);
        trend_analyze_family(p, DAY2, 200, &r);
        cr_assert(r.suspect, "seed %llu steady leak: %s z=%g", (unsigned long long)s, r.reason,
                  r.z);
        cr_assert(fabs(r.rate_bph - 40 * 60) < 0.2 * 40 * 60, "rate %g", r.rate_bph);
        free(p);
        p = synth_points(SYNTH_LATE, s * 1000 + 1, DAY2);
        trend_analyze_family(p, DAY2, 200, &r);
        cr_assert(r.suspect, "seed %llu late leak: %s z=%g", (unsigned long long)s, r.reason, r.z);
        cr_assert(!r.stopped);
        cr_assert(r.onset >= DAY2 / 2 - 600 && r.onset <= DAY2 / 2 + 60, "onset %zu", r.onset);
        free(p);
        for (uint64_t w = 2; w < 18; w++) {
            p = synth_points(SYNTH_WALK, s * 1000 + w, DAY2);
            trend_analyze_family(p, DAY2, 200, &r);
            cr_assert(!r.suspect, "seed %llu walk %llu named: z=%g onset %zu",
                      (unsigned long long)s, (unsigned long long)w, r.z, r.onset);
            free(p);
        }
    }
}

/* 45 snapshots a second apart: live bytes churn by +-8 KB, a leak adds 240 B
 * and 5 blocks a second. The blocks carry the verdict; with the blocks flat
 * (no leak in them) nothing is named. */
Test(trend_power, slow_leak_under_churn_named_by_its_blocks)
{
    struct log_point p[45];
    uint64_t s = 5;
    for (int flat = 0; flat < 2; flat++) {
        for (size_t i = 0; i < 45; i++) {
            double churn = 8000 * (2 * synth_unit(&s) - 1);
            p[i] = (struct log_point){ .t = 1.7e9 + (double)i,
                                       .live = (uint64_t)(60000 + 240.0 * (double)i + churn),
                                       .allocs = 500 * i + 40,
                                       .blocks = 32 + (flat ? 0 : 5 * (int64_t)i),
                                       .has_blocks = 1 };
        }
        struct trend_result r;
        trend_analyze_family(p, 45, 10, &r);
        if (flat) {
            cr_assert(!r.suspect, "flat blocks named: z=%g", r.z);
        } else {
            cr_assert(r.suspect, "%s z=%g", r.reason, r.z);
            cr_assert(r.by_blocks);
            cr_assert_eq(r.onset, 0);
        }
    }
}

/* The first snapshot while the program starts (2.8 KB, then 36 KB a second
 * later) is left out: the leak after it is named from the second snapshot. */
Test(trend_power, startup_snapshot_left_out)
{
    struct log_point p[12];
    for (size_t i = 0; i < 12; i++)
        p[i] = (struct log_point){ .t = 1.7e9 + (double)i,
                                   .live = i == 0 ? 2800 : 36000 + 500 * (uint64_t)i +
                                                          (i % 3) * 300,
                                   .allocs = 10 * i + 1 };
    struct trend_result r;
    trend_analyze(p, 12, &r);
    cr_assert_eq(r.startup, 1);
    cr_assert(r.suspect, "%s", r.reason);
    cr_assert_eq(r.onset, 1);
}

/* 2 KB/s for 20 s, then held for 25 s with no allocation: a leak that
 * stopped at +20 s, 40 KB held. Given back (freed at +30 s), or a cache
 * that keeps allocating as it evicts once full: not one. */
Test(trend_power, leak_that_stopped)
{
    struct log_point p[46];
    for (int mode = 0; mode < 3; mode++) {
        for (size_t i = 0; i < 46; i++) {
            size_t g = i < 20 ? i : 20;
            uint64_t live = 2000 * (uint64_t)g + 400;
            if (mode == 1 && i >= 30)
                live = 400;
            p[i] = (struct log_point){ .t = 1.7e9 + (double)i, .live = live,
                                       .allocs = 10 * (mode == 2 ? i : g) + 2,
                                       .blocks = (int64_t)(10 * g + 2), .has_blocks = 1 };
        }
        struct trend_result r;
        trend_analyze_family(p, 46, 4, &r);
        if (mode == 0) {
            cr_assert(r.suspect && r.stopped, "%s", r.reason);
            cr_assert_eq(r.onset, 0);
            cr_assert_eq(r.stop, 20);
            cr_assert(fabs(r.held - 40000) < 1, "held %g", r.held);
            cr_assert(fabs(r.stop_t - p[20].t) < 1e-9);
        } else {
            cr_assert(!r.suspect, "mode %d named (stopped %d)", mode, r.stopped);
        }
    }
}
