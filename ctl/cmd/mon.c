/* SPDX-License-Identifier: MIT
 * cmd/mon.c - `heaptag mon`: picks the live screen (stdout a terminal, no
 * --format, no -n) or the logger (timestamped snapshots every interval, or
 * one snapshot to a file with -N), and paces the logger's loop; with -p the
 * logger ends when its processes are gone, with a last line saying how. The data
 * comes from mon_model.c, the drawing from mon_render.c and mon_screen.c.
 */
#include <err.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "util/fmt.h"
#include "mon/model.h"
#include "mon/view.h"
#include "mon/opts.h"
#include "mon/render.h"
#include "mon/screen.h"
#include "util/out.h"
#include "segment/preload.h"
#include "util/text_safe.h"
#include "mon/tag_desc.h"
#include "segment/find.h"
#include "segment/reader.h"

#define MON_MAX_WARNED 256
/* -p pids whose end is tracked (more are watched, their end is not awaited) */
#define MON_MAX_PIDS_ENDED 64

/* Problems are reported once per run, not once per snapshot. */
static int mon_first_warning(const char *name)
{
    static char warned[MON_MAX_WARNED][NAME_MAX + 1];
    static size_t n;
    for (size_t i = 0; i < n; i++)
        if (!strcmp(warned[i], name))
            return 0;
    if (n < MON_MAX_WARNED)
        strcpy(warned[n++], name);
    return 1;
}

/* Says what went wrong with the segments of this round. With -p, a pid that
 * cannot be read in the first round is an error; later it has vanished. */
static size_t mon_problems(const struct mon_model *m, int with_pids, int first)
{
    size_t good = 0;
    for (size_t i = 0; i < m->n_procs; i++) {
        const struct mon_proc *p = &m->procs[i];
        if (p->status == MON_PROC_OK) {
            good++;
            continue;
        }
        if (with_pids && first) {
            out_flush();
            if (p->status == MON_PROC_GONE && !strcmp(p->why, "not tagged")) {
                char why[PATH_MAX + 256];
                preload_why_no_segment(p->pid, m->cfg.dir, why, sizeof why);
                errx(1, "Query heap tags failed: PID %d has no segment in %s: %s", (int)p->pid,
                     m->cfg.dir, text_safe_str(why)); /* may name its exe */
            }
            errx(1, "Query heap tags failed: PID %d: %s: %s", (int)p->pid, p->name, p->why);
        }
        if (p->status == MON_PROC_GONE)
            continue; /* went away: without -p nothing to say, with -p the end line says it */
        if (mon_first_warning(p->name)) {
            out_flush();
            if (p->status == MON_PROC_DAMAGED)
                warnx("%s/%s: skipped: %s", m->cfg.dir, p->name, p->why);
            else
                warnx("PID %d vanished: %s", (int)p->pid, p->why);
        }
    }
    return good;
}

static void mon_sleep_until(struct timespec *next, long long interval_ns)
{
    struct timespec now;
    next->tv_sec += (time_t)(interval_ns / 1000000000LL);
    next->tv_nsec += (long)(interval_ns % 1000000000LL);
    if (next->tv_nsec >= 1000000000L) {
        next->tv_sec++;
        next->tv_nsec -= 1000000000L;
    }
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (now.tv_sec > next->tv_sec || (now.tv_sec == next->tv_sec && now.tv_nsec > next->tv_nsec)) {
        *next = now; /* fell behind (stopped, slow disk): start afresh, no burst */
        return;
    }
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, next, NULL) == EINTR)
        ;
}

static void mon_no_segments(const struct mon_model *m)
{
    out_flush();
    errx(1, "Query heap tags failed: no tagged process found in %s; start one with heaptag run",
         m->cfg.dir);
}

/* -N FILE: one snapshot, written to the file. */
static int mon_snapshot_file(struct mon_opts *o, struct mon_model *m)
{
    char ts[32];
    mon_model_refresh(m);
    if (mon_problems(m, o->n_pids > 0, 1) == 0 && !o->n_pids)
        mon_no_segments(m);
    mon_model_view(m, &o->view);
    FILE *f = fopen(o->snap_file, "w");
    if (!f)
        err(1, "%s", o->snap_file);
    fmt_timestamp(ts, sizeof ts, time(NULL));
    mon_render_header(f, o->format, o->tag_file != NULL);
    mon_render(f, m, o->format, ts, o->tag_file != NULL);
    if (ferror(f) | fclose(f))
        err(1, "%s", o->snap_file);
    return 0;
}

/* With -p: how a watched pid ended ("exited(0)", "exited", "killed",
 * "gone"), or NULL while any segment of it is live or cannot be judged.
 * last[] remembers what was seen before, so a kept segment read as exited
 * and then removed still says its exit code. */
static const char *mon_ended(const struct mon_model *m, pid_t pid, char *last, size_t n)
{
    int seen = 0;
    for (size_t i = 0; i < m->n_procs; i++) {
        const struct mon_proc *p = &m->procs[i];
        if (p->pid != pid)
            continue;
        seen = 1;
        if (p->status == MON_PROC_DAMAGED)
            return NULL; /* a torn read: judge it next time */
        if (p->status == MON_PROC_GONE)
            continue;
        if (p->state == SEGREAD_LIVE)
            return NULL;
        if (p->state == SEGREAD_EXITED)
            mon_state_text(last, n, p);
        else
            snprintf(last, n, "killed");
    }
    if (!*last)
        snprintf(last, n, "gone");
    (void)seen;
    return last;
}

/* Says how each watched pid ended, in the log and on stderr; returns 1 when
 * none is left to watch. */
