/*
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
    PROM_BY_TAG,  /* one series per Tag column label (explicit tag, or site) */
    PROM_BY_SITE, /* one series per (label, call site) */
};

struct sym_cache;

struct prom_opts {
    size_t top;       /* series per process, most live bytes first; 1..PROM_TOP_MAX */
    enum prom_by by;
    /* by site: names each site's function in a "function" label (the
     * program's own, sym/symbolize.h); NULL: no such label */
    struct sym_cache *sym;
};

/* Writes the whole exposition for snaps[0..n) (distinct pids; the caller
 * picks one segment per pid) to out. skipped: segment files that could not be
 * read as segments, exported as heaptag_segments_skipped. Every family is one
 * contiguous group with its HELP and TYPE lines. Returns 0, or -1 with errno
 * ENOMEM (nothing useful written). */
int prom_write(FILE *out, const struct segread_snap *snaps, size_t n,
               const struct prom_opts *o, size_t skipped);

/* Writes s as the inside of a quoted label value: backslash, double quote and
 * newline escaped, and every byte that is not part of valid UTF-8 (the format
 * requires it) written as '?'. */
void prom_label_value(FILE *out, const char *s);

#endif
