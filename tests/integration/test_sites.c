/* SPDX-License-Identifier: MIT
 * test_sites.c - allocations through wrappers are charged to the code that
 * called the wrapper (strdup, operator new, std::vector, a user-named
 * function), dump symbolises them, diff ranks growing stacks, and real
 * programs run unchanged with ptg+ust.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

TestSuite(sites, .timeout = 120);

/* The dump of pid through the tool; the text is malloc'd. */
static char *dump_of(int pid)
{
    char *out = tool_pid_out("dump", pid, NULL);
    cr_assert_not_null(out, "dump failed");
    return out;
}

/* The "row" line whose next line is "  at FUNC ..." for func, or NULL. */
static const char *row_at(const char *dump, const char *func)
{
    char pat[128];
    snprintf(pat, sizeof pat, "\n  at %s ", func);
    const char *at = strstr(dump, pat);
    if (!at)
        return NULL;
    const char *row = at;
    while (row > dump && row[-1] != '\n')
        row--;
    return row;
}

static void expect_row(const char *dump, const char *func, const char *counts)
{
    const char *row = row_at(dump, func);
    cr_assert_not_null(row, "no row charged to %s in:\n%s", func, dump);
    const char *eol = strchr(row, '\n');
    cr_expect(strstr(row, counts) && strstr(row, counts) < eol, "%s: want '%s' in %.*s", func,
              counts, (int)(eol - row), row);
}

static void check_wrapsites(const char *flags)
{
    char flagenv[64];
    snprintf(flagenv, sizeof flagenv, "HEAPTAG_FLAGS=%s", flags);
    const char *env[] = { flagenv, "HEAPTAG_WRAPPERS=g_malloc,xmalloc", NULL };
    const char *argv[] = { build_path("tests/progs/wrapsites"), "strdup", "xmalloc", "new",
                           "vector", NULL };
    struct run_result r;
    cr_assert_eq(run_cmd(argv, env, 1, NULL, &r), 0);
    cr_assert_eq(r.status, 0);
    char *d = dump_of(r.pid);
    expect_row(d, "in_strdup", "allocs=3 frees=0 live_allocs=3 live_bytes=24 ");
    expect_row(d, "in_xmalloc", "allocs=5 frees=0 live_allocs=5 live_bytes=200 ");
    expect_row(d, "in_new", "allocs=7 frees=0 live_allocs=7 live_bytes=168 ");
    /* the vector's buffer doubles from 4 bytes to 4096: 11 allocations, the
     * last one live; the vector object itself is a row of its own (new) */
    cr_expect(strstr(d, "allocs=11 frees=10 live_allocs=1 live_bytes=4096 "), "%s", d);
    cr_expect(strstr(d, "live_bytes=24 label=") != NULL);
    cr_expect_null(row_at(d, "xmalloc"), "xmalloc is a wrapper:\n%s", d);
    cr_expect_null(row_at(d, "__strdup"), "strdup is a wrapper:\n%s", d);
    free(d);
    segment_remove(r.pid);
    run_free(&r);
}

Test(sites, wrappers_charge_callers) { check_wrapsites("+ptg"); }
Test(sites, wrappers_charge_callers_ust) { check_wrapsites("+ptg+ust"); }

Test(sites, ust_stacks_reach_main)
{
    const char *env[] = { "HEAPTAG_FLAGS=+ptg+ust", "HEAPTAG_WRAPPERS=xmalloc", NULL };
    const char *argv[] = { build_path("tests/progs/wrapsites"), "xmalloc", NULL };
    struct run_result r;
    cr_assert_eq(run_cmd(argv, env, 1, NULL, &r), 0);
    char *d = dump_of(r.pid);
    const char *st = strstr(d, "allocs=5 frees=0 live_allocs=5 live_bytes=200\n  #0 xmalloc ");
    cr_assert_not_null(st, "%s", d);
    const char *f1 = strstr(st, "\n  #1 in_xmalloc ");
    const char *f2 = strstr(st, "\n  #2 main ");
    cr_expect(f1 && f2 && f1 < f2, "%s", st);
    free(d);
    segment_remove(r.pid);
    run_free(&r);
}

