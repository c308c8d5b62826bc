/* SPDX-License-Identifier: MIT
 * prom/collect.h - what export and serve put on show: one validated snapshot
 * per pid (its live segment, else its latest), either of the pids asked for or
 * of every segment the running user may read, plus the option parsing the two
 * commands share. Unreadable files are skipped quietly, damaged ones counted.
 */
#ifndef HT_PROM_COLLECT_H
#define HT_PROM_COLLECT_H

#include <stddef.h>
#include <sys/types.h>

#include "prom/format.h"
#include "segment/reader.h"

#define PROM_MAX_PIDS 64

struct prom_set {
    struct segread_snap *snaps; /* distinct pids, ascending; header fields only */
    struct prom_proc *procs;    /* procs[i] is snaps[i] grouped, ready to write */
    size_t n;
    size_t skipped;             /* damaged files (not unreadable ones) */
};

/* Called for each pid asked for that yields no snapshot, and each damaged
 * file; path may be "" when there is no file. */
typedef void (*prom_report_fn)(pid_t pid, const char *path, const char *why);

/* Without pids, a process that exited is shown while its exit is this recent
 * (so a scrape every few minutes sees its last counts), or always with --all;
 * one killed without a word (dead) only with --all. */
#define PROM_RECENT_EXIT_S 300
#define PROM_ALL 1u /* flag of prom_collect: every segment, whatever its state */

/* Reads dir: the pids[0..n_pids) in whatever state, or (n_pids 0) every live
 * segment and those that exited recently, every segment with PROM_ALL in
 * flags. Segments left out are never read past their header. Each segment is
 * grouped as o says as soon as it is read and its tables are freed, so a
 * scrape holds one segment's rows at a time. Returns 0, or -1 with errno set
 * when dir cannot be listed or memory runs out. */
int prom_collect(const char *dir, const pid_t *pids, size_t n_pids, unsigned flags,
                 const struct prom_opts *o, struct prom_set *set, prom_report_fn report);
void prom_set_free(struct prom_set *set);

/* Option values shared by export and serve; each exits 2 via ctl_usage_error
 * on a bad value. cmd names the command for the message. */
void prom_parse_pids(const char *cmd, const char *arg, pid_t *pids, size_t *n);
size_t prom_parse_top(const char *cmd, const char *arg);
enum prom_by prom_parse_by(const char *cmd, const char *arg);

/* The options export and serve share: -p PID (repeatable), --top N,
 * --by function|tag|site, --all, and -h/--help. */
struct prom_args {
    pid_t pids[PROM_MAX_PIDS];
    size_t n_pids;
    struct prom_opts opts;
    unsigned flags; /* PROM_ALL */
};
#define PROM_ARGS_INIT { .opts = { .top = PROM_TOP_DEFAULT, .by = PROM_BY_FUNCTION } }
#define PROM_ARGS_LONGOPTS                                  \
    { "top", required_argument, NULL, 'T' },                \
    { "by", required_argument, NULL, 'B' },                 \
    { "all", no_argument, NULL, 'A' },                      \
    { "help", no_argument, NULL, 'h' }

/* getopt_long's answer c (optstring "+:p:...h", opterr 0) that the command
 * did not take itself: one of the shared options into a, or help (exit 0),
 * or the usage error (exit 2) for a missing value or an unknown option. */
void prom_args_opt(const char *cmd, int c, char **argv, struct prom_args *a);

#endif
