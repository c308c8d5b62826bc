/* SPDX-License-Identifier: MIT
 * test_segment_reader.c - the tool's segment reader against hand-built segment
 * images in a temporary directory (HEAPTAG_SHM_DIR): sums of counter sets, process
 * state, and damaged files (truncated, bad magic, tables out of bounds,
 * unterminated strings, random corruption) rejected with a reason, no crash.
 */
#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/fmt.h"
#include "heaptag_segment.h"
#include "segment/proc_stat.h"
#include "segment/reader.h"
#include "segbuild.h"
#include "sym/site_name.h"

#define ROWS    16
#define MODULES 4
#define BUCKETS 64
#define SETS    4 /* two per-thread slots, two shared shards */
#define REPORTS 8 /* a ring laid out, but in the header only once add_ring puts it there */
#define OFF_BUCKETS  (b.buckets_off)
#define OFF_ROWS     (b.rows_off)
#define OFF_COUNTERS (b.counters_off)
#define STRIDE       (b.stride)
#define IMG_SIZE     (b.size)

#define APP_BASE 0x555500000000ull

static char dir[64];
static struct segbuild b; /* the image: a fresh one per build_image */

static struct ht_seg_header *hdr(void) { return b.h; }
static struct ht_row *row(unsigned i) { return segbuild_row(&b, i); }
static struct ht_module *module(unsigned i) { return segbuild_module(&b, i); }
static struct ht_counters *ctr(unsigned set, unsigned i) { return segbuild_counters(&b, set, i); }

static uint64_t own_start_ticks(void)
{
    uint64_t t = 0;
    cr_assert_eq(procstat_start_ticks(getpid(), &t), 0);
    return t;
}

/* A sound segment of this very process: three ready rows and two modules. */
static void build_image(void)
{
    const struct segbuild_plan plan = { .buckets = BUCKETS, .rows = ROWS, .modules = MODULES,
                                        .counter_sets = SETS, .counter_slots = 2,
                                        .reports = REPORTS };
    segbuild_free(&b);
    cr_assert_eq(segbuild_init(&b, &plan), 0);
    struct ht_seg_header *h = hdr();
    h->report_size = h->report_capacity = 0; /* no ring until add_ring */
    h->reports_offset = 0;
    h->pid = getpid();
    h->ppid = getppid();
    h->start_ticks = own_start_ticks();
    h->state = HT_SEG_LIVE;
    h->flags = h->flags_at_start = 0x400;
    h->rows_used = 5;
    h->modules_used = 2;
    h->corruptions[HT_CORRUPT_DOUBLE_FREE] = 2;
    h->corruptions[HT_CORRUPT_OVERRUN] = 1;
    strcpy(h->exe, "/usr/bin/app");
    strcpy(h->cmdline, "app --leak");

    *module(0) = (struct ht_module){ .base = APP_BASE, .size = 0x10000, .state = 1 };
    strcpy(module(0)->path, "/usr/bin/app");
    *module(1) = (struct ht_module){ .base = 0x7f0000000000ull, .size = 0x200000, .state = 1 };
    strcpy(module(1)->path, "/lib/x86_64-linux-gnu/libc.so.6");

    row(0)->state = HT_ROW_READY; /* overflow row, never used */
    row(0)->kind = HT_KIND_OVERFLOW;
    row(0)->module = UINT32_MAX;

    struct ht_row *t = row(1); /* a tag spread over all sets */
    t->state = HT_ROW_READY;
    t->kind = HT_KIND_TAG;
    t->site = APP_BASE + 0x1234;
    t->module = 0;
    strcpy(t->tag, "Strg");
    for (unsigned k = 0; k < SETS; k++) {
        ctr(k, 1)->allocs = k + 1;                    /* 10 */
        ctr(k, 1)->frees = k;                         /* 6 */
        ctr(k, 1)->bytes_alloc = 100 * ((uint64_t)k + 1); /* 1000 */
        ctr(k, 1)->bytes_freed = 50 * (uint64_t)k;    /* 300 */
    }
    t->peak_live = 900; /* sampled: above the live 700 */

    struct ht_row *s = row(2); /* a site row in libc, freed on another shard */
    s->state = HT_ROW_READY;
    s->kind = HT_KIND_SITE;
    s->site = 0x7f0000000000ull + 0xabc;
    s->module = 1;
    ctr(0, 2)->allocs = 3;
    ctr(0, 2)->bytes_alloc = 30;
    ctr(2, 2)->frees = 4;
    ctr(2, 2)->bytes_freed = 40; /* racy read: more freed than allocated */

    row(3)->state = HT_ROW_EMPTY; /* skipped */
    ctr(0, 3)->allocs = 99;
    row(4)->state = HT_ROW_DISCARDED; /* skipped */
    ctr(3, 4)->allocs = 99;
}

