/* SPDX-License-Identifier: MIT
 * test_stress.c - the shim under stress keeps every count exact and never
 * hangs: threads born and dying while others allocate, a 200-process tree of
 * forks and execs, allocation in signal handlers. Each test has a Criterion
 * timeout, so a deadlock fails the test instead of hanging the suite.
 *
 * Live flag changes: while each program runs, live_toggle_begin() flips the
 * heap checking and stack flags on it with `heaptag flags -p` and back; the
 * counts must stay exact. Until the tool has `flags -p`, the toggler finds it
 * missing and does nothing.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

/* The flag changes the toggler alternates between. ptg stays on throughout. */
static const char *const all_toggles[] = { "+htc+hfc+ust", "-htc-hfc-ust" };
/* For handlers that allocate: glibc's malloc is not async-signal-safe, and
 * the program only gets away with it while its main loop stays in glibc's
 * lock-free per-thread cache. The heap checks' quarantine drains that cache
 * into the locked arena, where a handler's malloc deadlocks with or without
 * the shim; so only ust, which keeps the blocks in the cache, is flipped. */
static const char *const stack_toggles[] = { "+ust", "-ust" };
static const char *const *toggles = all_toggles;

static char pidfile[64];
static pid_t toggler;

/* Starts a process that, once the program under test has written its pid to
 * pidfile, flips the flags of that pid until it is stopped. */
static void live_toggle_begin(void)
{
    snprintf(pidfile, sizeof pidfile, "/tmp/heaptag-stress-pid.%d", (int)getpid());
    unlink(pidfile);
    toggler = fork();
    cr_assert_geq(toggler, 0);
    if (toggler > 0)
        return;
    int pid = 0;
    for (int tries = 0; tries < 20000 && pid <= 0; tries++) {
        FILE *f = fopen(pidfile, "r");
        if (f) {
            if (fscanf(f, "%d", &pid) != 1)
                pid = 0;
            fclose(f);
        }
        if (pid <= 0)
            usleep(1000);
    }
    char pidbuf[16];
    snprintf(pidbuf, sizeof pidbuf, "%d", pid);
    for (unsigned long i = 0; pid > 0 && kill(pid, 0) == 0; i++) {
        const char *argv[] = { build_path("heaptag"), "flags", "-p", pidbuf,
                               toggles[i % 2], NULL };
        struct run_result r;
        if (run_cmd(argv, NULL, 0, NULL, &r) != 0)
            _exit(0);
        int usage = WIFEXITED(r.status) && WEXITSTATUS(r.status) == 2;
        run_free(&r);
        if (usage && i == 0)
            _exit(0); /* no live flag changes in this tool yet */
    }
    _exit(0);
}

static void live_toggle_end(void)
{
    if (toggler > 0) {
        kill(toggler, SIGTERM);
        waitpid(toggler, NULL, 0);
    }
    toggler = 0;
    unlink(pidfile);
}

/* Runs the stress program with the shim, its segment kept, and the toggler on. */
static void run_stress(const char *const args[], struct run_result *r)
{
    const char *argv[8] = { build_path("tests/progs/stress") };
    for (int i = 0; args[i] && i < 6; i++)
        argv[i + 1] = args[i];
    char pidenv[96];
    live_toggle_begin();
    snprintf(pidenv, sizeof pidenv, "STRESS_PIDFILE=%s", pidfile);
    /* a stack table from the start, so the toggler's live +ust is taken and
     * records; 200 kept segments with their 16 MB tables are over the default
     * cap on kept segments (which would rightly remove the oldest) */
    const char *env[] = { "HEAPTAG_KEEP=1", "HEAPTAG_ROWS=512", "HEAPTAG_FLAGS=+ptg",
                          "HEAPTAG_TRACEDB=16", "HEAPTAG_KEEP_MAX_MB=8192", pidenv, NULL };
    cr_assert_eq(run_cmd(argv, env, 1, NULL, r), 0);
    live_toggle_end();
    cr_assert(WIFEXITED(r->status) && WEXITSTATUS(r->status) == 0,
              "stress %s: status %d, stderr: %s", args[0], r->status, r->err);
    cr_assert_str_empty(r->err, "stress %s wrote to stderr: %s", args[0], r->err);
}

static void expect_tag(int pid, const char *tag, uint64_t allocs, uint64_t frees, uint64_t bytes)
{
    struct tag_counts c;
    cr_assert_eq(tag_counts(pid, tag, &c), 0);
    cr_expect_eq(c.allocs, allocs, "%s allocs %llu, want %llu", tag, (unsigned long long)c.allocs,
                 (unsigned long long)allocs);
    cr_expect_eq(c.frees, frees, "%s frees %llu, want %llu", tag, (unsigned long long)c.frees,
                 (unsigned long long)frees);
    cr_expect_eq(c.bytes, bytes, "%s bytes %llu, want %llu", tag, (unsigned long long)c.bytes,
                 (unsigned long long)bytes);
}

TestSuite(stress, .timeout = 120);

/* What `stress threads W ITERS S D` must leave: W workers of ITERS+100 blocks
 * (100 kept, 40 bytes each), S short-lived and D detached threads of 50
 * blocks (one kept, 32 bytes), and S+D "Hand" blocks, all freed.
 * Then the run's segment and result go. */
