/* SPDX-License-Identifier: MIT
 * test_hostsafe.c - the shim never changes what the host program sees: its
 * file descriptors and files (the unwinder opens none, writes none), errno
 * after successful allocations, small signal stacks and minimal thread
 * stacks, and fork under ust (every stack kept, no child hangs). Each check
 * runs tests/progs/hostsafe under the flag sets it concerns.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "harness.h"

TestSuite(hostsafe, .timeout = 300);

static const char *const every_flag_set[] = {
    "+ptg", "+ptg+ust", "+ptg+htd", "+ptg+htc", "+ptg+hfc", "+ptg+hpc",
    "+ptg+ust+htc", "+ptg+ust+hfc", "+ptg+ust+hpc", NULL,
};

static void run_mode(const char *mode, const char *flags, const char *wrappers,
                     struct run_result *r)
{
    char flagenv[64];
    snprintf(flagenv, sizeof flagenv, "HEAPTAG_FLAGS=%s", flags);
    const char *env[] = { flagenv, wrappers, NULL };
    const char *argv[] = { build_path("tests/progs/hostsafe"), mode, NULL };
    cr_assert_eq(run_cmd(argv, env, 1, NULL, r), 0);
}

static void expect_ok(const char *mode, const char *const flags[])
{
    for (int i = 0; flags[i]; i++) {
        struct run_result r;
        run_mode(mode, flags[i], NULL, &r);
        cr_expect(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0 && strstr(r.out, "ok\n"),
                  "%s under %s: status %d, out: %s err: %s", mode, flags[i], r.status, r.out,
                  r.err);
        segment_remove(r.pid);
        run_free(&r);
    }
}

/* The first open() is fd 3 even after allocations that walked the stack. */
Test(hostsafe, no_descriptor_kept) { expect_ok("fds", every_flag_set); }

/* fds 3 and 4 reused for the program's files, allocations from code without
 * unwind info: the files and descriptors stay as they were. */
Test(hostsafe, program_files_untouched) { expect_ok("jit", every_flag_set); }

Test(hostsafe, errno_kept) { expect_ok("errno", every_flag_set); }

Test(hostsafe, errno_kept_with_user_wrappers)
{
    struct run_result r;
    run_mode("errno", "+ptg+ust", "HEAPTAG_WRAPPERS=no_such_function,xmalloc", &r);
    cr_expect(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0, "out: %s err: %s", r.out, r.err);
    segment_remove(r.pid);
    run_free(&r);
}

/* malloc, calloc, realloc, strdup and new in a handler on an 8 KB
 * sigaltstack with a guard page below it. */
Test(hostsafe, small_signal_stack) { expect_ok("altstack", every_flag_set); }

/* A PTHREAD_STACK_MIN thread with 3 KB left allocates. */
Test(hostsafe, minimal_thread_stack) { expect_ok("minstack", every_flag_set); }

/* 1024 stacks live at fork: the child finds each one, and counts on it the
 * parent's free and its own allocation. */
Test(hostsafe, fork_keeps_every_stack)
{
    struct run_result r;
    run_mode("forkstacks", "+ptg+ust", NULL, &r);
    cr_assert(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0, "out: %s err: %s", r.out, r.err);
    int child = find_pid(r.out, "child");
    cr_assert_gt(child, 0, "%s", r.out);
    char pidbuf[16];
    snprintf(pidbuf, sizeof pidbuf, "%d", child);
    const char *argv[] = { build_path("heaptag"), "dump", "-p", pidbuf, NULL };
    struct run_result d;
    cr_assert_eq(run_cmd(argv, NULL, 0, NULL, &d), 0);
    int exact = 0;
    for (const char *p = d.out; (p = strstr(p, "allocs=2 frees=1 live_allocs=1 live_bytes=32\n"));
         p++)
        exact++;
    cr_expect_eq(exact, 1024, "stacks with the parent's and the child's counts: %d\n%.2000s",
                 exact, d.out);
    cr_expect(strstr(d.out, " stacks=1025 "), "one entry per stack (and libstdc++'s): %.300s",
              d.out);
    run_free(&d);
    segment_remove(child);
    segment_remove(r.pid);
    run_free(&r);
}

/* 50 forks while four threads allocate (and unwind): every child exits. */
Test(hostsafe, fork_while_threads_unwind)
{
    static const char *const flags[] = { "+ptg+ust", "+ptg", NULL };
    expect_ok("forkthreads", flags);
}

static double per_block(const char *flags)
{
    struct run_result r;
    const char *argv[] = { build_path("tests/progs/hostsafe"), "mem", NULL };
    if (flags) {
        run_mode("mem", flags, NULL, &r);
        segment_remove(r.pid);
    } else {
        cr_assert_eq(run_cmd(argv, NULL, 0, NULL, &r), 0);
    }
    cr_assert(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0, "%s %s", r.out, r.err);
    const char *p = strstr(r.out, "per_block=");
    cr_assert_not_null(p, "%s", r.out);
    double v = strtod(p + 10, NULL);
    run_free(&r);
    return v;
}

/* The shim adds at most 16 bytes to a live block, with ust as without: the
 * stack index lives in the header. Usable sizes and realloc stay right. */
Test(hostsafe, ust_block_overhead)
{
    double plain = per_block(NULL);
    double ptg = per_block("+ptg");
    double ust = per_block("+ptg+ust");
    cr_expect_leq(ptg - plain, 16.0, "ptg adds %.2f bytes per block", ptg - plain);
    cr_expect_leq(ust - plain, 16.0, "ust adds %.2f bytes per block", ust - plain);
}