static char *seg_name(char *buf, size_t n)
{
    snprintf(buf, n, "heaptag.%d", (int)getpid());
    return buf;
}

static void write_file(const char *name, const void *data, size_t len)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    cr_assert(fd >= 0, "open %s: %s", path, strerror(errno));
    cr_assert_eq(write(fd, data, len), (ssize_t)len);
    close(fd);
}

static void write_image(void)
{
    char name[64];
    write_file(seg_name(name, sizeof name), b.img, b.size);
}

/* Reads our segment; returns the rc and sets *why. */
static int read_back(struct segread_snap *s, const char **why)
{
    char name[64];
    *why = NULL;
    return segread_open(dir, seg_name(name, sizeof name), s, why);
}

static void expect_damaged(const char *reason)
{
    struct segread_snap s;
    const char *why;
    write_image();
    cr_assert_eq(read_back(&s, &why), SEGREAD_DAMAGED, "expected '%s'", reason);
    cr_assert_str_eq(why, reason);
}

static void setup(void)
{
    strcpy(dir, "/tmp/heaptag-test.XXXXXX");
    cr_assert(mkdtemp(dir));
    setenv("HEAPTAG_SHM_DIR", dir, 1);
    build_image();
}

static void teardown(void)
{
    segbuild_free(&b);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        cr_log_warn("could not remove %s", dir);
}

TestSuite(segread, .init = setup, .fini = teardown, .timeout = 20);

Test(segread, dir_from_env)
{
    cr_assert_str_eq(segread_dir(), dir);
    unsetenv("HEAPTAG_SHM_DIR");
    cr_assert_str_eq(segread_dir(), "/dev/shm");
}

Test(segread, sums_counter_sets_and_skips_unready_rows)
{
    struct segread_snap s;
    const char *why;
    write_image();
    cr_assert_eq(read_back(&s, &why), SEGREAD_OK, "%s", why);
    cr_assert_eq(s.pid, getpid());
    cr_assert_str_eq(s.exe, "/usr/bin/app");
    cr_assert_str_eq(s.cmdline, "app --leak");
    cr_assert_eq(s.state, SEGREAD_LIVE);
    cr_assert_eq(s.segment_size, IMG_SIZE);
    cr_assert_eq(s.rows_used, 5);
    cr_assert_eq(s.n_rows, 3);
    cr_assert_eq(s.n_modules, 2);
    cr_assert_eq(s.repairs, 0);
    cr_assert_eq(segread_corrupt_total(&s), 3);

    const struct segread_row *t = &s.rows[1];
    cr_assert_eq(t->index, 1);
    cr_assert_eq(t->kind, HT_KIND_TAG);
    cr_assert_str_eq(t->tag, "Strg");
    cr_assert_eq(t->allocs, 10);
    cr_assert_eq(t->frees, 6);
    cr_assert_eq(t->bytes_alloc, 1000);
    cr_assert_eq(t->bytes_freed, 300);
    cr_assert_eq(t->live, 700);
    cr_assert_eq(t->peak, 900, "the sampled peak");

    const struct segread_row *r = &s.rows[2];
    cr_assert_eq(r->kind, HT_KIND_SITE);
    cr_assert_eq(r->allocs, 3);
    cr_assert_eq(r->frees, 4);
    cr_assert_eq(r->live, 0, "negative live bytes clamp to 0");
    cr_assert_eq(r->peak, 0);
    cr_assert_eq(segread_live_total(&s), 700);
    segread_close(&s);
}

