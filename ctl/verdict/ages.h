/* SPDX-License-Identifier: MIT
 * verdict/ages.h - what the logged ages of a growing row say: old bytes that
 * grow are memory nobody frees (a leak); old bytes that stay flat while the
 * row grows mean the growth is young (a cache still filling).
 */
#ifndef HT_TREND_AGES_H
#define HT_TREND_AGES_H

#include <stddef.h>
#include <stdint.h>

#include "verdict/series.h"

enum trend_age_verdict {
    TREND_AGE_NONE,  /* the log has no ages, or they say nothing */
    TREND_AGE_LEAK,  /* old bytes grew by a quarter of the row's growth or more */
    TREND_AGE_CACHE, /* old bytes there from the start, flat (a twentieth of the growth at
                      * most) while the row grew */
};

/* Judges pts[0..n) (in time order) by its first and last points with ages;
 * *old_from and *old_to get their old bytes. */
enum trend_age_verdict trend_age_verdict(const struct log_point *pts, size_t n,
                                         uint64_t *old_from, uint64_t *old_to);

#endif
