/* SPDX-License-Identifier: MIT
 * test_counts.c - the shim's totals against an independent counting preload
 * (tests/tools/countalloc.c), on real programs, and the passive cases said
 * out loud.
 *
 * Each command runs twice, once under the counting preload alone and once
 * under the shim alone, with the same environment: both preloads are reached
 * through symlinks of the same length in one directory (a program that copies
 * its environment allocates by its length), hash seeds are fixed. The shim's
 * total is the sum of allocs and frees over every row of the kept segment,
 * read with `heaptag mon -n 1 --format csv` as a user would. What the
 * comparison leaves out, and why it still must be equal here:
 *   - allocations before the shim started (served uncounted; their frees
 *     show as untracked): asserted 0, none of these programs has any;
 *   - the shim's own allocations (dlsym, its own bookkeeping): never counted
 *     by it, and not made at all in the counting run;
 *   - strdup and operator new: the shim counts them as one allocation each,
 *     the counting preload sees glibc's and libstdc++'s one malloc each.
 * A count of zero fails: a shim that counted nothing must not pass.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "heaptag_segment.h"

struct totals {
    uint64_t allocs, frees;
};

static char dir[64];

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/heaptag-counts.XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    char cwd[2048], from[4096], to[256];
    cr_assert_not_null(getcwd(cwd, sizeof cwd));
    const char *libs[][2] = { { "libheaptag.so", "libshim.so" },
                              { "tests/tools/libcountalloc.so", "libcnta.so" } };
    for (size_t i = 0; i < 2; i++) {
        const char *p = build_path(libs[i][0]);
        snprintf(from, sizeof from, "%s%s%s", p[0] == '/' ? "" : cwd, p[0] == '/' ? "" : "/", p);
        cr_assert_eq(access(from, R_OK), 0, "%s: run make test-build", from);
        snprintf(to, sizeof to, "%s/%s", dir, libs[i][1]);
        cr_assert_eq(symlink(from, to), 0);
    }
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_expect_eq(system(cmd), 0);
}

TestSuite(counts, .init = setup, .fini = teardown, .timeout = 120);

/* Runs argv with the preload `lib` (libshim.so or libcnta.so) and the shared
 * environment plus extra (NULL-terminated, may be NULL). */
static struct run_result run_under(const char *lib, const char *const argv[],
                                   const char *const extra[])
{
    static char preload[128], out[128];
    snprintf(preload, sizeof preload, "LD_PRELOAD=%s/%s", dir, lib);
    snprintf(out, sizeof out, "COUNTALLOC_OUT=%s/%s", dir, lib[3] == 's' ? "cs" : "cc");
    const char *env[24] = { preload, out, "HEAPTAG_KEEP=1", "HEAPTAG_FLAGS=+ptg",
                            "PYTHONHASHSEED=0", "PERL_HASH_SEED=0", "PERL_PERTURB_KEYS=0",
                            "LC_ALL=C", "TZ=UTC", "HOME=/nonexistent" };
    size_t n = 10;
    for (size_t i = 0; extra && extra[i] && n < 23; i++)
        env[n++] = extra[i];
    env[n] = NULL;
    struct run_result r;
    cr_assert_eq(run_cmd(argv, env, 0, NULL, &r), 0);
    cr_assert(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0, "%s: status %d: %s", argv[0],
              r.status, r.err);
    return r;
}

/* The counting preload's totals for pid. */
static struct totals counted_by_preload(int pid)
{
    char path[128];
    struct totals t = { 0, 0 };
    snprintf(path, sizeof path, "%s/cc.%d", dir, pid);
    int fd = open(path, O_RDONLY);
    cr_assert_geq(fd, 0, "%s: %s", path, strerror(errno));
    cr_assert_eq(read(fd, &t, sizeof t), (ssize_t)sizeof t);
    close(fd);
    unlink(path);
    return t;
}

/* Index of a CSV header's column, or -1. */
static int column(const char *header_line, const char *name)
{
    int i = 0;
    for (const char *p = header_line; *p && *p != '\n'; i++) {
        size_t len = strcspn(p, ",\n");
        if (len == strlen(name) && !strncmp(p, name, len))
            return i;
        p += len;
        if (*p == ',')
            p++;
    }
    return -1;
}

/* The shim's totals for pid: every row of its segment, through the tool;
 * the segment must be counting, and nothing freed may be foreign. */
static struct totals counted_by_shim(int pid)
{
    char path[256];
    struct ht_seg_header h;
    int fd = open(segment_path(path, sizeof path, pid), O_RDONLY);
    cr_assert_geq(fd, 0, "no segment for %d", pid);
    cr_assert_eq(read(fd, &h, sizeof h), (ssize_t)sizeof h);
    close(fd);
    cr_assert_eq(h.mode, HT_SEG_COUNTING, "pid %d: the shim stood aside (passive %u)", pid,
                 h.passive_reason);
    cr_expect_eq(h.untracked_frees, 0, "frees of blocks allocated before the shim started");
    cr_expect_eq(h.untracked_reallocs, 0);

