/*
 * prom/collect.c - gathers the snapshots an exposition shows: one per pid, so
 * no two processes' series collide, chosen as `mon -p` chooses (live first,
 * then the latest started). Never prints; reports through a callback.
 */
#include "prom/collect.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

/* As segread_open_pid: live beats not live, then the later start wins. */
static int prom_better(const struct segread_snap *a, const struct segread_snap *b)
{
    if ((a->state == SEGREAD_LIVE) != (b->state == SEGREAD_LIVE))
        return a->state == SEGREAD_LIVE;
    return a->start_unix_ns > b->start_unix_ns;
}

static int prom_by_pids(const char *dir, const pid_t *pids, size_t n_pids,
                        struct prom_set *set, prom_report_fn report)
{
    set->snaps = calloc(n_pids, sizeof *set->snaps);
    if (!set->snaps)
        return -1;
    for (size_t i = 0; i < n_pids; i++) {
        struct segread_snap *s = &set->snaps[set->n];
        const char *why;
        int rc = segread_open_pid(dir, pids[i], s, &why);
        if (rc == SEGREAD_OK) {
            set->n++;
            continue;
        }
        if (rc == SEGREAD_DAMAGED)
            set->skipped++;
        if (report)
            report(pids[i], s->path, why);
    }
    return 0;
}

static int prom_all(const char *dir, struct prom_set *set, prom_report_fn report)
{
    struct segread_entry *v;
    size_t n;
    if (segread_list(dir, &v, &n) != 0)
        return -1;
    set->snaps = calloc(n ? n : 1, sizeof *set->snaps);
    if (!set->snaps) {
        free(v);
        errno = ENOMEM;
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        struct segread_snap *s = &set->snaps[set->n], *prev = set->n ? s - 1 : NULL;
        const char *why;
        int rc = segread_open(dir, v[i].name, s, &why);
        if (rc == SEGREAD_DAMAGED) {
            set->skipped++;
            if (report)
                report(v[i].pid, s->path, why);
        }
        if (rc != SEGREAD_OK)
            continue; /* not ours to read: quietly left out */
        if (prev && prev->pid == s->pid) { /* list is sorted by pid: keep the better */
            if (prom_better(s, prev)) {
                segread_close(prev);
                *prev = *s;
            } else {
                segread_close(s);
            }
            continue;
        }
        set->n++;
    }
    free(v);
    return 0;
}

int prom_collect(const char *dir, const pid_t *pids, size_t n_pids, struct prom_set *set,
                 prom_report_fn report)
{
    memset(set, 0, sizeof *set);
    int rc = n_pids ? prom_by_pids(dir, pids, n_pids, set, report)
                    : prom_all(dir, set, report);
    if (rc != 0) {
        int e = errno ? errno : ENOMEM;
        prom_set_free(set);
        errno = e;
    }
    return rc;
}

void prom_set_free(struct prom_set *set)
{
    for (size_t i = 0; i < set->n; i++)
        segread_close(&set->snaps[i]);
    free(set->snaps);
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

enum prom_by prom_parse_by(const char *cmd, const char *arg)
{
    if (!strcmp(arg, "tag"))
        return PROM_BY_TAG;
    if (!strcmp(arg, "site"))
        return PROM_BY_SITE;
    ctl_usage_error("%s: unknown grouping '%s' (tag or site)", cmd, arg);
}