static void expect_threads_run(struct run_result *r, long w, long iters, long s, long d)
{
    expect_tag(r->pid, "Work", (uint64_t)(w * (iters + 100)), (uint64_t)(w * iters),
               (uint64_t)(w * 100 * 40));
    expect_tag(r->pid, "Thrd", (uint64_t)(50 * s), (uint64_t)(49 * s), (uint64_t)(32 * s));
    expect_tag(r->pid, "Detc", (uint64_t)(50 * d), (uint64_t)(49 * d), (uint64_t)(32 * d));
    expect_tag(r->pid, "Hand", (uint64_t)(s + d), (uint64_t)(s + d), 0);
    segment_remove(r->pid);
    run_free(r);
}

/* 4 workers x 200000 allocations, 1000 joined and 200 detached threads. */
Test(stress, threads_come_and_go)
{
    const long w = 4, iters = 200000, s = 1000, d = 200;
    const char *args[] = { "threads", "4", "200000", "1000", "200", NULL };
    struct run_result r;
    run_stress(args, &r);
    long hand = -1;
    cr_assert_eq(sscanf(r.out, "threads %*d %*d %*d %*d hand %ld", &hand), 1, "%s", r.out);
    expect_threads_run(&r, w, iters, s, d);
}

/* 20 workers at once, more threads than the shim's 12 counter slots: those
 * beyond count on shared shards, short threads reuse the slots of the ones
 * that exited, and blocks are freed by other threads than their makers. */
Test(stress, more_threads_than_counter_slots)
{
    const long w = 20, iters = 20000, s = 300, d = 60;
    const char *args[] = { "threads", "20", "20000", "300", "60", NULL };
    struct run_result r;
    run_stress(args, &r);
    expect_threads_run(&r, w, iters, s, d);
}

/* 200 processes: every one of them has its own segment, exact, marked exited. */
Test(stress, fork_exec_storm_200)
{
    const int n = 200;
    const char *args[] = { "storm", "200", NULL };
    struct run_result r;
    run_stress(args, &r);
    char *csv = mon_csv_all();
    cr_assert_not_null(csv);
    int seen = 0, pids[200] = { 0 };
    for (char *line = r.out; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        int i, pid;
        unsigned long long na, nf, nb, ca, cf, cb;
        cr_assert_eq(sscanf(line, "node %d pid %d Node %llu %llu %llu Chrn %llu %llu %llu", &i, &pid,
                            &na, &nf, &nb, &ca, &cf, &cb), 8, "bad line: %.80s", line);
        cr_assert(i >= 0 && i < n && pids[i] == 0, "node %d twice", i);
        pids[i] = pid;
        seen++;
        struct tag_counts c;
        cr_assert_eq(csv_tag_counts(csv, pid, "Node", &c), 0);
        cr_expect(c.allocs == na && c.frees == nf && c.bytes == nb,
                  "node %d pid %d Node: %llu %llu %llu, want %llu %llu %llu", i, pid,
                  (unsigned long long)c.allocs, (unsigned long long)c.frees,
                  (unsigned long long)c.bytes, na, nf, nb);
        cr_assert_eq(csv_tag_counts(csv, pid, "Chrn", &c), 0);
        cr_expect(c.allocs == ca && c.frees == cf && c.bytes == cb,
                  "node %d pid %d Chrn: %llu %llu %llu, want %llu %llu %llu", i, pid,
                  (unsigned long long)c.allocs, (unsigned long long)c.frees,
                  (unsigned long long)c.bytes, ca, cf, cb);
    }
    cr_expect_eq(seen, n, "%d nodes reported", seen);
    /* every segment says its process exited with status 0 */
    const char *ls[] = { build_path("heaptag"), "ls", NULL };
    struct run_result l;
    cr_assert_eq(run_cmd(ls, NULL, 0, NULL, &l), 0);
    for (int i = 0; i < n; i++) {
        char want[32];
        snprintf(want, sizeof want, "\n%7d exited ", pids[i]);
        cr_expect_not_null(strstr(l.out, want), "node %d pid %d not listed as exited", i, pids[i]);
        segment_remove(pids[i]);
    }
    run_free(&l);
    free(csv);
    run_free(&r);
}

/* 8000 signals, each handler allocating while the main thread allocates.
 * Each signal waits for the one before it to be handled: a round trip
 * through the scheduler, which on a loaded two-core machine takes
 * milliseconds, so more signals would test the machine's load. */
#define SIGNALS 8000
#define TEXT_(x) #x
#define TEXT(x) TEXT_(x)
Test(stress, signal_handlers_allocate)
{
    const char *args[] = { "signals", TEXT(SIGNALS), NULL };
    struct run_result r;
    toggles = stack_toggles;
    run_stress(args, &r);
    long handled = 0, iters = 0;
    cr_assert_eq(sscanf(r.out, "signals %ld main %ld", &handled, &iters), 2, "%s", r.out);
    cr_assert_eq(handled, SIGNALS);
    expect_tag(r.pid, "Sigh", 2 * SIGNALS, SIGNALS, 64 * SIGNALS);
    expect_tag(r.pid, "Main", (uint64_t)iters, (uint64_t)iters, 0);
    segment_remove(r.pid);
    run_free(&r);
}
