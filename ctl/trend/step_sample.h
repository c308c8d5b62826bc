/* SPDX-License-Identifier: MIT
 * trend/step_sample.h - a series' raw samples turned into the points a range
 * query gives (Prometheus 2.x, promql/engine.go vectorSelectorSingle): at
 * each step t the last sample in [t - lookback, t], none when there is no
 * such sample or when it is a stale marker.
 */
#ifndef HT_STEP_SAMPLE_H
#define HT_STEP_SAMPLE_H

#include <stddef.h>
#include <stdint.h>

#include "prom/xor_chunk.h"

/* Prometheus' default --query.lookback-delta. */
#define STEP_LOOKBACK_MS 300000

/* Puts s[0..n) in time order, one sample a timestamp (chunks that overlap
 * hold the same samples twice). Returns the count. */
size_t step_order(struct xor_sample *s, size_t n);

/* The points of the ordered samples s[0..n) at the ascending steps[0..ns):
 * times in seconds (ms / 1000, as the query API writes them) into t[],
 * values into v[] (room for ns each). Points whose value is not a finite
 * number are left out, as the JSON reader leaves them out. Returns the
 * count. */
size_t step_sample(const struct xor_sample *s, size_t n, const int64_t *steps, size_t ns,
                   int64_t lookback_ms, double *t, double *v);

#endif
