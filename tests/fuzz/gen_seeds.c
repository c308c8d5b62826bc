/* SPDX-License-Identifier: MIT
 * gen_seeds.c - writes seed inputs for the fuzz targets into DIR/<target>/:
 * a small sound segment (rows, modules, stacks) and a few variants of it, so
 * the fuzzer starts from files the reader accepts. Built against the layout
 * header, so the seeds follow it. Usage: gen_seeds DIR
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "heaptag_segment.h"
#include "segbuild.h"

#define ROWS 6
#define BUCKETS 16
#define MODULES 3
#define STACKS 2
#define DEPTH 4

static void put(const char *dir, const char *target, const char *name, const void *p, size_t n)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, target);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/%s/%s", dir, target, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
        perror(path);
        exit(1);
    }
}

int main(int argc, char **argv)
{
    if (argc != 2)
        return 2;
    /* two counter sets: a slot, a shard; a report ring of 4 */
    const struct segbuild_plan plan = { .buckets = BUCKETS, .rows = ROWS, .modules = MODULES,
                                        .stacks = STACKS, .stack_depth = DEPTH,
                                        .counter_sets = 2, .counter_slots = 1, .reports = 4 };
    struct segbuild b;
    if (segbuild_init(&b, &plan) != 0)
        return 1;
    unsigned char *img = b.img;
    const size_t total = b.size;
    struct ht_seg_header *h = b.h;
    h->pid = 1;
    h->state = HT_SEG_EXITED;
    h->flags = h->flags_at_start = 0x400;
    h->rows_used = 4;
    h->modules_used = 2;
    h->stacks_used = 1;
    h->reports_seq = 5; /* report 1 overwritten by 5 */
    for (unsigned n = 2; n <= 5; n++) {
        struct ht_report *e = segbuild_report(&b, (n - 1) % 4);
        e->seq = n;
        e->kind = n % HT_CORRUPT_KINDS;
        e->op = n % 4;
        e->size = 100 * n;
        e->site = 0x400010;
        e->stack = n == 2 ? 0 : UINT32_MAX;
        strcpy(e->tag, n == 3 ? "Strg" : "");
    }
    strcpy(h->exe, "/usr/bin/example");
    strcpy(h->cmdline, "example --flag");
    struct ht_row *r = segbuild_row(&b, 0);
    const char *tags[] = { "Overflow", "", "Strg", "" };
    for (int i = 0; i < 4; i++) {
        r[i].state = HT_ROW_READY;
        r[i].kind = i == 0 ? HT_KIND_OVERFLOW : tags[i][0] ? HT_KIND_TAG : HT_KIND_SITE;
        r[i].site = i ? 0x400000 + (uint64_t)i * 0x10 : 0;
        r[i].module = i ? 0 : UINT32_MAX;
        strcpy(r[i].tag, tags[i]);
        struct ht_counters *c = segbuild_counters(&b, i % 2, i);
        c->allocs = 10 * (uint64_t)i;
        c->frees = 4 * (uint64_t)i;
        c->bytes_alloc = 1000 * (uint64_t)i;
        c->bytes_freed = 400 * (uint64_t)i;
        r[i].peak_live = 700 * (uint64_t)i;
    }
    segbuild_set_module(&b, 0, 0x400000, 0x10000, "/usr/bin/example");
    segbuild_set_module(&b, 1, 0x7f0000000000, 0x200000, "/lib/x86_64-linux-gnu/libc.so.6");
    segbuild_module(&b, 1)->bias = 0x7f0000000000;
    put(argv[1], "fuzz_segment_reader", "sound", img, total);
    /* hostile counters: sums over the sets that wrap (mon's totals must too) */
    unsigned char *hostile = malloc(total);
    if (!hostile)
        return 1;
    memcpy(hostile, img, total);
    for (size_t k = 0; k < 2 * ROWS; k++) {
        struct ht_counters *c = (struct ht_counters *)(hostile + b.counters_off) + k;
        c->allocs = c->bytes_alloc = UINT64_MAX - k;
        c->frees = c->bytes_freed = k % 3 ? UINT64_MAX / 2 : 0;
    }
    put(argv[1], "fuzz_segment_reader", "counters_wrap", hostile, total);
    free(hostile);
    h->state = HT_SEG_LIVE;
    h->rows_used = 0xffffffffu;
    put(argv[1], "fuzz_segment_reader", "rows_used_lies", img, total);
    h->rows_used = 4;
    h->modules_used = 1000;
    h->modules_seq = 3;
    put(argv[1], "fuzz_segment_reader", "modules_lie", img, total);
    put(argv[1], "fuzz_segment_reader", "header_only", img, sizeof *h);

    const char *flags[] = { "+ptg+ust-htc", "0x1400", "-20", "ptg", "+hpc+htd", "+PTG",
                            "+0x00001000", "+xyz", "" };
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++) {
        char name[16];
        snprintf(name, sizeof name, "seed%zu", i);
        put(argv[1], "fuzz_flags_parse", name, flags[i], strlen(flags[i]));
    }
    const char cfg0[] = "+ptg+ust\0" "1\0" "4096";
    const char cfg1[] = "garbage\0" "0\0" "99999999999";
    const char cfg2[] = "-ptg\0" "\0" "64";
    put(argv[1], "fuzz_config", "seed0", cfg0, sizeof cfg0 - 1);
    put(argv[1], "fuzz_config", "seed1", cfg1, sizeof cfg1 - 1);
    put(argv[1], "fuzz_config", "seed2", cfg2, sizeof cfg2 - 1);
    segbuild_free(&b);
    return 0;
}
