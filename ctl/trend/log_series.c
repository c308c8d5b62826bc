/* SPDX-License-Identifier: MIT
 * trend/log_series.c - groups the records read into series: splits each pid
 * into runs (counters going backwards, another exe), one series per row of a
 * run sorted by time, and marks which runs ended and how.
 */
#include "trend/log_parse.h"
#include "trend/log_reader.h"
#include "util/xsort.h"

#include <err.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* -1, 0 or 1 as a is below, equal to or above b. */
#define CMP3(a, b) (((a) > (b)) - ((a) < (b)))

static int cmp_time(const void *pa, const void *pb)
{
    const struct log_rec *a = pa, *b = pb;
    int c = CMP3(a->pid, b->pid);
    if (!c)
        c = CMP3(a->pt.t, b->pt.t);
    return c ? c : CMP3(a->order, b->order);
}

/* Records and series both sort by process, then by run of that process. */
static int cmp_run(int pid_a, unsigned run_a, int pid_b, unsigned run_b)
{
    int c = CMP3(pid_a, pid_b);
    return c ? c : CMP3(run_a, run_b);
}

static int cmp_series_key(const void *pa, const void *pb)
{
    const struct log_rec *a = pa, *b = pb;
    int c = cmp_run(a->pid, a->run, b->pid, b->run);
    if (!c)
        c = CMP3((uintptr_t)a->tag, (uintptr_t)b->tag);
    return c ? c : cmp_time(pa, pb);
}

static int cmp_series(const void *pa, const void *pb)
{
    const struct log_series *a = pa, *b = pb;
    int c = cmp_run(a->pid, a->run, b->pid, b->run);
    return c ? c : strcmp(a->tag, b->tag);
}

/* Last allocs per row of the current run, to see counters go backwards. */
struct last_map {
    const struct log_rec **slot;
    size_t cap;
};

static const struct log_rec **last_find(struct last_map *m, const struct log_rec *r)
{
    uint64_t h = (uintptr_t)r->tag * 0x9e3779b97f4a7c15ULL;
    size_t j = (size_t)(h >> 20) & (m->cap - 1);
    while (m->slot[j] && m->slot[j]->tag != r->tag)
        j = (j + 1) & (m->cap - 1);
    return &m->slot[j];
}

/* Splits each pid's records into runs: a new run starts at a snapshot where
 * some row's allocs went down, or where the table names another exe. */
static void assign_runs(struct log_data *d)
{
    if (d->n_rec == 0)
        return; /* nothing read: no array to sort */
    xsort(d->rec, d->n_rec, sizeof *d->rec, cmp_time);
    struct last_map m = { NULL, 16 };
    while (m.cap < d->n_rec * 2 + 16)
        m.cap *= 2;
    m.slot = calloc(m.cap, sizeof *m.slot);
    if (!m.slot)
        err(1, "malloc");
    d->n_snapshots = 0;
    size_t i = 0;
    while (i < d->n_rec) {
        int pid = d->rec[i].pid;
        unsigned run = 0;
        const char *exe = "", *build_id = "";
        memset(m.slot, 0, m.cap * sizeof *m.slot);
        while (i < d->n_rec && d->rec[i].pid == pid) {
            size_t g = i;
            while (g < d->n_rec && d->rec[g].pid == pid && d->rec[g].pt.t == d->rec[i].pt.t)
                g++;
            int restart = 0;
            for (size_t k = i; k < g && !restart; k++) {
                const struct log_rec *last = *last_find(&m, &d->rec[k]);
                if (last && d->rec[k].pt.allocs < last->pt.allocs)
                    restart = 1;
                if (d->rec[k].exe[0] && exe[0] && d->rec[k].exe != exe)
                    restart = 1;
                if (d->rec[k].build_id[0] && build_id[0] && d->rec[k].build_id != build_id)
                    restart = 1;
            }
            if (restart) {
                run++;
                memset(m.slot, 0, m.cap * sizeof *m.slot);
            }
            for (size_t k = i; k < g; k++) {
                d->rec[k].run = run;
                *last_find(&m, &d->rec[k]) = &d->rec[k];
                if (d->rec[k].exe[0])
                    exe = d->rec[k].exe;
                if (d->rec[k].build_id[0])
                    build_id = d->rec[k].build_id;
            }
            d->n_snapshots++;
            i = g;
        }
    }
    free(m.slot);
}

