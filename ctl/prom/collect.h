/*
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
    struct segread_snap *snaps; /* distinct pids, ascending */
    size_t n;
    size_t skipped;             /* damaged files (not unreadable ones) */
};

/* Called for each pid asked for that yields no snapshot, and each damaged
 * file; path may be "" when there is no file. */
typedef void (*prom_report_fn)(pid_t pid, const char *path, const char *why);

/* Reads dir: the pids[0..n_pids) (n_pids 0: every segment). Returns 0, or -1
 * with errno set when dir cannot be listed or memory runs out. */
int prom_collect(const char *dir, const pid_t *pids, size_t n_pids, struct prom_set *set,
                 prom_report_fn report);
void prom_set_free(struct prom_set *set);

/* Option values shared by export and serve; each exits 2 via ctl_usage_error
 * on a bad value. cmd names the command for the message. */
void prom_parse_pids(const char *cmd, const char *arg, pid_t *pids, size_t *n);
size_t prom_parse_top(const char *cmd, const char *arg);
enum prom_by prom_parse_by(const char *cmd, const char *arg);

#endif
