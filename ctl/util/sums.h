/* SPDX-License-Identifier: MIT
 * util/sums.h - sums of counters a damaged segment may have made huge: an
 * unsigned sum stops at the top (saturates); a signed one wraps as the
 * unsigned counters do, never the undefined signed overflow.
 */
#ifndef HT_SUMS_H
#define HT_SUMS_H

#include <stdint.h>

static inline uint64_t sat_add(uint64_t a, uint64_t b)
{
    uint64_t r;
    return __builtin_add_overflow(a, b, &r) ? UINT64_MAX : r;
}

static inline int64_t wrap_add(int64_t a, int64_t b)
{
    return (int64_t)((uint64_t)a + (uint64_t)b);
}

#endif