/* Which runs ended: a snapshot that says exited or dead, or mon's last word
 * on the pid after the run's first snapshot (and before the next run's). */
static void mark_ends(struct log_data *d)
{
    for (size_t i = 0; i < d->n_series; i++) {
        struct log_series *s = &d->series[i];
        s->ended = 0;
        s->exit_code = -1;
        s->end_t = 0;
        for (size_t k = 0; k < s->n; k++)
            if (s->pts[k].state == LOG_STATE_EXITED || s->pts[k].state == LOG_STATE_DEAD) {
                s->ended = 1;
                s->end_t = s->pts[k].t;
                break;
            }
        double next = INFINITY; /* first snapshot of the pid's next run */
        /* series are sorted by pid then run: the next runs follow this one */
        for (size_t j = i + 1; j < d->n_series && d->series[j].pid == s->pid; j++)
            if (d->series[j].run > s->run && d->series[j].n && d->series[j].pts[0].t < next)
                next = d->series[j].pts[0].t;
        for (size_t e = 0; e < d->n_ends; e++) {
            const struct log_end *x = &d->ends[e];
            if (x->pid != s->pid || !s->n || x->t < s->pts[0].t || x->t >= next)
                continue;
            if (!s->ended || x->t < s->end_t)
                s->end_t = s->ended ? s->end_t : x->t;
            s->ended = 1;
            if (x->code >= 0)
                s->exit_code = x->code;
        }
    }
}

const struct log_series *log_series(struct log_data *d, size_t *n)
{
    if (d->dirty || !d->series) {
        assign_runs(d);
        xsort(d->rec, d->n_rec, sizeof *d->rec, cmp_series_key);
        free(d->series);
        free(d->points);
        d->series = log_xrealloc(NULL, (d->n_rec ? d->n_rec : 1) * sizeof *d->series);
        d->points = log_xrealloc(NULL, (d->n_rec ? d->n_rec : 1) * sizeof *d->points);
        d->n_series = 0;
        for (size_t i = 0; i < d->n_rec; i++) {
            const struct log_rec *r = &d->rec[i];
            struct log_series *s = d->n_series ? &d->series[d->n_series - 1] : NULL;
            /* a series is what the row is: its tag column (the tag under
             * --by tag, the function under --by func, the module under --by
             * module, the site under --by site) in one run of one process;
             * the site a tag's row shows (its leading one) and the type are
             * attributes that may change from snapshot to snapshot */
            if (!s || s->pid != r->pid || s->run != r->run || s->tag != r->tag) {
                s = &d->series[d->n_series++];
                *s = (struct log_series){ .pid = r->pid, .run = r->run, .exe = r->exe,
                                          .tag = r->tag, .type = r->type, .site = r->site,
                                          .func = r->func, .file = r->file, .line = r->line,
                                          .build_id = r->build_id, .pts = &d->points[i] };
            }
            /* the latest snapshot that says wins */
            s->site = r->site;
            s->type = r->type;
            if (r->exe[0])
                s->exe = r->exe;
            if (r->build_id[0])
                s->build_id = r->build_id;
            if (r->func[0]) {
                s->func = r->func;
                s->file = r->file;
                s->line = r->line;
            }
            /* one point per time: the same snapshot read twice (several
             * copies of a log) is one observation, not two */
            if (s->n && s->pts[s->n - 1].t == r->pt.t && s->pts[s->n - 1].live == r->pt.live &&
                s->pts[s->n - 1].allocs == r->pt.allocs)
                s->n--;
            s->pts[s->n++] = r->pt;
        }
        xsort(d->series, d->n_series, sizeof *d->series, cmp_series);
        mark_ends(d);
        d->dirty = 0;
    }
    *n = d->n_series;
    return d->series;
}

size_t log_snapshots(const struct log_data *d)
{
    return d->n_snapshots;
}

