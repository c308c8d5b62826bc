/* SPDX-License-Identifier: MIT
 * test_trend_ages.c - the tool's reading of ages: trend's verdict from old
 * bytes in a log (leak: they grow; cache: flat under a growing row), and the
 * single-snapshot mark of mon.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "mon/model.h"
#include "verdict/ages.h"

static struct log_point pt(double t, uint64_t live, uint64_t old)
{
    struct log_point p;
    memset(&p, 0, sizeof p);
    p.t = t;
    p.live = live;
    p.old = old;
    p.has_old = 1;
    return p;
}

Test(trend_ages, old_bytes_growing_is_a_leak)
{
    struct log_point p[] = { pt(0, 1000, 0), pt(600, 5000, 200), pt(1200, 9000, 4000) };
    uint64_t a, b;
    cr_assert_eq(trend_age_verdict(p, 3, &a, &b), TREND_AGE_LEAK);
    cr_assert_eq(a, 0);
    cr_assert_eq(b, 4000);
}

Test(trend_ages, old_bytes_flat_under_growth_is_a_cache)
{
    struct log_point p[] = { pt(0, 100000, 50000), pt(600, 300000, 50100), pt(1200, 600000, 50000) };
    uint64_t a, b;
    cr_assert_eq(trend_age_verdict(p, 3, &a, &b), TREND_AGE_CACHE);
    cr_assert_eq(a, 50000);
}

Test(trend_ages, no_ages_no_word)
{
    struct log_point p[] = { pt(0, 1000, 0), pt(600, 5000, 0) };
    p[0].has_old = p[1].has_old = 0;
    uint64_t a, b;
    cr_assert_eq(trend_age_verdict(p, 2, &a, &b), TREND_AGE_NONE);
    /* no old bytes at all yet: too young a log to tell */
    struct log_point q[] = { pt(0, 1000, 0), pt(60, 5000, 0) };
    cr_assert_eq(trend_age_verdict(q, 2, &a, &b), TREND_AGE_NONE);
    /* a row that shrank says nothing either */
    struct log_point r[] = { pt(0, 9000, 9000), pt(60, 5000, 5000) };
    cr_assert_eq(trend_age_verdict(r, 2, &a, &b), TREND_AGE_NONE);
}

Test(trend_ages, the_single_snapshot_mark)
{
    struct mon_line l;
    memset(&l, 0, sizeof l);
    l.has_ages = 1;
    l.bytes = 1000;
    l.old_bytes = 900;
    l.old_bins = 3; /* old bytes from several ages: it kept growing */
    cr_assert(mon_old_suspect(&l));
    l.old_bins = 1; /* all from one age (a cache filled once): no mark */
    cr_assert(!mon_old_suspect(&l));
    l.old_bins = 3;
    l.old_bytes = 400; /* less than half of what it holds */
    cr_assert(!mon_old_suspect(&l));
    l.has_ages = 0;
    l.old_bytes = 900;
    cr_assert(!mon_old_suspect(&l));
}
