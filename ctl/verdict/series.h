/* SPDX-License-Identifier: MIT
 * verdict/series.h - what a verdict is judged on: one row of one process run
 * over time, as a log, Prometheus or the live screen gives it. Data only;
 * the readers (trend/) fill it, the analysis (verdict/) reads it.
 */
#ifndef HT_VERDICT_SERIES_H
#define HT_VERDICT_SERIES_H

#include <stddef.h>
#include <stdint.h>

/* A fleet's two days are tens of millions of points: the flags are bytes,
 * after the counts, so a point is 56 bytes and not 64. */
struct log_point {
    double t;        /* seconds since the epoch, UTC */
    uint64_t live;   /* live bytes of the row */
    uint64_t allocs;
    uint64_t peak;   /* peak live bytes, when has_peak (CSV and JSON have it) */
    uint64_t old;    /* live bytes mon counted old (--old), when has_old */
    int64_t blocks;  /* live blocks (allocs - frees), when has_blocks */
    unsigned char has_peak, has_old, has_blocks;
    unsigned char state; /* enum log_state of the process in this snapshot */
};

/* The process's state as mon logged it with each snapshot ("state live",
 * "exited(3)", "dead"); UNKNOWN in logs written before mon said. */
enum log_state { LOG_STATE_UNKNOWN, LOG_STATE_LIVE, LOG_STATE_EXITED, LOG_STATE_DEAD };

/* One row of one process over time. A pid whose counters go backwards (a new
 * process with a recycled pid, or a different exe) starts a new run. */
struct log_series {
    int pid;
    unsigned run;
    const char *exe;   /* "" when the log does not say (old CSV and JSON logs) */
    const char *tag;   /* the Tag column */
    const char *type;  /* Tag, Site, Mod, Ovfl */
    const char *site;  /* the Site column of the latest snapshot, "" when absent: under
                        * --by tag a tag's leading site, which may change */
    /* what the log says names the site (the latest snapshot's): "" and 0
     * when it does not (old logs, the table, unknown) */
    const char *func;
    const char *file;
    int line;
    const char *build_id; /* the exe's, lower-case hex; "" when the log does not say */
    struct log_point *pts;
    size_t n;
    int ended;         /* the log says this run of the process ended */
    double end_t;      /* when mon saw it end (or its last snapshot), if ended */
    int exit_code;     /* -1 when not known (killed, gone) */
    const char *instance; /* Prometheus' instance label (trend --prometheus); NULL in logs */
};

#endif
