/* SPDX-License-Identifier: MIT
 * test_serve_load.c - the exporter under load, on synthetic segments in a
 * private HEAPTAG_SHM_DIR: live processes are shown by default, exited ones
 * while their exit is recent (all with --all); silent connections never keep
 * a scrape from being answered; what serve holds between scrapes does not
 * grow with the segments it has read. Times are printed, never asserted.
 */
#include <criterion/criterion.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "heaptag_segment.h"
#include "segbuild.h"
#include "serve_util.h"

static char dir[64];
static char env_dir[96];
static pid_t serve_pid;
static pid_t kids[64];
static int n_kids;

static void teardown(void)
{
    if (serve_pid > 0)
        bg_stop(serve_pid);
    for (int i = 0; i < n_kids; i++) {
        kill(kids[i], SIGKILL);
        waitpid(kids[i], NULL, 0);
    }
    if (dir[0]) {
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
        if (system(cmd) != 0)
            fprintf(stderr, "cannot remove %s\n", dir);
    }
}

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/heaptag-load-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    snprintf(env_dir, sizeof env_dir, "HEAPTAG_SHM_DIR=%s", dir);
}

TestSuite(serve_load, .init = setup, .fini = teardown, .timeout = 120);

static double mono_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

/* /proc/<pid>/<name> into buf, as a string (one read: the files are small). */
static void proc_text(pid_t pid, const char *name, char *buf, size_t size)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, name);
    int fd = open(path, O_RDONLY);
    cr_assert_geq(fd, 0);
    ssize_t n = read(fd, buf, size - 1);
    close(fd);
    cr_assert_gt(n, 0);
    buf[n] = '\0';
}

static uint64_t start_ticks_of(pid_t pid)
{
    char buf[1024];
    proc_text(pid, "stat", buf, sizeof buf);
    char *p = strrchr(buf, ')');
    for (int field = 2; p && *p && field < 22; p++)
        if (*p == ' ')
            field++;
    return strtoull(p, NULL, 10);
}

/* A child that waits to be killed: a live process for a segment to name. */
static pid_t live_kid(void)
{
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        for (;;)
            pause();
    }
    kids[n_kids++] = pid;
    return pid;
}

enum seg_kind { SEG_LIVE, SEG_EXITED_NOW, SEG_EXITED_LONG_AGO, SEG_DEAD };