/* Starts prog preloaded with env, stdin and stdout on pipes. */
static pid_t start(const char *prog, const char *const env[], int *to, FILE **from)
{
    int in[2], out[2];
    cr_assert_eq(pipe(in), 0);
    cr_assert_eq(pipe(out), 0);
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        close(in[1]);
        close(out[0]);
        for (int i = 0; env[i]; i++)
            putenv((char *)env[i]);
        char pre[4200];
        snprintf(pre, sizeof pre, "LD_PRELOAD=%s", build_path("libheaptag.so"));
        if (pre[11] != '/') {
            char cwd[4096];
            snprintf(pre, sizeof pre, "LD_PRELOAD=%s/%s", getcwd(cwd, sizeof cwd),
                     build_path("libheaptag.so"));
        }
        putenv(pre);
        execl(prog, prog, (char *)NULL);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    *to = in[1];
    *from = fdopen(out[0], "r");
    return pid;
}

static void wait_ready(FILE *from)
{
    char line[64];
    cr_assert_not_null(fgets(line, sizeof line, from));
    cr_assert_str_eq(line, "ready\n");
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

/* twoleaks under flags: dump, 10 rounds, dump, diff. With ust the stacks run
 * from xmalloc down to main; without it each row stands as a one-frame stack
 * at its site (the wrapper's caller). */
static void diff_two_leaks(const char *flags, int with_ust)
{
    const char *env[] = { flags, "HEAPTAG_WRAPPERS=xmalloc", "HEAPTAG_KEEP=0", NULL };
    int to;
    FILE *from;
    pid_t pid = start(build_path("tests/progs/twoleaks"), env, &to, &from);
    char old[] = "/tmp/heaptag-old-XXXXXX", new[] = "/tmp/heaptag-new-XXXXXX";
    close(mkstemp(old));
    close(mkstemp(new));

    wait_ready(from);
    char *d1 = dump_of(pid);
    cr_assert_eq(write(to, "\n", 1), 1);
    wait_ready(from);
    char *d2 = dump_of(pid);
    cr_assert_eq(write(to, "\n", 1), 1);
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert_eq(status, 0);
    write_file(old, d1);
    write_file(new, d2);

    const char *argv[] = { build_path("heaptag"), "diff", old, new, NULL };
    struct run_result r;
    cr_assert_eq(run_cmd(argv, NULL, 0, NULL, &r), 0);
    cr_assert_eq(r.status, 0, "%s", r.err);
    /* 10 rounds: fast 30 blocks of 100, slow 10; nothing else allocated */
    const char *fast = strstr(r.out, "+       3000 (       3300 -        300 )      +30 allocs");
    const char *slow = strstr(r.out, "+       1000 (       1100 -        100 )      +10 allocs");
    cr_assert_not_null(fast, "%s", r.out);
    cr_assert_not_null(slow, "%s", r.out);
    cr_expect(fast < slow, "faster leak first:\n%s", r.out);
    const char *f_end = strstr(fast, "\n\n");
    const char *s_end = strstr(slow, "\n\n");
    cr_assert(f_end && s_end);
    if (with_ust) {
        const char *a = strstr(fast, "  #0 xmalloc "), *b = strstr(fast, "  #1 leak_fast "),
                   *c = strstr(fast, "  #3 main ");
        cr_expect(a && b && c && c < f_end, "fast stack:\n%s", fast);
        a = strstr(slow, "  #0 xmalloc ");
        b = strstr(slow, "  #1 leak_slow ");
        c = strstr(slow, "  #3 main ");
        cr_expect(a && b && c && c < s_end, "slow stack:\n%s", slow);
    } else {
        const char *b = strstr(fast, "  #0 leak_fast ");
        cr_expect(b && b < f_end, "fast row at its caller:\n%s", fast);
        b = strstr(slow, "  #0 leak_slow ");
        cr_expect(b && b < s_end, "slow row at its caller:\n%s", slow);
    }
    cr_expect(strstr(r.out, "Total change == +4000 bytes, +40 allocations (2 stacks grew)"),
              "%s", r.out);
    free(d1);
    free(d2);
    run_free(&r);
    unlink(old);
    unlink(new);
    fclose(from);
    close(to);
}

Test(sites, diff_ranks_faster_leak_first)
{
    diff_two_leaks("HEAPTAG_FLAGS=+ptg+ust", 1);
}

Test(sites, diff_without_stacks_compares_rows)
{
    diff_two_leaks("HEAPTAG_FLAGS=+ptg", 0);
}

Test(sites, diff_rejects_non_dump)
{
    char junk[] = "/tmp/heaptag-junk-XXXXXX";
    int fd = mkstemp(junk);
    cr_assert_eq(write(fd, "hello\n", 6), 6);
    close(fd);
    const char *argv[] = { build_path("heaptag"), "diff", junk, junk, NULL };
    struct run_result r;
    cr_assert_eq(run_cmd(argv, NULL, 0, NULL, &r), 0);
    cr_expect_eq(WEXITSTATUS(r.status), 1);
    cr_expect(strstr(r.err, "not a heaptag dump"), "%s", r.err);
    run_free(&r);
    const char *argv2[] = { build_path("heaptag"), "diff", junk, NULL };
    cr_assert_eq(run_cmd(argv2, NULL, 0, NULL, &r), 0);
    cr_expect_eq(WEXITSTATUS(r.status), 2);
    run_free(&r);
    unlink(junk);
}

/* Writes a dump of pid with three stacks: a slow leak (a block of 100 bytes
 * more every dump), a cache whose bytes wobble, a buffer freed over time. */
static void write_dump(const char *path, int pid, int k)
{
    static const uint64_t cache[] = { 5000, 9000, 4000, 9500, 5300 };
    FILE *f = fopen(path, "w");
    cr_assert(f);
    fprintf(f, "heaptag-dump 1\nprocess pid=%d state=live flags=0x400 exe=/usr/bin/app\n", pid);
    fprintf(f, "stack 00000000000000aa row=1 allocs=%d frees=0 live_allocs=%d live_bytes=%d\n"
               "  #0 leak_slowly app.c:10 app+0x10\n", k + 1, k + 1, 100 * (k + 1));
    fprintf(f, "stack 00000000000000bb row=2 allocs=99 frees=50 live_allocs=%d live_bytes=%llu\n"
               "  #0 cache_fill app.c:20 app+0x20\n", 40 + k % 2 * 5,
            (unsigned long long)cache[k]);
    if (k < 4)
        fprintf(f, "stack 00000000000000cc row=3 allocs=9 frees=%d live_allocs=%d "
                   "live_bytes=%d\n  #0 buffers_drain app.c:30 app+0x30\n", k, 9 - k,
                (9 - k) * 300);
    fputs("end\n", f);
    fclose(f);
}

Test(sites, diff_of_several_dumps_ranks_steady_growth)
{
    char paths[5][64];
    const char *argv[8] = { build_path("heaptag"), "diff" };
    for (int k = 0; k < 5; k++) {
        snprintf(paths[k], sizeof paths[k], "/tmp/heaptag-dump%d.%d", k, (int)getpid());
        write_dump(paths[k], 777, k);
        argv[2 + k] = paths[k];
    }
    struct run_result r;
    cr_assert_eq(run_cmd(argv, NULL, 0, NULL, &r), 0);
    cr_assert_eq(WEXITSTATUS(r.status), 0, "%s", r.err);
    cr_assert_eq(r.err_len, 0, "same process: no warning\n%s", r.err);
    const char *leak = strstr(r.out, "+        400 (        500 -        100 )       +4 allocs  "
                                     "grew in 4 of 4 intervals");
    const char *cache = strstr(r.out, "+        300 (       5300 -       5000 )");
    const char *shrank = strstr(r.out, "// stacks whose live bytes shrank");
    const char *drain = strstr(r.out, "-      -2700 (          0 -       2700 )");
    cr_assert(leak && cache && shrank && drain, "%s", r.out);
    cr_assert(leak < cache && cache < shrank && shrank < drain,
              "the slow leak above the wobbling cache, the drained buffers last:\n%s", r.out);
    cr_assert(strstr(leak, "leak_slowly app.c:10") < cache, "%s", r.out);
    cr_assert(strstr(r.out, "(2 stacks grew, 1 shrank)"), "%s", r.out);
    run_free(&r);

    /* two dumps: what shrank is shown too; another process is warned about */
    write_dump(paths[4], 778, 4);
    const char *two[] = { build_path("heaptag"), "diff", paths[0], paths[4], NULL };
    cr_assert_eq(run_cmd(two, NULL, 0, NULL, &r), 0);
    cr_assert_eq(WEXITSTATUS(r.status), 0, "%s", r.err);
    cr_assert(strstr(r.err, "different processes"), "%s", r.err);
    cr_assert(strstr(r.out, "-       2700 (          0 -       2700 )"), "%s", r.out);
    cr_assert(strstr(r.out, "buffers_drain"), "%s", r.out);
    run_free(&r);
    for (int k = 0; k < 5; k++)
        unlink(paths[k]);
}
