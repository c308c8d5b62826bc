/* SPDX-License-Identifier: MIT
 * trend/log_reader.h - reads logs written by `heaptag mon` (the table, CSV or JSON
 * Lines, mixed in one file or not) into one time series of live bytes per
 * row of a process run (the Tag column: a tag, site, function or module, as
 * mon grouped it). Trusts nothing: lines it cannot use are counted
 * and skipped, never fatal; it must never crash on any input.
 */
#ifndef HT_LOG_READER_H
#define HT_LOG_READER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "verdict/series.h"

struct log_stats {
    size_t lines;      /* lines read */
    size_t rows;       /* rows used */
    size_t damaged;    /* looked like a row but were cut or garbled */
    size_t foreign;    /* not heaptag output at all */
    size_t orphan;     /* table rows with no snapshot line before them */
    size_t first_skipped; /* line number of the first skipped line, 0 if none */
};

struct log_data;

/* An empty data set; exits on out of memory (like the rest of the tool). */
struct log_data *log_new(void);
void log_free(struct log_data *d);

/* Reads every line of f (named name in messages) into d. Per-file counts go
 * to *st (may be NULL). Returns 0, or -1 on a read error (errno set). */
int log_read(struct log_data *d, FILE *f, struct log_stats *st);

/* Reads one line; what the file reader does for each line. Exposed for tests. */
void log_read_line(struct log_data *d, const char *line, size_t len, struct log_stats *st);

/* Groups the rows read so far into series (sorted by time). The array stays
 * valid until log_free; calling it again after more reads rebuilds it. */
const struct log_series *log_series(struct log_data *d, size_t *n);

/* Parses a state word of mon's logs: "live", "exited(N)", "exited", "dead",
 * "killed", "gone". Returns the enum log_state (UNKNOWN if none) and sets
 * *code to the exit code, or -1. */
int log_parse_state(const char *s, size_t len, int *code);

/* Number of distinct snapshots (process and time) seen. */
size_t log_snapshots(const struct log_data *d);

/* "skipped 7 of 1203 lines (3 damaged, 4 foreign), first at line 57", or ""
 * when nothing was skipped. */
void log_skip_summary(char *buf, size_t n, const struct log_stats *st);

/* Parses "2026-11-25T22:40:01Z" (fractional seconds allowed, Z optional) into
 * seconds since the epoch. Returns 0, or -1 if it is not such a timestamp. */
int log_parse_time(const char *s, size_t len, double *t);

#endif
