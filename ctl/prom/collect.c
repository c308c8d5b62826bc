/* SPDX-License-Identifier: MIT
 * prom/collect.c - gathers the snapshots an exposition shows: one per pid, so
 * no two processes' series collide, chosen as `mon -p` chooses (live first,
 * then the latest started). Never prints; reports through a callback.
 */
#include "prom/collect.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl.h"

/* As segread_open_pid: live beats not live, then the later start wins. */
static int prom_better(const struct segread_snap *a, const struct segread_snap *b)
{
    if ((a->state == SEGREAD_LIVE) != (b->state == SEGREAD_LIVE))
        return a->state == SEGREAD_LIVE;
    return a->start_unix_ns > b->start_unix_ns;
}

/* Groups the snapshot at set->n and frees its tables: it is then shown. */
static int prom_take(struct prom_set *set, const struct prom_opts *o)
{
    struct segread_snap *s = &set->snaps[set->n];
    int rc = prom_proc_prepare(&set->procs[set->n], s, o);
    segread_close(s); /* the header fields stay for the exposition */
    if (rc != 0) {
        prom_proc_free(&set->procs[set->n]);
        return -1;
    }
    set->n++;
    return 0;
}

static int prom_by_pids(const char *dir, const pid_t *pids, size_t n_pids,
                        const struct prom_opts *o, struct prom_set *set, prom_report_fn report)
{
    set->snaps = calloc(n_pids, sizeof *set->snaps);
    set->procs = calloc(n_pids, sizeof *set->procs);
    if (!set->snaps || !set->procs)
        return -1;
    for (size_t i = 0; i < n_pids; i++) {
        struct segread_snap *s = &set->snaps[set->n];
        const char *why;
        int rc = segread_open_pid(dir, pids[i], s, &why);
        if (rc == SEGREAD_OK) {
            if (prom_take(set, o) != 0)
                return -1;
            continue;
        }
        if (rc == SEGREAD_DAMAGED)
            set->skipped++;
        if (report)
            report(pids[i], s->path, why);
    }
    return 0;
}

/* Is this segment on show without --all? Decided from its header alone. */
static int prom_wanted(const char *dir, const char *name, int64_t now_ns)
{
    enum segread_state state;
    uint64_t exit_ns;
    int rc = segread_peek(dir, name, &state, &exit_ns);
    if (rc == SEGREAD_DAMAGED)
        return 1; /* read in full, to be counted and reported as skipped */
    if (rc != SEGREAD_OK)
        return 0;
    if (state == SEGREAD_LIVE)
        return 1;
    return state == SEGREAD_EXITED && exit_ns != 0 &&
           (int64_t)exit_ns >= now_ns - (int64_t)PROM_RECENT_EXIT_S * 1000000000;
}

static int prom_all(const char *dir, unsigned flags, const struct prom_opts *o,
                    struct prom_set *set, prom_report_fn report)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    int64_t now_ns = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
    struct segread_entry *v;
    size_t n;
    if (segread_list(dir, &v, &n) != 0)
        return -1;
    set->snaps = calloc(n + 1, sizeof *set->snaps);
    set->procs = calloc(n + 1, sizeof *set->procs);
    if (!set->snaps || !set->procs) {
        free(v);
        errno = ENOMEM;
        return -1;
    }
    /* the list is sorted by pid: the best segment of a pid is pending at
     * snaps[n] until the next pid comes, then grouped and its tables freed */
    int pending = 0;
    for (size_t i = 0; i < n; i++) {
        struct segread_snap *best = &set->snaps[set->n], cand;
        const char *why;
        if (!(flags & PROM_ALL) && !prom_wanted(dir, v[i].name, now_ns))
            continue;
        int rc = segread_open(dir, v[i].name, &cand, &why);
        if (rc == SEGREAD_DAMAGED) {
            set->skipped++;
            if (report)
                report(v[i].pid, cand.path, why);
        }
        if (rc != SEGREAD_OK)
            continue; /* not ours to read: quietly left out */
        if (pending && best->pid == cand.pid) {
            if (prom_better(&cand, best)) {
                segread_close(best);
                *best = cand;
            } else {
                segread_close(&cand);
            }
            continue;
        }
        if (pending && prom_take(set, o) != 0) {
            segread_close(&cand);
            free(v);
            return -1;
        }
        set->snaps[set->n] = cand;
        pending = 1;
    }
    free(v);
    return pending ? prom_take(set, o) : 0;
}

int prom_collect(const char *dir, const pid_t *pids, size_t n_pids, unsigned flags,
                 const struct prom_opts *o, struct prom_set *set, prom_report_fn report)
{
    memset(set, 0, sizeof *set);
    int rc = n_pids ? prom_by_pids(dir, pids, n_pids, o, set, report)
                    : prom_all(dir, flags, o, set, report);
    if (rc != 0) {
        int e = errno ? errno : ENOMEM;
        prom_set_free(set);
        errno = e;
    }
    return rc;
}

void prom_set_free(struct prom_set *set)
{
    for (size_t i = 0; i < set->n; i++) {
        segread_close(&set->snaps[i]);
        if (set->procs)
            prom_proc_free(&set->procs[i]);
    }
    free(set->snaps);
    free(set->procs);
    memset(set, 0, sizeof *set);
}

void prom_parse_pids(const char *cmd, const char *arg, pid_t *pids, size_t *n)
{
    const char *p = arg;
    for (;;) {
        char *end;
        errno = 0;
        long v = strtol(p, &end, 10);
        if (end == p || *p < '0' || *p > '9' || errno || v <= 0 || v > INT_MAX ||
            (*end && *end != ','))
            ctl_usage_error("%s: bad PID list '%s'", cmd, arg);
        size_t k;
        for (k = 0; k < *n && pids[k] != (pid_t)v; k++)
            ;
        if (k == *n) { /* a pid given twice is shown once */
            if (*n == PROM_MAX_PIDS)
                ctl_usage_error("%s: at most %d PIDs", cmd, PROM_MAX_PIDS);
            pids[(*n)++] = (pid_t)v;
        }
        if (!*end)
            return;
        p = end + 1;
    }
}

size_t prom_parse_top(const char *cmd, const char *arg)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(arg, &end, 10);
    if (arg[0] < '0' || arg[0] > '9' || *end || errno || v == 0 || v > PROM_TOP_MAX)
        ctl_usage_error("%s: bad --top '%s' (1 to %d)", cmd, arg, PROM_TOP_MAX);
    return v;
}

void prom_args_opt(const char *cmd, int c, char **argv, struct prom_args *a)
{
    switch (c) {
    case 'p': prom_parse_pids(cmd, optarg, a->pids, &a->n_pids); break;
    case 'T': a->opts.top = prom_parse_top(cmd, optarg); break;
    case 'B': a->opts.by = prom_parse_by(cmd, optarg); break;
    case 'A': a->flags |= PROM_ALL; break;
    case 'h': ctl_help();
    case ':': ctl_usage_error("%s: %s needs a value", cmd, argv[optind - 1]);
    default: ctl_usage_error("%s: unknown option '%s'", cmd, argv[optind - 1]);
    }
}

enum prom_by prom_parse_by(const char *cmd, const char *arg)
{
    if (!strcmp(arg, "function") || !strcmp(arg, "func"))
        return PROM_BY_FUNCTION;
    if (!strcmp(arg, "tag"))
        return PROM_BY_TAG;
    if (!strcmp(arg, "site"))
        return PROM_BY_SITE;
    ctl_usage_error("%s: unknown grouping '%s' (function, tag or site)", cmd, arg);
}