    const char *extra[] = { "-n", "1", "--format", "csv", NULL };
    char *csv = tool_pid_out("mon", pid, extra);
    cr_assert_not_null(csv);
    int ca = column(csv, "allocs"), cf = column(csv, "frees"), ct = column(csv, "type");
    cr_assert(ca >= 0 && cf >= 0 && ct >= 0);
    struct totals t = { 0, 0 };
    for (char *line = strchr(csv, '\n'); line && line[1]; line = strchr(line + 1, '\n')) {
        char type[16] = "";
        uint64_t a = 0, f = 0;
        int i = 0;
        for (const char *p = line + 1; *p && *p != '\n'; i++) {
            size_t len = strcspn(p, ",\n");
            if (i == ct)
                snprintf(type, sizeof type, "%.*s", (int)len, p);
            else if (i == ca)
                a = strtoull(p, NULL, 10);
            else if (i == cf)
                f = strtoull(p, NULL, 10);
            p += len;
            if (*p == ',')
                p++;
        }
        if (strcmp(type, "End") != 0) {
            t.allocs += a;
            t.frees += f;
        }
    }
    free(csv);
    segment_remove(pid);
    return t;
}

/* Runs argv under both; the shim's totals must equal the preload's, and be
 * more than `least` allocations. */
static void same_counts(const char *const argv[], const char *const extra[], uint64_t least)
{
    struct run_result c = run_under("libcnta.so", argv, extra);
    struct run_result s = run_under("libshim.so", argv, extra);
    cr_expect_str_eq(s.out, c.out, "%s: output differs", argv[0]);
    struct totals want = counted_by_preload(c.pid);
    struct totals got = counted_by_shim(s.pid);
    char other[128];
    snprintf(other, sizeof other, "%s/cc.%d", dir, s.pid);
    unlink(other);
    cr_assert_gt(want.allocs, least, "%s: the counting preload saw %" PRIu64 " allocations",
                 argv[0], want.allocs);
    cr_expect_eq(got.allocs, want.allocs, "%s: shim %" PRIu64 " allocs, counting preload %" PRIu64,
                 argv[0], got.allocs, want.allocs);
    cr_expect_eq(got.frees, want.frees, "%s: shim %" PRIu64 " frees, counting preload %" PRIu64,
                 argv[0], got.frees, want.frees);
    run_free(&c);
    run_free(&s);
}

Test(counts, non_pie_program_that_takes_malloc_address)
{
    const char *argv[] = { build_path("tests/progs/fnptr_nopie"), NULL };
    /* 100 malloc + 10 calloc + 10 realloc (a free and an alloc) of its own */
    same_counts(argv, NULL, 120);
}

Test(counts, debian_python3)
{
    const char *argv[] = { "/usr/bin/python3", "-c",
                           "d = {str(i): [i] * (i % 5) for i in range(2000)}\n"
                           "print(len(d), sum(map(len, d.values())))", NULL };
    same_counts(argv, NULL, 500);
}

Test(counts, debian_python3_with_pythonmalloc_malloc)
{
    const char *argv[] = { "/usr/bin/python3", "-c",
                           "d = {str(i): [i] * (i % 5) for i in range(2000)}\n"
                           "print(len(d), sum(map(len, d.values())))", NULL };
    const char *extra[] = { "PYTHONMALLOC=malloc", NULL };
    same_counts(argv, extra, 10000);
}

Test(counts, perl)
{
    const char *argv[] = { "/usr/bin/perl", "-e",
                           "my %h; $h{$_} = [$_] for 1..2000; print scalar(keys %h), \"\\n\"",
                           NULL };
    same_counts(argv, NULL, 2000);
}

Test(counts, sqlite3)
{
    if (access("/usr/bin/sqlite3", X_OK) != 0)
        cr_skip_test("no sqlite3");
    const char *argv[] = { "/usr/bin/sqlite3", ":memory:",
                           "create table t(a, b); "
                           "with recursive n(i) as (select 1 union all select i + 1 from n "
                           "where i < 500) insert into t select i, printf('x%d', i) from n; "
                           "select count(*), sum(a), max(b) from t;", NULL };
    same_counts(argv, NULL, 100);
}

Test(counts, git)
{
    if (access("/usr/bin/git", X_OK) != 0)
        cr_skip_test("no git");
    const char *argv[] = { "/usr/bin/git", "--version", NULL };
    same_counts(argv, NULL, 20);
}

