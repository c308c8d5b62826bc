/*
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

#define BENCH_PID0 1900000000

static void bench_segment(const char *dir, int pid, uint32_t rows, uint32_t salt)
{
    uint64_t hs = sizeof(struct ht_seg_header);
    uint64_t mod_off = hs, rows_off = hs + sizeof(struct ht_module);
    /* HT_SHARDS counter sets after the rows, as a process with that many threads */
    uint64_t ctr_off = rows_off + (uint64_t)(rows + 1) * sizeof(struct ht_row);
    uint64_t stride = (uint64_t)(rows + 1) * sizeof(struct ht_counters);
    uint64_t size = ctr_off + HT_SHARDS * stride;
    char *img = calloc(1, size);
    if (!img)
        err(1, "calloc");
    struct ht_seg_header *h = (struct ht_seg_header *)img;
    h->magic = HT_SEG_MAGIC;
    h->version = HT_SEG_VERSION;
    h->header_size = (uint32_t)hs;
    h->segment_size = size;
    h->pid = pid;
    h->state = HT_SEG_EXITED; /* no /proc look-up for a pid that is not ours */
    h->row_size = sizeof(struct ht_row);
    h->row_capacity = rows + 1;
    h->rows_offset = rows_off;
    h->rows_used = rows + 1;
    h->module_size = sizeof(struct ht_module);
    h->module_capacity = 1;
    h->modules_offset = mod_off;
    h->modules_used = 1;
    h->counter_sets = HT_SHARDS;
    h->counter_slots = HT_SHARDS;
    h->counters_offset = ctr_off;
    h->counter_stride = stride;
    snprintf(h->exe, sizeof h->exe, "/usr/bin/bench%d", pid);
    struct ht_module *m = (struct ht_module *)(img + mod_off);
    m->base = 0x400000;
    m->size = 0x10000000;
    m->state = 1;
    snprintf(m->path, sizeof m->path, "/nonexistent/libbench.so");
    struct ht_row *r = (struct ht_row *)(img + rows_off);
    for (uint32_t i = 1; i <= rows; i++) {
        r[i].state = HT_ROW_READY;
        r[i].module = 0;
        if (i % 2) {
            r[i].kind = HT_KIND_TAG;
            snprintf(r[i].tag, sizeof r[i].tag, "T%05u", (i * 7 + salt) % 20000);
            r[i].site = 0x400000 + 16 * (i % 64);
        } else {
            r[i].kind = HT_KIND_SITE;
            r[i].site = 0x400000 + 16 * (uint64_t)(i + salt * 131);
        }
        for (int k = 0; k < HT_SHARDS; k++) {
            struct ht_counters *c = (struct ht_counters *)(img + ctr_off + k * stride) + i;
            c->allocs = 10 + i + k;
            c->frees = i / 2;
            c->bytes_alloc = 100 * (uint64_t)(10 + i + k);
            c->bytes_freed = 50 * (uint64_t)i;
        }
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/heaptag.%d", dir, pid);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || write(fd, img, size) != (ssize_t)size || close(fd) != 0)
        err(1, "%s", path);
    free(img);
}

static double bench_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static void bench_run(const char *dir, const char *what, enum mon_by by, int split, int n)
{
    struct mon_cfg cfg = { .dir = dir, .by = by, .split = split };
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
