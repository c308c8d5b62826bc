/* SPDX-License-Identifier: MIT
 * verdict/ages.c - a growing row judged by its old bytes (ages.h).
 */
#include "verdict/ages.h"

enum trend_age_verdict trend_age_verdict(const struct log_point *pts, size_t n,
                                         uint64_t *old_from, uint64_t *old_to)
{
    size_t a = n, b = n;
    for (size_t i = 0; i < n; i++)
        if (pts[i].has_old) {
            if (a == n)
                a = i;
            b = i;
        }
    *old_from = *old_to = 0;
    if (a == n || a == b || pts[b].live <= pts[a].live)
        return TREND_AGE_NONE;
    *old_from = pts[a].old;
    *old_to = pts[b].old;
    uint64_t grew = pts[b].live - pts[a].live;
    if (pts[b].old >= pts[a].old && pts[b].old - pts[a].old >= grew / 4 && pts[b].old > 0)
        return TREND_AGE_LEAK;
    uint64_t drift = pts[b].old > pts[a].old ? pts[b].old - pts[a].old : pts[a].old - pts[b].old;
    if (pts[a].old > 0 && drift <= grew / 20)
        return TREND_AGE_CACHE;
    return TREND_AGE_NONE;
}