Test(segread, site_names_are_module_relative)
{
    struct segread_snap s;
    const char *why;
    char buf[128];
    write_image();
    cr_assert_eq(read_back(&s, &why), SEGREAD_OK, "%s", why);
    site_row_label(buf, sizeof buf, &s, &s.rows[2]);
    cr_assert_str_eq(buf, "libc.so.6+0xabc");
    site_row_label(buf, sizeof buf, &s, &s.rows[1]);
    cr_assert_str_eq(buf, "Strg");
    site_row_label(buf, sizeof buf, &s, &s.rows[0]);
    cr_assert_str_eq(buf, "(overflow)");
    site_format_full(buf, sizeof buf, &s, APP_BASE + 0x1234);
    cr_assert_str_eq(buf, "0x555500001234 app+0x1234");
    site_format(buf, sizeof buf, &s, 0x1000);
    cr_assert_str_eq(buf, "0x1000");
    site_format(buf, sizeof buf, &s, 0);
    cr_assert_str_eq(buf, "-");
    segread_close(&s);
}

Test(segread, exited_and_dead)
{
    struct segread_snap s;
    const char *why;
    hdr()->state = HT_SEG_EXITED;
    write_image();
    cr_assert_eq(read_back(&s, &why), SEGREAD_OK);
    cr_assert_eq(s.state, SEGREAD_EXITED);
    cr_assert_str_eq(segread_state_name(s.state), "exited");
    segread_close(&s);

    hdr()->state = HT_SEG_LIVE;
    hdr()->start_ticks += 1; /* our pid, but another process's start: reused */
    write_image();
    cr_assert_eq(read_back(&s, &why), SEGREAD_OK);
    cr_assert_eq(s.state, SEGREAD_DEAD);
    segread_close(&s);
}

Test(segread, truncated)
{
    struct segread_snap s;
    const char *why;
    char name[64];
    seg_name(name, sizeof name);
    write_file(name, b.img, IMG_SIZE / 2);
    cr_assert_eq(segread_open(dir, name, &s, &why), SEGREAD_DAMAGED);
    cr_assert_str_eq(why, "truncated");
    write_file(name, b.img, 10); /* shorter than a header */
    cr_assert_eq(segread_open(dir, name, &s, &why), SEGREAD_DAMAGED);
    cr_assert_str_eq(why, "truncated");
    write_file(name, b.img, 0);
    cr_assert_eq(segread_open(dir, name, &s, &why), SEGREAD_DAMAGED);
    cr_assert_str_eq(why, "truncated");
}

Test(segread, bad_magic) { hdr()->magic ^= 1; expect_damaged("bad magic"); }
Test(segread, bad_version) { hdr()->version = 99; expect_damaged("unsupported version"); }
Test(segread, bad_header_size) { hdr()->header_size = 16; expect_damaged("bad header size"); }
Test(segread, bad_row_size) { hdr()->row_size = 320; expect_damaged("bad row size"); }
Test(segread, bad_counter_sets) { hdr()->counter_sets = 0; expect_damaged("bad counter sets"); }
Test(segread, more_slots_than_sets) { hdr()->counter_slots = SETS + 1; expect_damaged("bad counter sets"); }
Test(segread, short_counter_stride) { hdr()->counter_stride = STRIDE - 32; expect_damaged("bad counter stride"); }
Test(segread, counters_out_of_bounds)
{
    hdr()->counters_offset = IMG_SIZE - STRIDE;
    expect_damaged("counter tables out of bounds");
}
Test(segread, bad_state) { hdr()->state = 7; expect_damaged("bad process state"); }
Test(segread, pid_not_name) { hdr()->pid += 1; expect_damaged("pid does not match file name"); }

Test(segread, size_mismatch)
{
    hdr()->segment_size = IMG_SIZE - 64;
    expect_damaged("segment size does not match file size");
    hdr()->segment_size = IMG_SIZE * 4;
    expect_damaged("truncated");
}

Test(segread, rows_beyond_file)
{
    hdr()->rows_offset = IMG_SIZE; /* starts at the end */
    expect_damaged("rows table out of bounds");
    hdr()->rows_offset = UINT64_MAX - 100; /* offset + length wraps */
    expect_damaged("rows table out of bounds");
    hdr()->rows_offset = 0; /* over the header */
    expect_damaged("rows table out of bounds");
    hdr()->rows_offset = OFF_ROWS;
    hdr()->row_capacity = UINT32_MAX; /* capacity * size far beyond */
    expect_damaged("rows table out of bounds");
}

