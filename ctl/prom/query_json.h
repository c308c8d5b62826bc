/* SPDX-License-Identifier: MIT
 * prom/query_json.h - reads the JSON answers of Prometheus' HTTP API that
 * `trend --prometheus` asks for: a range query's matrix (series of labels and
 * [time, "value"] pairs), a list of strings (label values), the targets
 * list (for the scrape interval) and the server's flags (its lookback). Trusts nothing: any byte string is either
 * read or refused with a reason, never a crash, nesting and sizes bounded.
 */
#ifndef HT_PROM_QUERY_JSON_H
#define HT_PROM_QUERY_JSON_H

#include <stddef.h>

#define PROMQ_MAX_DEPTH 64
#define PROMQ_MAX_LABELS 64 /* labels of one series; more is refused */

struct promq_label {
    const char *name, *value; /* decoded UTF-8, NUL-terminated, may hold any byte but NUL */
};

/* One series of a matrix; valid during the callback only. Points whose value
 * is not a finite number are left out. */
struct promq_series {
    const struct promq_label *labels;
    size_t n_labels;
    const double *t, *v;
    size_t n;
};

/* Called for each series of the matrix; returns 0 to go on, -1 to stop (the
 * parse then fails with "stopped"). */
typedef int (*promq_series_fn)(void *arg, const struct promq_series *s);
typedef int (*promq_string_fn)(void *arg, const char *s);

/* Parses a /api/v1/query_range answer. Returns 0 when its status is
 * "success" and its data a matrix, every series passed to fn; -1 with why
 * otherwise (an error answer's own words: "bad_data: ..."). Series may have
 * been passed before a failure is found: the caller keeps them only on 0. */
int promq_parse_matrix(const char *buf, size_t len, promq_series_fn fn, void *arg, char *why,
                       size_t wn);

/* Parses an answer whose data is an array of strings (/api/v1/label/NAME/values),
 * each passed to fn. Returns 0 or -1 with why. */
int promq_parse_strings(const char *buf, size_t len, promq_string_fn fn, void *arg, char *why,
                        size_t wn);

/* Parses /api/v1/targets: the shortest "scrapeInterval" of its targets in
 * seconds into *interval (0 when none says). Returns 0 or -1 with why. */
int promq_parse_interval(const char *buf, size_t len, double *interval, char *why, size_t wn);

/* Parses /api/v1/status/flags: the value of flag name (at most 31 bytes)
 * into out (n bytes, cut to fit; "" when the server does not say). Returns
 * 0 or -1 with why. */
int promq_parse_flag(const char *buf, size_t len, const char *name, char *out, size_t n,
                     char *why, size_t wn);

/* "15s", "1m30s", "2h", "500ms" as Prometheus writes durations, in seconds;
 * -1 when it is not one. */
double promq_duration(const char *s);

#endif
