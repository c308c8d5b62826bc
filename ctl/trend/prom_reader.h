/* SPDX-License-Identifier: MIT
 * trend/prom_reader.h - reads heaptag's series back from a Prometheus server
 * (remote read of heaptag_live_bytes' raw chunks, sampled here as a range
 * query would, or range queries in batches a server with default limits
 * answers) into the series the log reader makes, one per (instance,
 * process, row), so `trend` judges them as it judges a log. Trusts nothing
 * the server says.
 */
#ifndef HT_PROM_READER_H
#define HT_PROM_READER_H

#include <stddef.h>

#include "trend/log_reader.h"

/* Points per series a query_range may return (Prometheus refuses more than
 * 11,000) and samples per query kept well under query.max-samples (50M). */
#define PROMR_MAX_STEPS 10000
#define PROMR_MAX_SAMPLES 20000000
/* With no --step, the step is the scrape interval, or longer so that a
 * series has at most this many points: two days in 12-minute steps, which
 * keeps a fleet's 200,000 rows within a minute of analysis. */
#define PROMR_TARGET_POINTS 240

/* How long the series of a process that ended may go on beside its
 * successor's: serve shows an exited process for 5 minutes, and a query
 * repeats a series' last sample for the 5 minutes of its lookback. */
#define PROMR_RESTART_OVERLAP_S 660

/* How the series are fetched: remote read when the server offers it (else
 * range queries), remote read only, or range queries only. */
enum promr_fetch { PROMR_FETCH_AUTO, PROMR_FETCH_READ, PROMR_FETCH_QUERY };

struct promr_opts {
    const char *url;   /* http://host:port[/prefix] */
    const char *match; /* "{job=\"api\"}" or NULL */
    double start, end; /* seconds since the epoch */
    double step;       /* 0: from the scrape interval */
    int verbose;       /* a line per query on stderr */
    enum promr_fetch fetch;
};

struct promr_data;

/* Queries the server. Returns the data, or NULL with why filled (the URL,
 * the connection or the server's answer). */
struct promr_data *promr_read(const struct promr_opts *o, char *why, size_t wn);
void promr_free(struct promr_data *d);

/* The series, sorted by instance, pid, exe, tag; each has instance set and
 * run 0. Valid until promr_free. */
const struct log_series *promr_series(const struct promr_data *d, size_t *n);

/* Points fetched over all processes (a snapshot is one process at one time). */
size_t promr_snapshots(const struct promr_data *d);
double promr_step(const struct promr_data *d);
size_t promr_queries(const struct promr_data *d);
/* "remote read" or "query_range": how the series came. */
const char *promr_fetched(const struct promr_data *d);

/* Whether a and b are the same code (a row of a process that restarted on
 * the same instance): instance, exe, tag, function and file equal, pid not. */
int promr_same_code(const struct log_series *a, const struct log_series *b);

/* Checks a --match selector: "{...}" with balanced quotes. Returns 0 or -1. */
int promr_match_ok(const char *match);

#endif