/* A sound segment of `rows` rows (half tagged, half call sites) for pid. */
static void write_segment(pid_t pid, enum seg_kind kind, uint32_t rows)
{
    /* one counter set (a per-thread slot); row 0 the overflow row */
    const struct segbuild_plan plan = { .rows = rows + 1, .modules = 1,
                                        .counter_sets = 1, .counter_slots = 1 };
    struct segbuild b;
    cr_assert_eq(segbuild_init(&b, &plan), 0);
    struct ht_seg_header *h = b.h;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    uint64_t now_ns = (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
    h->pid = pid;
    h->start_unix_ns = now_ns - 7200000000000u;
    h->state = kind == SEG_LIVE || kind == SEG_DEAD ? HT_SEG_LIVE : HT_SEG_EXITED;
    h->start_ticks = kind == SEG_LIVE ? start_ticks_of(pid) : 1;
    if (kind == SEG_EXITED_NOW)
        h->exit_unix_ns = now_ns;
    if (kind == SEG_EXITED_LONG_AGO)
        h->exit_unix_ns = now_ns - 3600000000000u;
    h->rows_used = rows + 1;
    h->modules_used = 1;
    snprintf(h->exe, sizeof h->exe, "/usr/bin/load%d", (int)pid);
    segbuild_set_module(&b, 0, 0x400000, 0x10000000, "/nonexistent/libload.so");
    for (uint32_t i = 1; i <= rows; i++) {
        struct ht_row *r = segbuild_row(&b, i);
        r->state = HT_ROW_READY;
        r->module = 0;
        r->kind = i % 2 ? HT_KIND_TAG : HT_KIND_SITE;
        if (i % 2)
            snprintf(r->tag, sizeof r->tag, "T%05u", i);
        r->site = 0x400000 + 16 * (uint64_t)i;
        struct ht_counters *c = segbuild_counters(&b, 0, i);
        c->allocs = 10 + i;
        c->bytes_alloc = 100 * (uint64_t)(10 + i);
    }
    char path[128];
    snprintf(path, sizeof path, "%s/heaptag.%d", dir, (int)pid);
    cr_assert_eq(segbuild_write(&b, path, b.size), 0);
    segbuild_free(&b);
}

static int shown(const char *text, pid_t pid)
{
    char want[48];
    snprintf(want, sizeof want, "heaptag_process_live_bytes{pid=\"%d\"", (int)pid);
    return strstr(text, want) != NULL;
}

Test(serve_load, live_by_default_exited_while_recent_all_with_all)
{
    pid_t live = live_kid(), live2 = live_kid();
    write_segment(live, SEG_LIVE, 10);
    write_segment(live2, SEG_LIVE, 10);
    write_segment(3000001, SEG_EXITED_NOW, 10);
    write_segment(3000002, SEG_EXITED_LONG_AGO, 10);
    write_segment(3000003, SEG_DEAD, 10);
    const char *env[] = { env_dir, NULL };
    const char *exp[] = { build_path("heaptag"), "export", "--prometheus", NULL };
    struct run_result r;
    cr_assert_eq(run_cmd(exp, env, 0, NULL, &r), 0);
    cr_assert_eq(WEXITSTATUS(r.status), 0, "%s", r.err);
    cr_expect(shown(r.out, live) && shown(r.out, live2), "live processes missing");
    cr_expect(shown(r.out, 3000001), "a process that exited just now is missing:\n%s%s", r.out, r.err);
    cr_expect(!shown(r.out, 3000002), "a process that exited an hour ago is shown");
    cr_expect(!shown(r.out, 3000003), "a dead process is shown");
    run_free(&r);
    const char *all[] = { build_path("heaptag"), "export", "--prometheus", "--all", NULL };
    cr_assert_eq(run_cmd(all, env, 0, NULL, &r), 0);
    cr_expect(shown(r.out, live) && shown(r.out, 3000001) && shown(r.out, 3000002) &&
              shown(r.out, 3000003), "--all leaves some out");
    run_free(&r);
    /* asked by pid, shown whatever its state */
    const char *byp[] = { build_path("heaptag"), "export", "--prometheus", "-p", "3000002", NULL };
    cr_assert_eq(run_cmd(byp, env, 0, NULL, &r), 0);
    cr_expect(shown(r.out, 3000002), "-p leaves the asked pid out");
    run_free(&r);
}

static int connect_port(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    cr_assert_geq(fd, 0);
    cr_assert_eq(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    return fd;
}

/* 100 connections that say nothing, 50 that send half a request head: a
 * scrape is answered while all of them are held, again and again. */
Test(serve_load, scrapes_answered_while_150_connections_hang)
{
    pid_t live = live_kid();
    write_segment(live, SEG_LIVE, 100);
    const char *env[] = { env_dir, NULL };
    int port = 0;
    serve_pid = serve_start(NULL, env, &port);
    cr_assert_gt(serve_pid, 0);
    int held[150];
    for (int i = 0; i < 150; i++) {
        held[i] = connect_port(port);
        if (i >= 100)
            send(held[i], "GET /metrics HTTP/1.1\r\nX-Slow: ", 31, MSG_NOSIGNAL);
    }
    static char resp[1 << 20];
    const char *get = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n";
    double worst = 0;
    for (int k = 0; k < 5; k++) {
        double t0 = mono_s();
        /* the bound is generous: a slot is free at once, or at the latest when
         * the oldest silent client is dropped for the new one */
        long n = http_raw(port, get, strlen(get), resp, sizeof resp, 10000);
        double dt = mono_s() - t0;
        worst = dt > worst ? dt : worst;
        cr_assert_gt(n, 0, "no answer while connections hang");
        cr_assert_eq(strncmp(resp, "HTTP/1.1 200 ", 13), 0, "%.40s", resp);
        cr_assert(shown(resp, live));
    }
    fprintf(stderr, "serve_load: 5 scrapes with 150 hanging connections, slowest %.3f s\n",
            worst);
    for (int i = 0; i < 150; i++)
        close(held[i]);
    cr_assert(bg_alive(serve_pid));
}

static long rss_kb(pid_t pid)
{
    char buf[4096];
    proc_text(pid, "status", buf, sizeof buf);
    char *p = strstr(buf, "VmRSS:");
    cr_assert_not_null(p);
    return atol(p + 6);
}

static void scrape(int port, double *secs, long *bytes)
{
    static char resp[64 << 20];
    const char *get = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n";
    double t0 = mono_s();
    long n = http_raw(port, get, strlen(get), resp, sizeof resp, 60000);
    *secs = mono_s() - t0;
    *bytes = n;
    cr_assert_gt(n, 0);
    cr_assert_eq(strncmp(resp, "HTTP/1.1 200 ", 13), 0, "%.40s", resp);
}

/* 1,000 exited segments of 200 rows: what serve holds after ten scrapes
 * (--all, every segment read each time) stays near what it held after one,
 * and near an idle server; by default they are not read at all. */
Test(serve_load, memory_bounded_across_scrapes, .timeout = 240)
{
    for (int i = 0; i < 1000; i++)
        write_segment(3100000 + i, SEG_EXITED_LONG_AGO, 200);
    const char *env[] = { env_dir, NULL };
    const char *all[] = { "--all", NULL };
    int port = 0;
    serve_pid = serve_start(all, env, &port);
    cr_assert_gt(serve_pid, 0);
    long idle = rss_kb(serve_pid), bytes;
    double secs;
    scrape(port, &secs, &bytes);
    usleep(300000);
    long one = rss_kb(serve_pid);
    fprintf(stderr, "serve_load: --all over 1000 exited segments: %ld bytes in %.3f s\n",
            bytes, secs);
    for (int i = 0; i < 9; i++)
        scrape(port, &secs, &bytes);
    /* the last answer is freed when its client has gone: give it a moment */
    long ten = rss_kb(serve_pid);
    for (int i = 0; i < 50 && ten >= one + one / 4 + 2048; i++) {
        usleep(100000);
        ten = rss_kb(serve_pid);
    }
    fprintf(stderr, "serve_load: RSS idle %ld kB, after 1 scrape %ld kB, after 10 %ld kB\n",
            idle, one, ten);
    cr_expect_lt(ten, one + one / 4 + 2048, "RSS grew from %ld to %ld kB", one, ten);
    for (int i = 0; i < 50 && ten >= idle + 16384; i++) {
        usleep(100000);
        ten = rss_kb(serve_pid);
    }
    cr_expect_lt(ten, idle + 16384, "serve keeps %ld kB after scrapes (idle %ld kB)", ten, idle);
    bg_stop(serve_pid);

    /* by default the exited segments cost nothing */
    serve_pid = serve_start(NULL, env, &port);
    cr_assert_gt(serve_pid, 0);
    scrape(port, &secs, &bytes);
    fprintf(stderr, "serve_load: default over 1000 exited segments: %ld bytes in %.3f s\n",
            bytes, secs);
    cr_expect_lt(bytes, 20000, "exited segments exported by default: %ld bytes", bytes);
}

/* The target of the README: 50 live processes of 2,000 rows each. Timed and
 * printed only. */
Test(serve_load, fifty_live_processes_of_2000_rows, .timeout = 240)
{
    for (int i = 0; i < 50; i++)
        write_segment(live_kid(), SEG_LIVE, 2000);
    const char *env[] = { env_dir, NULL };
    int port = 0;
    serve_pid = serve_start(NULL, env, &port);
    cr_assert_gt(serve_pid, 0);
    double secs, best = 1e9;
    long bytes;
    for (int i = 0; i < 5; i++) {
        scrape(port, &secs, &bytes);
        best = secs < best ? secs : best;
    }
    fprintf(stderr, "serve_load: 50 live x 2000 rows: %ld bytes, best of 5 scrapes %.3f s\n",
            bytes, best);
    cr_assert_gt(bytes, 100000);
}