/* A process whose shim stands aside is said to be so, at start and after. */
Test(counts, own_malloc_is_said_passive_by_run_and_ls)
{
    struct run_result r;
    cr_assert_eq(heaptag_run("tests/progs/ownmalloc", NULL, &r), 0);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_expect(strstr(r.err, "heaptag: passive: the program defines malloc itself"), "%s", r.err);
    cr_expect_eq(strchr(r.err, '\n'), r.err + r.err_len - 1, "one line: %s", r.err);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "%s ls", build_path("heaptag"));
    FILE *f = popen(cmd, "r");
    cr_assert_not_null(f);
    char line[1024], want[32];
    snprintf(want, sizeof want, " %d passive ", r.pid);
    int found = 0;
    while (fgets(line, sizeof line, f))
        found |= strstr(line, want) != NULL;
    pclose(f);
    cr_expect(found, "ls does not say pid %d is passive", r.pid);
    const char *csv_args[] = { "-n", "1", "--format", "csv", NULL };
    char *csv = tool_pid_out("mon", r.pid, csv_args);
    cr_assert_not_null(csv);
    cr_expect(strstr(csv, ",passive,Passive,"), "mon: %s", csv);
    free(csv);
    char *dump = tool_pid_out("dump", r.pid, NULL);
    cr_assert_not_null(dump);
    cr_expect(strstr(dump, "\npassive nothing is counted: the program defines malloc itself"),
              "%s", dump);
    free(dump);
    segment_remove(r.pid);
    run_free(&r);
}

/* A counted program started by `heaptag run` hears nothing from the shim. */
Test(counts, run_of_a_counted_program_says_nothing)
{
    struct run_result r;
    cr_assert_eq(heaptag_run("tests/progs/fnptr_nopie", NULL, &r), 0);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_expect_str_eq(r.err, "");
    struct totals t = counted_by_shim(r.pid);
    cr_expect_eq(t.allocs, 120 + 1, "100 malloc, 10 calloc, 10 realloc, stdout's buffer");
    cr_expect_eq(t.frees, 120);
    run_free(&r);
}

/* An allocator loaded before the shim: passive, and the segment says why. */
Test(counts, allocator_loaded_first_is_the_reason_recorded)
{
    const char *jemalloc = "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2";
    if (access(jemalloc, R_OK) != 0)
        cr_skip_test("no jemalloc");
    char pre[512];
    snprintf(pre, sizeof pre, "LD_PRELOAD=%s:%s/libshim.so", jemalloc, dir);
    const char *env[] = { pre, "HEAPTAG_KEEP=1", NULL };
    const char *argv[] = { build_path("tests/progs/fnptr_nopie"), NULL };
    struct run_result r;
    cr_assert_eq(run_cmd(argv, env, 0, NULL, &r), 0);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_expect_str_eq(r.err, "", "only heaptag run's own program is told");
    char path[256];
    struct ht_seg_header h;
    int fd = open(segment_path(path, sizeof path, r.pid), O_RDONLY);
    cr_assert_geq(fd, 0);
    cr_assert_eq(read(fd, &h, sizeof h), (ssize_t)sizeof h);
    close(fd);
    cr_expect_eq(h.mode, HT_SEG_PASSIVE);
    cr_expect_eq(h.passive_reason, HT_PASSIVE_LOADED_BEFORE);
    segment_remove(r.pid);
    run_free(&r);
}

/* The benchmark refuses a shim run that counted nothing, and takes one that
 * counted (bench/common.py's check, as `make bench` runs it). */
Test(counts, bench_refuses_a_run_that_counted_nothing)
{
    char script[4096], bench[2048];
    snprintf(bench, sizeof bench, "%s", access("bench/common.py", R_OK) == 0
                                            ? "bench" : build_path("../bench"));
    snprintf(script, sizeof script,
             "import sys; sys.path.insert(0, '%s')\n"
             "import common\n"
             "common.SHIM = '%s'; common.TOOL = '%s'\n"
             "for prog in ('%s', '%s'):\n"
             "    a, e = common.command_for('plain', [prog], {})\n"
             "    e['LD_PRELOAD'] = common.SHIM\n"
             "    try:\n"
             "        common.run_timed(a, common.keep_env(e), check=prog)\n"
             "        print('counted')\n"
             "    except common.NotCounted as x:\n"
             "        print('refused:', x)\n",
             bench, build_path("libheaptag.so"), build_path("heaptag"),
             build_path("tests/progs/ownmalloc"), build_path("tests/progs/fnptr_nopie"));
    const char *argv[] = { "python3", "-c", script, NULL };
    struct run_result r;
    cr_assert_eq(run_cmd(argv, NULL, 0, NULL, &r), 0);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_expect(strstr(r.out, "refused:") && strstr(r.out, "is passive"), "%s", r.out);
    cr_expect(strstr(r.out, "\ncounted\n"), "%s", r.out);
    run_free(&r);
}
