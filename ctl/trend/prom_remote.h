/* SPDX-License-Identifier: MIT
 * trend/prom_remote.h - a streamed remote-read answer turned into the series
 * a range query of the same window would have given: each series' chunks
 * decoded, its samples put in order and taken at the query's steps, and
 * handed on as the JSON reader hands on a matrix's series.
 */
#ifndef HT_PROM_REMOTE_H
#define HT_PROM_REMOTE_H

#include <stddef.h>
#include <stdint.h>

#include "prom/query_json.h"

/* Samples of one series kept at most (two days of one-second scrapes are
 * 172,800): a server that sends more is refused. */
#define PROMRR_MAX_SAMPLES (1u << 24)

/* The steps of the range query to imitate: ascending ms. */
struct promrr_steps {
    const int64_t *ms;
    size_t n;
    int64_t lookback_ms;
};

/* Reads the answer body[0..len) and calls fn with each series that has a
 * point at some step (labels as the JSON reader gives them: NUL-terminated,
 * __name__ among them). Returns 0, or -1 with why: a flawed frame, chunk or
 * label, a chunk of another encoding than XOR, or fn's -1 ("stopped").
 * Series may have been passed before a failure is found. */
int promrr_take(const void *body, size_t len, const struct promrr_steps *st, promq_series_fn fn,
                void *arg, char *why, size_t wn);

#endif
