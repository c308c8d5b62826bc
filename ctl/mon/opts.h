/* SPDX-License-Identifier: MIT
 * mon/opts.h - the start-up options of `heaptag mon`, in both spellings
 * (dashed and PoolMon's slashed: -b and /b, /( , /iTag /xTag, -e, -l, ...).
 * Parsing only: usage errors exit 2 from inside, nothing else happens here.
 */
#ifndef HT_MON_OPTS_H
#define HT_MON_OPTS_H

#include <sys/types.h>

#include "mon/model.h"
#include "mon/render.h"

#define MON_MAX_PIDS 64

struct mon_opts {
    pid_t    pids[MON_MAX_PIDS];
    size_t   n_pids;
    const char *names[MON_MAX_PIDS]; /* -p NAME: program names, resolved by cmd/mon.c */
    size_t   n_names;
    unsigned long count;      /* -n; 0: forever */
    long long interval_ns;    /* -i */
    struct mon_view_cfg view; /* sort, reverse, by_change, type, include, exclude */
    enum mon_format format;
    int      format_set;      /* --format given: log even on a terminal */
    enum mon_by by;
    int      split;           /* --split: a line per process */
    int      children;        /* --children: the -p processes' descendants too */
    int      all;             /* --all: exited and dead processes on the screen too */
    int      totals;          /* -e: the totals line */
    int      no_highlight;    /* -l */
    const char *snap_file;    /* -N FILE or /n: one snapshot to a file */
    const char *tag_file;     /* -g FILE */
    uint64_t old_secs;        /* --old SECS: live bytes at least this old are Old */
};

void mon_opts_parse(struct mon_opts *o, int argc, char **argv);

#endif