Test(segread, other_tables_beyond_file)
{
    hdr()->modules_offset = IMG_SIZE - 10;
    expect_damaged("module table out of bounds");
    build_image();
    hdr()->buckets_offset = UINT64_MAX;
    expect_damaged("bucket table out of bounds");
    build_image();
    hdr()->stack_capacity = 1;
    hdr()->stack_depth = 8;
    hdr()->stack_size = sizeof(struct ht_stack); /* no room for 8 frames */
    hdr()->stacks_offset = OFF_BUCKETS;
    expect_damaged("bad stack entry size");
    hdr()->stack_size = sizeof(struct ht_stack) + 8 * 8;
    hdr()->stack_capacity = 1u << 30;
    expect_damaged("stack table out of bounds");
}

/* A ring of REPORTS where the plan laid it out. */
static struct ht_report *report(unsigned i) { return segbuild_report(&b, i); }

static void add_ring(uint64_t written)
{
    hdr()->report_size = sizeof(struct ht_report);
    hdr()->report_capacity = REPORTS;
    hdr()->reports_offset = b.reports_off;
    hdr()->reports_seq = written;
    for (uint64_t n = written > REPORTS ? written - REPORTS + 1 : 1; n <= written; n++) {
        struct ht_report *e = report((unsigned)((n - 1) % REPORTS));
        memset(e, 0, sizeof *e);
        e->seq = n;
        e->kind = HT_CORRUPT_DOUBLE_FREE;
        e->size = 10 * n;
        e->site = APP_BASE + n;
        e->stack = UINT32_MAX;
        snprintf(e->tag, sizeof e->tag, "R%u", (unsigned)n);
    }
}

Test(segread, report_ring_whole_entries_oldest_first)
{
    add_ring(11); /* reports 4..11 kept, 11 and 4 in slots 2 and 3 */
    report(5)->seq = 0;                /* report 6 being written: left out */
    report(6)->kind = HT_CORRUPT_KINDS; /* report 7 of no known kind: left out */
    report(7)->seq = 3;                /* report 8's slot claims a number of another slot */
    report(0)->tag[0] = '\x1b';        /* report 9: a control byte in the tag */
    struct segread_snap s;
    const char *why;
    write_image();
    cr_assert_eq(read_back(&s, &why), SEGREAD_OK, "%s", why);
    cr_assert_eq(s.reports_total, 11);
    cr_assert_eq(s.n_reports, 5, "reports 4, 5, 9, 10, 11");
    const uint64_t want[] = { 4, 5, 9, 10, 11 };
    for (size_t i = 0; i < 5; i++) {
        cr_assert_eq(s.reports[i].seq, want[i]);
        cr_assert_eq(s.reports[i].size, 10 * want[i]);
        cr_assert_eq(s.reports[i].site, APP_BASE + want[i]);
    }
    cr_assert_str_eq(s.reports[2].tag, "\\x1b9");
    cr_assert_str_eq(s.reports[4].tag, "R11");
    cr_assert_eq(s.repairs, 2, "the unknown kind and the wrong number");
    segread_close(&s);

    build_image();
    add_ring(5);
    hdr()->reports_seq = 4; /* an entry numbered past the count: not believed */
    write_image();
    cr_assert_eq(read_back(&s, &why), SEGREAD_OK, "%s", why);
    cr_assert_eq(s.n_reports, 4);
    segread_close(&s);
}

Test(segread, report_ring_out_of_bounds)
{
    add_ring(3);
    hdr()->report_size = 64;
    expect_damaged("bad report entry size");
    build_image();
    add_ring(3);
    hdr()->report_capacity = HT_REPORTS_MAX + 1;
    expect_damaged("bad report ring size");
    build_image();
    add_ring(3);
    hdr()->reports_offset = IMG_SIZE - 100;
    expect_damaged("report ring out of bounds");
    build_image();
    add_ring(3);
    hdr()->reports_offset = 16; /* inside the header */
    expect_damaged("report ring out of bounds");
}

Test(segread, huge_rows_used_is_clamped)
{
    struct segread_snap s;
    const char *why;
    hdr()->rows_used = UINT32_MAX;
    hdr()->modules_used = UINT32_MAX;
    write_image();
    cr_assert_eq(read_back(&s, &why), SEGREAD_OK, "%s", why);
    cr_assert_eq(s.rows_used, ROWS);
    cr_assert_eq(s.n_rows, 3);
    cr_assert_eq(s.n_modules, MODULES);
    cr_assert_gt(s.repairs, 0);
    segread_close(&s);
}

