/* SPDX-License-Identifier: MIT
 * test_patterns.c - known allocation patterns run under the shim, their
 * counters read back with `heaptag mon --format csv`: exact values.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

/* Runs tests/progs/patterns MODE under the shim; returns its pid. */
static int run_pattern(const char *mode, struct run_result *r)
{
    const char *argv[] = { build_path("tests/progs/patterns"), mode, NULL };
    cr_assert_eq(run_cmd(argv, NULL, 1, NULL, r), 0);
    cr_assert(WIFEXITED(r->status) && WEXITSTATUS(r->status) == 0,
              "patterns %s failed: %s", mode, r->err);
    int pid = find_pid(r->out, "pid ");
    cr_assert_gt(pid, 0);
    cr_assert_eq(pid, r->pid, "the program runs as the child itself");
    return pid;
}

static void expect(int pid, const char *tag, uint64_t allocs, uint64_t frees, uint64_t bytes)
{
    struct tag_counts c;
    cr_assert_eq(tag_counts(pid, tag, &c), 0, "mon csv for pid %d", pid);
    cr_expect_eq(c.allocs, allocs, "%s allocs: %lu, want %lu", tag, c.allocs, allocs);
    cr_expect_eq(c.frees, frees, "%s frees: %lu, want %lu", tag, c.frees, frees);
    cr_expect_eq(c.bytes, bytes, "%s live bytes: %lu, want %lu", tag, c.bytes, bytes);
}

/* Runs patterns MODE and expects one tag's counts; then its segment goes. */
static void expect_pattern(const char *mode, const char *tag, uint64_t allocs, uint64_t frees,
                           uint64_t bytes)
{
    struct run_result r;
    int pid = run_pattern(mode, &r);
    expect(pid, tag, allocs, frees, bytes);
    segment_remove(pid);
    run_free(&r);
}

TestSuite(patterns, .timeout = 60);

Test(patterns, basic)
{
    expect_pattern("basic", "Basc", 10, 4, 600);
}

Test(patterns, realloc_grow_shrink_move)
{
    expect_pattern("realloc", "Real", 5, 4, 1 << 20);
}

Test(patterns, aligned)
{
    expect_pattern("aligned", "Algn", 8, 3, 4 * 1000 + 2000);
}

Test(patterns, calloc)
{
    /* one kept calloc(10, 10), one malloc(3) freed; failed calls count nothing */
    expect_pattern("calloc", "Clc", 2, 1, 100);
}

Test(patterns, libc_inside_scope)
{
    struct run_result r;
    int pid = run_pattern("libc", &r);
    expect(pid, "Libc", 2, 0, 6 + 4);
    expect(pid, "Expl", 1, 0, 77);
    segment_remove(pid);
    run_free(&r);
}

Test(patterns, eight_thread_storm)
{
    struct run_result r;
    int pid = run_pattern("threads", &r);
    char tag[16];
    for (int i = 0; i < 8; i++) {
        snprintf(tag, sizeof tag, "Th%02d", i);
        expect(pid, tag, 20100, 20000, 100 * 32);
    }
    expect(pid, "Shrd", 8 * 20100, 8 * 20000, 8 * 100 * 48);
    segment_remove(pid);
    run_free(&r);
}

Test(patterns, fork_child_and_parent_exact)
{
    struct run_result r;
    int pid = run_pattern("fork", &r);
    int child = find_pid(r.out, "child ");
    cr_assert_gt(child, 0);
    expect(pid, "Fork", 7, 0, 700);
    expect(child, "Fork", 8, 1, 700);
    segment_remove(pid);
    segment_remove(child);
    run_free(&r);
}

Test(patterns, non_pie_program_tags)
{
    const char *argv[] = { build_path("tests/progs/patterns_nopie"), "basic", NULL };
    struct run_result r;
    cr_assert_eq(run_cmd(argv, NULL, 1, NULL, &r), 0);
    cr_assert(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0);
    expect(r.pid, "Basc", 10, 4, 600);
    segment_remove(r.pid);
    run_free(&r);
}

Test(patterns, header_program_runs_without_shim)
{
    static const char *modes[] = { "basic", "realloc", "aligned", "calloc", "libc", "threads", "fork" };
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        const char *argv[] = { build_path("tests/progs/patterns"), modes[i], NULL };
        struct run_result r;
        cr_assert_eq(run_cmd(argv, NULL, 0, NULL, &r), 0);
        cr_expect(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0, "%s: %s", modes[i], r.err);
        cr_expect_gt(find_pid(r.out, "pid "), 0);
        char path[96];
        segment_path(path, sizeof path, r.pid);
        cr_expect_neq(access(path, F_OK), 0, "no segment without the shim");
        run_free(&r);
    }
}

Test(patterns, exec_starts_afresh)
{
    struct run_result r;
    int pid = run_pattern("exec", &r);
    expect(pid, "Basc", 10, 4, 600);
    expect(pid, "PreX", 0, 0, 0);
    segment_remove(pid);
    run_free(&r);
}

Test(patterns, killed_process_reads_as_dead)
{
    int fds[2];
    cr_assert_eq(pipe2(fds, O_CLOEXEC), 0);
    pid_t pid = start_tagged("tests/progs/patterns", (const char *const[]){ "sleep", NULL }, fds[1]);
    cr_assert_geq(pid, 0);
    close(fds[1]);
    char buf[64] = { 0 };
    cr_assert_gt(read(fds[0], buf, sizeof buf - 1), 0, "the program reports its pid once tagged");
    close(fds[0]);
    expect(pid, "Slep", 3, 0, 192);
    const char *ls[] = { build_path("heaptag"), "ls", NULL };
    struct run_result l;
    char want[64];
    cr_assert_eq(run_cmd(ls, NULL, 0, NULL, &l), 0);
    snprintf(want, sizeof want, "%d live", pid);
    cr_assert(strstr(l.out, want), "live while running:\n%s", l.out);
    run_free(&l);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    cr_assert_eq(run_cmd(ls, NULL, 0, NULL, &l), 0);
    snprintf(want, sizeof want, "%d dead", pid);
    cr_assert(strstr(l.out, want), "dead after SIGKILL:\n%s", l.out);
    run_free(&l);
    expect(pid, "Slep", 3, 0, 192); /* still readable post-mortem */
    segment_remove(pid);
}
