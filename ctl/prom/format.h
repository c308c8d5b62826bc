/* SPDX-License-Identifier: MIT
 * prom/format.h - the Prometheus text exposition (format 0.0.4) of a set of
 * snapshots: per process and tag (or tag, site and its function) allocation and free
 * counters and live and peak byte gauges, capped per process, plus the health
 * of each process's segment. Writes to a FILE only: never exits, never reads.
 */
#ifndef HT_PROM_FORMAT_H
#define HT_PROM_FORMAT_H

#include <stddef.h>
#include <stdio.h>

#include "segment/reader.h"

#define PROM_TOP_DEFAULT 100
#define PROM_TOP_MAX     100000

/* The Content-Type of the exposition, for HTTP. */
#define PROM_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

enum prom_by {
    PROM_BY_FUNCTION, /* the default: a site row by its function and file (the
                       * labels a rebuild keeps), any other row by its label */
    PROM_BY_TAG,      /* one series per Tag column label (explicit tag, or module+0xoff) */
    PROM_BY_SITE,     /* one series per (label, call site) */
};

struct sym_cache;

struct prom_opts {
    size_t top;       /* series per process, most live bytes first; 1..PROM_TOP_MAX */
    enum prom_by by;
    /* by function and by site: names each site's function and file in
     * "function" and "file" labels (the program's own, sym/symbolize.h);
     * NULL: no such labels (and by function then groups as by tag) */
    struct sym_cache *sym;
};

struct prom_series;

/* One process, ready to print: its kept series, most live bytes first. Once
 * prepared, only the header fields of snap are read (pid, exe, state, counters
 * of the header): its rows and modules may be freed (segread_close). */
struct prom_proc {
    const struct segread_snap *snap;
    struct prom_series *series;
    size_t n;
    uint64_t dropped;    /* row groups past the --top cap */
    uint64_t live_total; /* live bytes over every row */
};

/* Groups s's rows as o says into p. Returns 0, or -1 with errno ENOMEM. */
int prom_proc_prepare(struct prom_proc *p, const struct segread_snap *s,
                      const struct prom_opts *o);
void prom_proc_free(struct prom_proc *p);

/* Writes the whole exposition of prepared processes (distinct pids). */
void prom_write_procs(FILE *out, const struct prom_proc *procs, size_t n,
                      const struct prom_opts *o, size_t skipped);

/* Writes the whole exposition for snaps[0..n) (distinct pids; the caller
 * picks one segment per pid) to out. skipped: segment files that could not be
 * read as segments, exported as heaptag_segments_skipped. Every family is one
 * contiguous group with its HELP and TYPE lines. Returns 0, or -1 with errno
 * ENOMEM (nothing useful written). */
int prom_write(FILE *out, const struct segread_snap *snaps, size_t n,
               const struct prom_opts *o, size_t skipped);

/* Writes s as the inside of a quoted label value: made printable first
 * (util/text_safe.h: control bytes and bytes that are not valid UTF-8 as
 * \xNN), then backslash and double quote escaped as the format requires. */
void prom_label_value(FILE *out, const char *s);

#endif