Test(segread, unterminated_strings_are_bounded)
{
    struct segread_snap s;
    const char *why;
    memset(hdr()->exe, 'A', sizeof hdr()->exe);
    memset(hdr()->cmdline, 'B', sizeof hdr()->cmdline);
    memset(row(1)->tag, 'T', sizeof row(1)->tag);
    memset(module(0)->path, 'P', sizeof module(0)->path);
    hdr()->exe[3] = '\033'; /* a terminal escape must not reach the screen */
    write_image();
    cr_assert_eq(read_back(&s, &why), SEGREAD_OK, "%s", why);
    cr_assert_eq(strlen(s.exe), HT_PATH_MAX - 1);
    cr_assert_eq(memcmp(s.exe, "AAA\\x1bAAA", 10), 0, "exe %s", s.exe);
    cr_assert_eq(strlen(s.cmdline), HT_CMDLINE_MAX - 1);
    cr_assert_eq(strlen(s.rows[1].tag), HT_TAG_MAX - 1);
    cr_assert_eq(strlen(s.modules[0].path), HT_PATH_MAX - 1);
    cr_assert_geq(s.repairs, 4);
    segread_close(&s);
}

Test(segread, bad_indexes_and_spans)
{
    struct segread_snap s;
    const char *why;
    char buf[128];
    row(2)->module = 3; /* within capacity but beyond modules_used */
    row(1)->module = 0x7fffffff;
    row(1)->kind = 42; /* unknown kind: row dropped */
    module(1)->base = UINT64_MAX - 5; /* span wraps: holds nothing */
    write_image();
    cr_assert_eq(read_back(&s, &why), SEGREAD_OK, "%s", why);
    cr_assert_eq(s.n_rows, 2);
    cr_assert_eq(s.rows[1].module, SEGREAD_NO_MODULE);
    cr_assert_null(site_module(&s, UINT64_MAX - 1));
    site_row_label(buf, sizeof buf, &s, &s.rows[1]);
    cr_assert_str_eq(buf, "0x7f0000000abc");
    segread_close(&s);
}

Test(segread, symlink_and_directory_are_not_segments)
{
    struct segread_snap s;
    const char *why;
    char target[256], link[256];
    snprintf(target, sizeof target, "%s/real", dir);
    write_file("real", b.img, b.size);
    snprintf(link, sizeof link, "%s/heaptag.%d", dir, (int)getpid());
    cr_assert_eq(symlink(target, link), 0);
    snprintf(link, sizeof link, "%s/heaptag.77", dir);
    cr_assert_eq(mkdir(link, 0700), 0);

    struct segread_entry *v;
    size_t n;
    cr_assert_eq(segread_list(dir, &v, &n), 0);
    cr_assert_eq(n, 0, "symlinks and directories are not listed");
    free(v);
    cr_assert_eq(read_back(&s, &why), SEGREAD_DAMAGED);
    cr_assert_str_eq(why, "not a regular file");
    cr_assert_eq(segread_open(dir, "heaptag.77", &s, &why), SEGREAD_DAMAGED);
    cr_assert_str_eq(why, "not a regular file");
}

