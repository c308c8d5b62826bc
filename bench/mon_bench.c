/* SPDX-License-Identifier: MIT
 * mon_bench.c - how long a mon refresh takes at scale. Writes synthetic
 * segments (PROCS processes, ROWS rows in all, half tagged, half call sites in
 * one module) into a fresh directory, then times the model's refresh and view
 * as the screen uses them (summed by tag, by site) and as the logger does
 * (split by process). Usage: mon_bench [PROCS [ROWS [REFRESHES]]]
 */
#include <err.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "heaptag_segment.h"
#include "mon/model.h"
#include "mon/view.h"
#include "segbuild.h"

#define BENCH_PID0 1900000000

static void bench_segment(const char *dir, int pid, uint32_t rows, uint32_t salt)
{
    /* HT_SHARDS counter sets, as a process with that many threads; row 0 the overflow row */
    const struct segbuild_plan plan = { .rows = rows + 1, .modules = 1,
                                        .counter_sets = HT_SHARDS, .counter_slots = HT_SHARDS };
    struct segbuild b;
    if (segbuild_init(&b, &plan) != 0)
        err(1, "calloc");
    struct ht_seg_header *h = b.h;
    h->pid = pid;
    h->state = HT_SEG_EXITED; /* no /proc look-up for a pid that is not ours */
    h->rows_used = rows + 1;
    h->modules_used = 1;
    snprintf(h->exe, sizeof h->exe, "/usr/bin/bench%d", pid);
    segbuild_set_module(&b, 0, 0x400000, 0x10000000, "/nonexistent/libbench.so");
    for (uint32_t i = 1; i <= rows; i++) {
        struct ht_row *r = segbuild_row(&b, i);
        r->state = HT_ROW_READY;
        r->module = 0;
        if (i % 2) {
            r->kind = HT_KIND_TAG;
            snprintf(r->tag, sizeof r->tag, "T%05u", (i * 7 + salt) % 20000);
            r->site = 0x400000 + 16 * (i % 64);
        } else {
            r->kind = HT_KIND_SITE;
            r->site = 0x400000 + 16 * (uint64_t)(i + salt * 131);
        }
        for (int k = 0; k < HT_SHARDS; k++) {
            struct ht_counters *c = segbuild_counters(&b, (uint32_t)k, i);
            c->allocs = 10 + i + k;
            c->frees = i / 2;
            c->bytes_alloc = 100 * (uint64_t)(10 + i + k);
            c->bytes_freed = 50 * (uint64_t)i;
        }
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/heaptag.%d", dir, pid);
    if (segbuild_write(&b, path, b.size) != 0)
        err(1, "%s", path);
    segbuild_free(&b);
}

static double bench_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static void bench_run(const char *dir, const char *what, enum mon_by by, int split, int n)
{
    /* as cmd/mon.c sets it: sites named on the screen and in logs, the
     * screen's Site text function first */
    struct mon_cfg cfg = { .dir = dir, .by = by, .split = split, .name_sites = 1,
                           .func_first = !split };
    struct mon_view_cfg view = { .sort = MON_SORT_BYTES, .pid_first = split };
    struct mon_model m;
    mon_model_init(&m, &cfg);
    mon_model_refresh(&m); /* the first one fills the hash */
    mon_model_view(&m, &view);
    double t0 = bench_now(), worst = 0;
    for (int i = 0; i < n; i++) {
        double a = bench_now();
        mon_model_refresh(&m);
        mon_model_view(&m, &view);
        double d = bench_now() - a;
        if (d > worst)
            worst = d;
    }
    double avg = (bench_now() - t0) / n;
    printf("%-28s %6zu procs %7zu rows -> %7zu lines: %7.1f ms a refresh (worst %.1f ms)\n",
           what, m.n_procs, m.tagged_rows, m.n_view, avg * 1e3, worst * 1e3);
    mon_model_fini(&m);
}

int main(int argc, char **argv)
{
    int procs = argc > 1 ? atoi(argv[1]) : 50;
    int rows = argc > 2 ? atoi(argv[2]) : 100000;
    int n = argc > 3 ? atoi(argv[3]) : 10;
    if (procs <= 0 || rows < procs || n <= 0)
        errx(2, "usage: mon_bench [PROCS [ROWS [REFRESHES]]]");
    char dir[] = "/tmp/heaptag-bench.XXXXXX";
    if (!mkdtemp(dir))
        err(1, "mkdtemp");
    for (int p = 0; p < procs; p++)
        bench_segment(dir, BENCH_PID0 + p, (uint32_t)(rows / procs), (uint32_t)p);
    bench_run(dir, "screen, by tag (summed)", MON_BY_TAG, 0, n);
    bench_run(dir, "screen, by site (summed)", MON_BY_SITE, 0, n);
    bench_run(dir, "log, by tag (per process)", MON_BY_TAG, 1, n);
    for (int p = 0; p < procs; p++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/heaptag.%d", dir, BENCH_PID0 + p);
        unlink(path);
    }
    rmdir(dir);
    return 0;
}
