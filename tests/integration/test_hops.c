/* SPDX-License-Identifier: MIT
 * test_hops.c - allocations made in wrapper code (std:: templates, libstdc++,
 * wrappers the user names) charged to their callers, which the shim finds by
 * hops from operator new's or malloc's frame and keeps in each thread's chain
 * cache (shim/callers/hops.c), or by the walk where a hop cannot go (a
 * wrapper with a frame pointer). tests/progs/hops_cxx, C++ at -O2 by g++ and
 * by clang++: every function's row has its exact counts under ptg, and the
 * same under ptg+ust, whose walk charges each allocation from its full stack;
 * a C++ plugin closed and another loaded at its address keep rows of their
 * own; no row is a wrapper's. (The libunwind oracle, tests/oracle/run.sh,
 * checks each hop's site against libunwind's walk.)
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "harness.h"

TestSuite(hops, .timeout = 120);

/* Runs prog under flags with its wrappers named; returns its pid (segment kept). */
static int run_hops(const char *prog, const char *flags)
{
    char flagenv[64], dir[4096];
    snprintf(flagenv, sizeof flagenv, "HEAPTAG_FLAGS=%s", flags);
    snprintf(dir, sizeof dir, "%s", build_path("tests/progs"));
    const char *env[] = { flagenv, "HEAPTAG_WRAPPERS=plain_xmalloc,fp_xmalloc", NULL };
    const char *argv[] = { build_path(prog), dir, NULL };
    struct run_result r;
    cr_assert_eq(run_cmd(argv, env, 1, NULL, &r), 0);
    cr_assert(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0 && strstr(r.out, "ok"),
              "%s under %s: status %d, out: %s err: %s", prog, flags, r.status, r.out, r.err);
    cr_assert(strstr(r.out, "same_address=1"), "libhopsB.so not loaded at A's address: %s",
              r.out);
    int pid = r.pid;
    run_free(&r);
    return pid;
}

static char *mon_by_func(int pid)
{
    static const char *const extra[] = { "-n", "1", "--by", "func", "--format", "csv", NULL };
    char *csv = tool_pid_out("mon", pid, extra);
    cr_assert_not_null(csv, "mon failed");
    return csv;
}

static void expect_func(const char *csv, int pid, const char *func, uint64_t allocs,
                        uint64_t frees, uint64_t live_bytes, const char *what)
{
    struct tag_counts c;
    cr_assert_eq(csv_tag_counts(csv, pid, func, &c), 0);
    cr_expect(c.rows == 1 && c.allocs == allocs && c.frees == frees && c.bytes == live_bytes,
              "%s: %s: rows=%llu allocs=%llu frees=%llu bytes=%llu, wanted %llu %llu %llu:\n%s",
              what, func, (unsigned long long)c.rows, (unsigned long long)c.allocs,
              (unsigned long long)c.frees, (unsigned long long)c.bytes,
              (unsigned long long)allocs, (unsigned long long)frees,
              (unsigned long long)live_bytes, csv);
}

/* node: the name the compiler's debug info gives the inlined make_node() */
static void check_program(const char *prog, const char *node)
{
    static const char *const flag_sets[] = { "+ptg", "+ptg+ust" };
    for (size_t f = 0; f < 2; f++) {
        char what[128];
        snprintf(what, sizeof what, "%s under %s", prog, flag_sets[f]);
        int pid = run_hops(prog, flag_sets[f]);
        char *csv = mon_by_func(pid);
        /* std::string(40, c): 12 blocks of 41 bytes, through libstdc++ */
        expect_func(csv, pid, "make_strings(int)", 12, 0, 12 * 41, what);
        /* "x" grown by 60: _M_replace_aux, _M_mutate, _M_create; 62 bytes each */
        expect_func(csv, pid, "append_strings(int)", 5, 0, 5 * 62, what);
        /* 18 map nodes of 40 bytes through the tree's out-of-line code */
        expect_func(csv, pid, "fill_map(int)", 18, 0, 18 * 40, what);
        /* 64 longs pushed: 7 buffers, 8 to 512 bytes, the last live */
        expect_func(csv, pid, "fill_vector()", 7, 6, 512, what);
        expect_func(csv, pid, "fill_list()", 5, 0, 5 * 24, what);
        /* operator new inlined into two functions, 4 and 3 blocks */
        expect_func(csv, pid, node, 7, 0, 7 * 24, what);
        /* the user's wrappers: without a frame pointer (hops) and with one (the walk) */
        expect_func(csv, pid, "user_wrapped(int)", 6, 0, 6 * 32, what);
        expect_func(csv, pid, "fp_wrapped(int)", 4, 0, 4 * 48, what);
        /* the plugins' vectors: the vector and 5 buffers (8 to 128 bytes)
         * in A, 6 (8 to 256) in B, each at its own row though B's code sits
         * where A's was */
        expect_func(csv, pid, "hopsA_fill(int)", 6, 4, 24 + 128, what);
        expect_func(csv, pid, "hopsB_fill(int)", 7, 5, 24 + 256, what);
        cr_expect_null(strstr(csv, "xmalloc"), "%s: a wrapper's row:\n%s", what, csv);
        cr_expect_null(strstr(csv, "std::"), "%s: a std:: row:\n%s", what, csv);
        free(csv);
        segment_remove(pid);
    }
}

Test(hops, cxx_callers_found_from_the_hook_frame_gcc)
{
    check_program("tests/progs/hops_cxx", "make_node");
}

Test(hops, cxx_callers_found_from_the_hook_frame_clang)
{
    check_program("tests/progs/hops_cxx_clang", "make_node(long)");
}