Test(segread, names)
{
    pid_t pid;
    unsigned seq;
    cr_assert_eq(segread_parse_name("heaptag.123", &pid, &seq), 0);
    cr_assert(pid == 123 && seq == 0);
    cr_assert_eq(segread_parse_name("heaptag.123.4", &pid, &seq), 0);
    cr_assert(pid == 123 && seq == 4);
    const char *bad[] = { "heaptag.", "heaptag.0", "heaptag.-1", "heaptag.12x", "heaptag.012",
                          "heaptag.1.", "heaptag.1.2.3", "heaptag.99999999999", "xheaptag.1",
                          "heaptag.1 ", "heaptag.+1" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_eq(segread_parse_name(bad[i], &pid, &seq), -1, "%s", bad[i]);
    /* with the PID namespace first: a number above any pid */
    uint64_t ns;
    cr_assert_eq(segread_parse_name_ns("heaptag.4026531836.123", &ns, &pid, &seq), 0);
    cr_assert(ns == 4026531836u && pid == 123 && seq == 0);
    cr_assert_eq(segread_parse_name_ns("heaptag.4026532001.1.3", &ns, &pid, &seq), 0);
    cr_assert(ns == 4026532001u && pid == 1 && seq == 3);
    cr_assert_eq(segread_parse_name_ns("heaptag.123.4", &ns, &pid, &seq), 0);
    cr_assert(ns == 0 && pid == 123 && seq == 4);
    const char *bad_ns[] = { "heaptag.4026531836", "heaptag.4026531836.0", "heaptag.4026531836.",
                             "heaptag.4026531836.1.2.3", "heaptag.4026531836.99999999999" };
    for (size_t i = 0; i < sizeof bad_ns / sizeof bad_ns[0]; i++)
        cr_assert_eq(segread_parse_name_ns(bad_ns[i], &ns, &pid, &seq), -1, "%s", bad_ns[i]);
}

Test(segread, list_sorted_and_open_pid)
{
    struct segread_entry *v;
    size_t n;
    struct segread_snap s;
    const char *why;
    char name[64];
    write_file("heaptag.900", "x", 1);
    write_file("heaptag.30.2", "x", 1);
    write_file("heaptag.30", "x", 1);
    write_file("notes.txt", "x", 1);
    cr_assert_eq(segread_list(dir, &v, &n), 0);
    cr_assert_eq(n, 3);
    cr_assert_str_eq(v[0].name, "heaptag.30");
    cr_assert_str_eq(v[1].name, "heaptag.30.2");
    cr_assert_str_eq(v[2].name, "heaptag.900");
    free(v);

    cr_assert_eq(segread_open_pid(dir, 31, &s, &why), SEGREAD_NOACCESS);
    cr_assert_str_eq(why, "not tagged");
    cr_assert_eq(segread_open_pid(dir, 900, &s, &why), SEGREAD_DAMAGED);
    cr_assert_str_eq(why, "truncated");

    /* Two segments of our pid: the exited one and the live one; live wins. */
    write_image();
    hdr()->state = HT_SEG_EXITED;
    hdr()->start_unix_ns = 5;
    snprintf(name, sizeof name, "heaptag.%d.1", (int)getpid());
    write_file(name, b.img, b.size);
    cr_assert_eq(segread_open_pid(dir, getpid(), &s, &why), SEGREAD_OK, "%s", why);
    cr_assert_eq(s.state, SEGREAD_LIVE);
    segread_close(&s);
}

/* Random damage anywhere in the header and the first rows: any answer but a crash. */
Test(segread, random_corruption_never_crashes, .timeout = 60)
{
    char name[64];
    seg_name(name, sizeof name);
    srand(12345);
    for (int iter = 0; iter < 3000; iter++) {
        build_image();
        int flips = 1 + rand() % 4;
        for (int f = 0; f < flips; f++) {
            size_t region = (rand() & 1) ? sizeof(struct ht_seg_header) : b.size;
            b.img[(size_t)rand() % region] = (unsigned char)rand();
        }
        size_t len = (rand() % 8 == 0) ? (size_t)rand() % b.size : b.size;
        write_file(name, b.img, len);
        struct segread_snap s;
        const char *why = NULL;
        int rc = segread_open(dir, name, &s, &why);
        if (rc == SEGREAD_OK) {
            cr_assert_leq(s.n_rows, ROWS);
            cr_assert_leq(s.n_modules, MODULES);
            for (size_t i = 0; i < s.n_rows; i++) {
                char buf[128];
                cr_assert(s.rows[i].module == SEGREAD_NO_MODULE || s.rows[i].module < s.n_modules);
                site_row_label(buf, sizeof buf, &s, &s.rows[i]);
            }
            segread_close(&s);
        } else {
            cr_assert_eq(rc, SEGREAD_DAMAGED);
            cr_assert(why && *why);
        }
    }
}

static char *csv(const char *field)
{
    static char buf[256];
    memset(buf, 0, sizeof buf);
    FILE *f = fmemopen(buf, sizeof buf, "w");
    cr_assert(f);
    fmt_csv_field(f, field);
    fclose(f);
    return buf;
}

Test(fmt, csv_quoting)
{
    cr_assert_str_eq(csv("Strg"), "Strg");
    cr_assert_str_eq(csv("0x55 app+0x12"), "0x55 app+0x12");
    cr_assert_str_eq(csv("a,b"), "\"a,b\"");
    cr_assert_str_eq(csv("say \"hi\""), "\"say \"\"hi\"\"\"");
    cr_assert_str_eq(csv("two\nlines"), "two\\x0alines"); /* a field never spans lines */
    cr_assert_str_eq(csv("a,\x9b"), "\"a,\\x9b\"");
    cr_assert_str_eq(csv(""), "");
}

Test(fmt, human_size)
{
    char b[16];
    cr_assert_str_eq(fmt_human_size(b, sizeof b, 0), "0");
    cr_assert_str_eq(fmt_human_size(b, sizeof b, 1023), "1023");
    cr_assert_str_eq(fmt_human_size(b, sizeof b, 1024), "1.0K");
    cr_assert_str_eq(fmt_human_size(b, sizeof b, 2725888), "2.6M");
    cr_assert_str_eq(fmt_human_size(b, sizeof b, 10 * 1024 * 1024), "10M");
    cr_assert_str_eq(fmt_human_size(b, sizeof b, 10 * 1024 * 1024 + 1), "11M");
    cr_assert_str_eq(fmt_human_size(b, sizeof b, 1024 * 1024 - 1), "1.0M");
    cr_assert_str_eq(fmt_human_size(b, sizeof b, UINT64_MAX), "16E");
}

Test(fmt, fit_keeps_offset)
{
    char b[32];
    fmt_fit(b, 24, "short");
    cr_assert_str_eq(b, "short");
    fmt_fit(b, 24, "libverylongmodulename.so.6+0x1a2b3");
    cr_assert_str_eq(b, "libverylongmodu~+0x1a2b3");
    cr_assert_eq(strlen(b), 24);
    fmt_fit(b, 10, "abcdefghijklmnop");
    cr_assert_str_eq(b, "abcdefghi~");
}

Test(fmt, timestamp)
{
    char b[32];
    cr_assert_str_eq(fmt_timestamp(b, sizeof b, 0), "1970-01-01T00:00:00Z");
    cr_assert_str_eq(fmt_timestamp(b, sizeof b, 1795646401), "2026-11-25T22:40:01Z");
}

/* Layout 5: the growth and compaction fields are checked too. */
Test(segread, bad_layout) { hdr()->layout = 7; expect_damaged("bad layout"); }
Test(segread, compact_layout_of_a_live_process)
{
    hdr()->layout = HT_SEG_COMPACT; /* live, and SETS counter sets */
    expect_damaged("bad compact layout");
}
Test(segread, reserved_rows_beyond_the_table)
{
    hdr()->rows_reserved = ROWS + 1;
    expect_damaged("bad reserved rows");
}

/* The keep cap's note for a removed segment: found for its pid only, with
 * the cap it names; a note of another pid, a non-empty or malformed one is
 * not taken. */
Test(segread, cap_note_names_the_cap)
{
    char name[128];
    pid_t gone = 4000000; /* above any pid of this machine's default pid_max */
    snprintf(name, sizeof name, "heaptag.%d.capped.7", (int)gone);
    write_file(name, "", 0);
    snprintf(name, sizeof name, "heaptag.%d.capped.9", (int)gone + 1);
    write_file(name, "x", 1);
    snprintf(name, sizeof name, "heaptag.%d.capped.x", (int)gone + 2);
    write_file(name, "", 0);
    pid_t by = -1;
    uint32_t mb = 0;
    uint64_t when = 1;
    cr_assert_eq(segread_cap_removed(dir, gone, &by, &mb, &when), 1);
    cr_assert_eq(mb, 7);
    cr_assert_eq(by, 0);
    cr_assert_eq(segread_cap_removed(dir, gone + 1, &by, &mb, &when), 0);
    cr_assert_eq(segread_cap_removed(dir, gone + 2, &by, &mb, &when), 0);
    cr_assert_eq(segread_cap_removed(dir, gone + 3, &by, &mb, &when), 0);
    cr_assert_eq(segread_remove_tombstones(dir), 2); /* the empty ones */
    cr_assert_eq(segread_cap_removed(dir, gone, &by, &mb, &when), 0);
}