static int mon_all_ended(const struct mon_opts *o, const struct mon_model *m, char (*last)[32],
                         const char *ts)
{
    const char *how[MON_MAX_PIDS_ENDED];
    size_t n = o->n_pids < MON_MAX_PIDS_ENDED ? o->n_pids : MON_MAX_PIDS_ENDED;
    for (size_t i = 0; i < n; i++)
        if (!(how[i] = mon_ended(m, o->pids[i], last[i], sizeof last[i])))
            return 0;
    for (size_t i = 0; i < n; i++) {
        mon_render_end(stdout, o->format, ts, (int)o->pids[i], how[i], o->tag_file != NULL);
        out_flush();
        warnx("mon: PID %d ended (%s); nothing left to watch", (int)o->pids[i], how[i]);
    }
    return 1;
}

static int mon_log(struct mon_opts *o, struct mon_model *m)
{
    static char last[MON_MAX_PIDS_ENDED][32];
    struct timespec next;
    char ts[32];
    out_init();
    clock_gettime(CLOCK_MONOTONIC, &next);
    for (unsigned long round = 0; o->count == 0 || round < o->count; round++) {
        if (round > 0)
            mon_sleep_until(&next, o->interval_ns);
        fmt_timestamp(ts, sizeof ts, time(NULL));
        mon_model_refresh(m);
        if (mon_problems(m, o->n_pids > 0, round == 0) == 0 && round == 0 && !o->n_pids)
            mon_no_segments(m);
        mon_model_view(m, &o->view);
        if (round == 0)
            mon_render_header(stdout, o->format, o->tag_file != NULL);
        mon_render(stdout, m, o->format, ts, o->tag_file != NULL);
        out_flush();
        if (o->n_pids && mon_all_ended(o, m, last, ts))
            break;
    }
    return 0;
}

/* The last part of a path. */
static const char *mon_base(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* -p NAME: every tagged process whose program (the last part of its exe or
 * of the name it was started as) or whose /proc name is NAME, added to
 * o->pids once each. None: exit 1. */
static void mon_resolve_names(struct mon_opts *o, const char *dir)
{
    struct segread_entry *e = NULL;
    size_t n = 0;
    if (o->n_names && segread_list(dir, &e, &n) != 0)
        err(1, "%s", dir);
    for (size_t k = 0; k < o->n_names; k++) {
        size_t found = 0;
        for (size_t i = 0; i < n; i++) {
            struct segread_snap snap;
            const char *why;
            if (segread_open(dir, e[i].name, &snap, &why) != SEGREAD_OK)
                continue;
            char comm[64] = "";
            char path[64];
            snprintf(path, sizeof path, "/proc/%d/comm", (int)snap.pid);
            FILE *f = snap.state == SEGREAD_LIVE ? fopen(path, "r") : NULL;
            if (f) {
                if (fgets(comm, sizeof comm, f))
                    comm[strcspn(comm, "\n")] = '\0';
                fclose(f);
            }
            /* the name it was started as: the first word of its command line */
            char arg0[sizeof snap.cmdline];
            snprintf(arg0, sizeof arg0, "%.*s", (int)strcspn(snap.cmdline, " "), snap.cmdline);
            int match = !strcmp(mon_base(snap.exe), o->names[k]) || !strcmp(comm, o->names[k]) ||
                        !strcmp(mon_base(arg0), o->names[k]);
            pid_t pid = snap.pid;
            segread_close(&snap);
            if (!match)
                continue;
            found++;
            size_t j = 0;
            while (j < o->n_pids && o->pids[j] != pid)
                j++;
            if (j < o->n_pids)
                continue;
            if (o->n_pids == MON_MAX_PIDS)
                ctl_usage_error("mon: '%s' names more than %d processes", o->names[k],
                                MON_MAX_PIDS);
            o->pids[o->n_pids++] = pid;
        }
        if (!found)
            errx(1, "mon: no tagged process is named '%s' (heaptag ls lists them)",
                 text_safe_str(o->names[k]));
    }
    free(e);
}

int cmd_mon(int argc, char **argv)
{
    struct mon_opts o;
    struct mon_model m;
    struct tag_desc *desc = NULL;
    mon_opts_parse(&o, argc, argv);
    mon_resolve_names(&o, segread_dir());
    if (o.tag_file && !(desc = tag_desc_load(o.tag_file))) {
        if (errno == EINVAL)
            errx(1, "%s: not a regular file", o.tag_file);
        err(1, "%s", o.tag_file);
    }

    int screen = !o.snap_file && !o.format_set && !o.count && isatty(STDOUT_FILENO);
    struct mon_cfg cfg = {
        .dir = segread_dir(),
        .pids = o.n_pids ? o.pids : NULL,
        .n_pids = o.n_pids,
        .by = o.by,
        .split = screen ? o.split : 1, /* logs keep a block per process */
        .name_sites = 1,
        .func_first = screen,
        .children = o.children,
        /* the screen without -p watches live processes; logs keep every one */
        .live_only = screen && !o.all && !o.n_pids,
        .desc = desc,
        .old_secs = o.old_secs,
    };
    o.view.pid_first = !screen;
    mon_model_init(&m, &cfg);
    int rc;
    if (o.snap_file)
        rc = mon_snapshot_file(&o, &m);
    else if (screen) {
        if (o.n_pids) { /* a pid without a segment: say why before the screen starts */
            mon_model_refresh(&m);
            mon_problems(&m, 1, 1);
        }
        rc = mon_screen_run(&o, &m);
    }
    else
        rc = mon_log(&o, &m);
    mon_model_fini(&m);
    tag_desc_free(desc);
    for (size_t i = 0; i < o.n_names; i++)
        free((char *)o.names[i]);
    return rc;
}
