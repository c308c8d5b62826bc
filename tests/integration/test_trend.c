/* SPDX-License-Identifier: MIT
 * test_trend.c - `heaptag trend` on logs written here with known shapes: two
 * processes, real leaks at two rates among churn, trimmed caches, a cache
 * that fills up, a one-off step and a cache trimmed once; in the table, CSV
 * and JSON formats, appended runs, damaged copies; the plot checked in
 * headless Chromium by counting pixels of the suspect's colour.
 */
#include <criterion/criterion.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define SNAPS 90
#define T0 1764000000.0

enum fmt { TABLE, CSV, JSON };

struct shape {
    int pid;
    const char *tag;
    const char *site;
    double (*live)(double t, uint32_t *rng);
};

/* t mod p for the whole seconds the log uses (the harness links no libm) */
static double mod(double t, long p) { return (double)((long long)t % p); }

static double noise(uint32_t *r, double amp)
{
    *r = *r * 1103515245u + 12345u;
    return amp * ((double)((*r >> 8) & 0xffff) / 32767.5 - 1);
}

/* t in seconds since the start; two hours of log */
static double fast_leak(double t, uint32_t *r) { return 20000 + 6.0 * t + noise(r, 2000); }
static double slow_leak(double t, uint32_t *r) { return 4096 + 0.9 * t + noise(r, 300); }
static double churn(double t, uint32_t *r) { (void)t; return 30000 + noise(r, 25000); }
static double sawtooth(double t, uint32_t *r) { return 20000 + mod(t, 1500) * 40 + noise(r, 500); }
static double sawtooth2(double t, uint32_t *r) { (void)r; return 5000 + mod(t + 400, 2300) * 25; }
static double fills_up(double t, uint32_t *r) { return t < 3000 ? t * 30 : 90000 + noise(r, 800); }
static double step(double t, uint32_t *r) { return t < 3800 ? 50000 + noise(r, 300) : 250000 + noise(r, 300); }
static double trim_once(double t, uint32_t *r) { (void)r; return t < 5500 ? 1000 + t * 25 : 30000 + (t - 5500) * 2; }
static double flat(double t, uint32_t *r) { (void)t; (void)r; return 32768; }

static const struct shape shapes[] = {
    { 4001, "Leak", "0x5600001234 app+0x1234", fast_leak },
    { 4001, "Strg", "0x5600002000 app+0x2000", churn },
    { 4001, "Cach", "0x5600003000 app+0x3000", sawtooth },
    { 4001, "Pool", "0x5600004000 app+0x4000", fills_up },
    { 4001, "Boot", "0x5600005000 app+0x5000", step },
    { 4002, "app2+0x77", "0x7f0000077 app2+0x77", slow_leak },
    { 4002, "Cach", "0x7f0000300 app2+0x300", sawtooth2 },
    { 4002, "Lru", "0x7f0000400 app2+0x400", trim_once },
    { 4002, "Sess", "0x7f0000500 app2+0x500", flat },
};
#define N_SHAPES (sizeof shapes / sizeof shapes[0])

static void stamp(char *buf, size_t n, double t)
{
    time_t tt = (time_t)t;
    strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", gmtime(&tt));
}

/* Writes a log of the shapes in fmt; uneven intervals (30 s, then 10 s, then 2 min). */
static double offset; /* seconds added to every timestamp */

static void write_log(const char *path, enum fmt fmt, int leaks, const char *mode)
{
    FILE *f = fopen(path, mode);
    cr_assert(f);
    if (fmt == CSV)
        fputs("timestamp,pid,tag,type,allocs,frees,diff,bytes,per_alloc,bytes_alloc,"
              "bytes_freed,peak,site\n", f);
    uint32_t rng = 99;
    double peak[N_SHAPES] = { 0 };
    double t = 0;
    for (int k = 0; k < SNAPS; k++) {
        t += k < 30 ? 30 : k < 60 ? 10 : 180;
        char ts[32];
        stamp(ts, sizeof ts, T0 + offset + t);
        for (int pid = 4001; pid <= 4002; pid++) {
            if (fmt == TABLE)
                fprintf(f, "# %s pid %d exe /nonexistent/app\n%-24s %-4s %12s %12s %12s %14s "
                        "%10s  %s\n", ts, pid, "Tag", "Type", "Allocs", "Frees", "Diff", "Bytes",
                        "Per Alloc", "Site");
            for (size_t i = 0; i < N_SHAPES; i++) {
                const struct shape *s = &shapes[i];
                if (s->pid != pid)
                    continue;
                int is_leak = s->live == fast_leak || s->live == slow_leak;
                uint64_t live = (uint64_t)((is_leak && !leaks) ? flat(t, &rng) : s->live(t, &rng));
                peak[i] = peak[i] > (double)live ? peak[i] : (double)live;
                /* a leak keeps blocks: its Diff grows (the others' stays) */
                uint64_t allocs = 1000 + (uint64_t)k * 100;
                uint64_t diff = 10 + (is_leak && leaks ? (uint64_t)k : 0), frees = allocs - diff;
                if (fmt == TABLE)
                    fprintf(f, "%-24s %-4s %12llu %12llu %12lld %14llu %10llu  %s\n", s->tag,
                            s->site[0] == '0' && strchr(s->tag, '+') ? "Site" : "Tag",
                            (unsigned long long)allocs, (unsigned long long)frees, (long long)diff,
                            (unsigned long long)live, 64ULL, s->site);
                else if (fmt == CSV)
                    fprintf(f, "%s,%d,%s,Tag,%llu,%llu,%llu,%llu,64,1,1,%llu,%s\n", ts, pid,
                            s->tag, (unsigned long long)allocs, (unsigned long long)frees,
                            (unsigned long long)diff,
                            (unsigned long long)live, (unsigned long long)peak[i], s->site);
                else
                    fprintf(f, "{\"timestamp\":\"%s\",\"pid\":%d,\"tag\":\"%s\",\"type\":\"Tag\","
                            "\"allocs\":%llu,\"frees\":%llu,\"diff\":%llu,\"bytes\":%llu,"
                            "\"per_alloc\":64,\"peak\":%llu,\"site\":\"%s\"}\n", ts, pid, s->tag,
                            (unsigned long long)allocs, (unsigned long long)frees,
                            (unsigned long long)diff,
                            (unsigned long long)live, (unsigned long long)peak[i], s->site);
            }
            if (fmt == TABLE)
                fputc('\n', f);
        }
    }
    fclose(f);
}

static int exit_code(const struct run_result *r)
{
    return WIFEXITED(r->status) ? WEXITSTATUS(r->status) : 128 + WTERMSIG(r->status);
}

static struct run_result trend(const char *a1, const char *a2, const char *a3, const char *a4)
{
    const char *argv[] = { build_path("heaptag"), "trend", a1, a2, a3, a4, NULL };
    struct run_result r;
    cr_assert_eq(run_cmd(argv, NULL, 0, NULL, &r), 0);
    return r;
}

/* The ranking line of rank k ("   1 ..."), or NULL. */
static const char *rank_line(const char *out, int k)
{
    char key[16];
    snprintf(key, sizeof key, "\n%4d ", k);
    const char *p = strstr(out, key);
    return p ? p + 1 : NULL;
}

static int line_has(const char *line, const char *word)
{
    const char *end = strchr(line, '\n');
    const char *p = strstr(line, word);
    return p && (!end || p < end);
}

static void expect_two_leaks(const struct run_result *r)
{
    cr_assert_eq(exit_code(r), 1, "a suspect named: status 1 (%s%s)", r->out, r->err);
    const char *one = rank_line(r->out, 1), *two = rank_line(r->out, 2);
    cr_assert(one && line_has(one, "Leak") && line_has(one, "4001"), "%s", r->out);
    cr_assert(line_has(one, "app+0x1234"), "%s", r->out);
    /* 6 B/s = 21600 B/h = 21.1K/h (rounded up) */
    cr_assert(line_has(one, "+22K/h") || line_has(one, "+21K/h"), "%s", r->out);
    cr_assert(two && line_has(two, "app2+0x77") && line_has(two, "4002"), "%s", r->out);
    cr_assert_null(rank_line(r->out, 3), "false suspect:\n%s", r->out);
    cr_assert(strstr(r->out, "verdict: Leak leaks in pid 4001"), "%s", r->out);
}

static char dir[] = "/tmp/heaptag-trend-XXXXXX";

static const char *tmp(const char *name)
{
    static char buf[4][256];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
    return buf[k];
}

static void setup(void)
{
    cr_assert(mkdtemp(dir));
}

static void teardown(void)
{
    if (getenv("TREND_KEEP"))
        return; /* look at the logs afterwards */
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(trend, .init = setup, .fini = teardown, .timeout = 120);

Test(trend, ranks_real_leaks_in_every_format)
{
    const enum fmt fmts[] = { TABLE, CSV, JSON };
    const char *names[] = { "t.log", "c.csv", "j.jsonl" };
    for (int i = 0; i < 3; i++) {
        write_log(tmp(names[i]), fmts[i], 1, "w");
        struct run_result r = trend(tmp(names[i]), NULL, NULL, NULL);
        expect_two_leaks(&r);
        cr_assert_eq(r.err_len, 0, "%s", r.err);
        run_free(&r);
    }
    /* all three at once: the same rows seen three times are still two suspects */
    struct run_result r = trend(tmp("t.log"), tmp("c.csv"), tmp("j.jsonl"), NULL);
    expect_two_leaks(&r);
    run_free(&r);
}

Test(trend, nothing_grows_nothing_reported)
{
    write_log(tmp("quiet.csv"), CSV, 0, "w");
    struct run_result r = trend(tmp("quiet.csv"), NULL, NULL, NULL);
    cr_assert_eq(exit_code(&r), 0, "%s", r.err);
    cr_assert(strstr(r.out, "no growing tags"), "%s", r.out);
    cr_assert_null(rank_line(r.out, 1), "%s", r.out);
    run_free(&r);
}

Test(trend, runs_appended_to_one_file_stay_apart)
{
    /* a quiet run, then a leaking run with the same pids three hours later:
     * the counters restart, so the second is a run of its own */
    write_log(tmp("runs.log"), TABLE, 0, "w");
    offset = 3 * 3600;
    write_log(tmp("runs.log"), TABLE, 1, "a");
    struct run_result r = trend(tmp("runs.log"), NULL, NULL, NULL);
    cr_assert_eq(exit_code(&r), 1, "%s", r.err);
    const char *one = rank_line(r.out, 1), *two = rank_line(r.out, 2);
    cr_assert(one && line_has(one, "Leak") && line_has(one, "4001#2"), "%s", r.out);
    cr_assert(two && line_has(two, "app2+0x77") && line_has(two, "4002#2"), "%s", r.out);
    cr_assert_null(rank_line(r.out, 3), "%s", r.out);
    cr_assert(strstr(r.out, "in 360 snapshots of 4 processes"), "%s", r.out);
    run_free(&r);
}

Test(trend, damaged_logs_are_read_as_far_as_possible)
{
    write_log(tmp("c.csv"), CSV, 1, "w");
    FILE *in = fopen(tmp("c.csv"), "r"), *out = fopen(tmp("bad.csv"), "w");
    cr_assert(in && out);
    char line[512];
    int n = 0;
    while (fgets(line, sizeof line, in)) {
        n++;
        if (n % 97 == 0) /* a line cut short, then another writer's line spliced in */
            line[strlen(line) / 2] = '\0';
        fputs(line, out);
        if (n % 131 == 0)
            fputs("\x01\x02garbage \xff\xfe\n{\"timestamp\":\"2026-11\nTag Type\n", out);
        if (n == 300)
            fputs("# 2026-11-25T22:40:39Z pid 12 exe /x\nOrph Tag 1 0 1 1 1 -\n", out);
    }
    fputs("2026-11-25T22:40:39Z,4001,Leak,Tag,1", out); /* truncated at the end */
    fclose(in);
    fclose(out);
    struct run_result r = trend(tmp("bad.csv"), NULL, NULL, NULL);
    expect_two_leaks(&r);
    /* exactly one line about the file on stderr */
    cr_assert(strstr(r.err, "bad.csv: skipped "), "%s", r.err);
    cr_assert_eq(strchr(r.err, '\n'), r.err + r.err_len - 1, "%s", r.err);
    run_free(&r);

    /* foreign input: read, nothing usable, said so */
    r = trend("/etc/passwd", NULL, NULL, NULL);
    cr_assert_eq(exit_code(&r), 2, "no verdict possible: status 2");
    cr_assert(strstr(r.err, "skipped"), "%s", r.err);
    run_free(&r);
    r = trend("/bin/sh", NULL, NULL, NULL);
    cr_assert_eq(exit_code(&r), 2);
    run_free(&r);
}

Test(trend, usage_errors)
{
    struct run_result r = trend(NULL, NULL, NULL, NULL);
    cr_assert_eq(exit_code(&r), 2);
    cr_assert(strstr(r.err, "see heaptag trend --help") && !strchr(strchr(r.err, '\n') + 1, '\n'),
              "one line naming the problem and the help: %s", r.err);
    run_free(&r);
    r = trend("--bogus", "x", NULL, NULL);
    cr_assert_eq(exit_code(&r), 2);
    run_free(&r);
    r = trend("--top", "0", "x", NULL);
    cr_assert_eq(exit_code(&r), 2);
    run_free(&r);
    r = trend(tmp("missing.log"), NULL, NULL, NULL);
    cr_assert_eq(exit_code(&r), 2);
    cr_assert(strstr(r.err, "missing.log"), "%s", r.err);
    run_free(&r);
}

/* Renders page in headless Chromium and counts pixels near each colour. */
static void chromium_counts(const char *page, const char *c1, const char *c2, long *n1, long *n2)
{
    char url[300], shot[300], profile[300];
    snprintf(url, sizeof url, "file://%s", page);
    snprintf(shot, sizeof shot, "--screenshot=%s", tmp("shot.png"));
    snprintf(profile, sizeof profile, "--user-data-dir=%s", tmp("chromium-profile"));
    const char *argv[] = { "chromium", "--headless", "--no-sandbox", "--disable-gpu",
                           "--disable-background-networking", "--disable-component-update",
                           "--disable-sync", "--no-first-run", "--hide-scrollbars",
                           "--window-size=1000,560", profile, shot, url, NULL };
    struct run_result r;
    unlink(tmp("shot.png"));
    cr_assert_eq(run_cmd(argv, NULL, 0, NULL, &r), 0, "chromium could not be started");
    cr_assert_eq(access(tmp("shot.png"), R_OK), 0, "no screenshot: %s", r.err);
    run_free(&r);
    const char *count[] = { "python3", build_path("../tests/tools/png_count.py"), tmp("shot.png"),
                            c1, c2, NULL };
    cr_assert_eq(run_cmd(count, NULL, 0, NULL, &r), 0);
    cr_assert_eq(sscanf(r.out, "%ld %ld", n1, n2), 2, "%s %s", r.out, r.err);
    run_free(&r);
}

Test(trend, plot_shows_the_lines_in_chromium)
{
    long red, blue;
    write_log(tmp("c.csv"), CSV, 1, "w");
    struct run_result r = trend(tmp("c.csv"), "--plot", tmp("plot.svg"), NULL);
    cr_assert_eq(exit_code(&r), 1, "%s", r.err); /* suspects named */
    run_free(&r);
    chromium_counts(tmp("plot.svg"), "d62728", "1f77b4", &red, &blue);
    /* the leak's thick line spans most of the 620 px wide plot; legend and mark add more */
    cr_assert_gt(red, 1500, "suspect line: %ld pixels", red);
    cr_assert_gt(blue, 500, "other line: %ld pixels", blue);

    r = trend(tmp("c.csv"), "--plot", tmp("plot.html"), NULL);
    cr_assert_eq(exit_code(&r), 1, "%s", r.err);
    run_free(&r);
    chromium_counts(tmp("plot.html"), "d62728", "1f77b4", &red, &blue);
    cr_assert_gt(red, 1500, "suspect line in html: %ld pixels", red);

    /* no leak: no suspect colour anywhere, the other lines still drawn */
    write_log(tmp("quiet.csv"), CSV, 0, "w");
    r = trend(tmp("quiet.csv"), "--plot", tmp("quiet.svg"), NULL);
    run_free(&r);
    chromium_counts(tmp("quiet.svg"), "d62728", "1f77b4", &red, &blue);
    cr_assert_eq(red, 0, "suspect colour without a suspect: %ld", red);
    cr_assert_gt(blue, 500);
}

Test(trend, demo_names_the_leaking_function, .timeout = 120)
{
    /* the main job end to end: leaky under the shim, mon logging, trend's verdict */
    const char *argv[] = { "sh", build_path("../scripts/demo.sh"), NULL };
    /* 14 snapshots or more: fewer cannot outweigh a random walk at 1% over 4 rows */
    const char *env[] = { "DEMO_SECONDS=16", NULL };
    struct run_result r;
    cr_assert_eq(run_cmd(argv, env, 0, NULL, &r), 0);
    cr_assert_eq(exit_code(&r), 0, "%s\n%s", r.out, r.err);
    const char *one = rank_line(r.out, 1);
    cr_assert(one && line_has(one, "leaky+0x") && line_has(one, "leak_session_names"),
              "%s", r.out);
    cr_assert_null(rank_line(r.out, 2), "false suspect:\n%s", r.out);
    cr_assert(strstr(r.out, "verdict: allocated in function leak_session_names"), "%s", r.out);
    run_free(&r);
    /* mon's Trend column marked the leaking row as it grew, and only it */
    const char *grep[] = { "grep", "-c", "\\^  0x", build_path("demo/poolmon.log"), NULL };
    cr_assert_eq(run_cmd(grep, NULL, 0, NULL, &r), 0);
    cr_assert_gt(atoi(r.out), 0, "no row marked as growing");
    run_free(&r);
    const char *wrong[] = { "sh", "-c", "grep '\\^  0x' \"$0\" | grep -vc '^leaky+0x'",
                            build_path("demo/poolmon.log"), NULL };
    cr_assert_eq(run_cmd(wrong, NULL, 0, NULL, &r), 0);
    cr_assert_eq(atoi(r.out), 0, "another row marked as growing");
    run_free(&r);
}

/* ---- late leaks, windows, records, ownership moves, exits ------------- */

/* A CSV log with a state column: rows of one pid, a snapshot every 2 s.
 * live(row, k) gives the bytes, state(k) the process state ("" for none). */
static void write_rows(const char *path, int pid, int snaps, int rows,
                       double (*live)(int row, int k, uint32_t *rng),
                       const char *(*state)(int k), const char *end)
{
    FILE *f = fopen(path, "w");
    cr_assert(f);
    fputs("timestamp,pid,tag,type,allocs,frees,diff,bytes,per_alloc,bytes_alloc,bytes_freed,"
          "peak,site,state\n", f);
    uint32_t rng = 7;
    char ts[32];
    for (int k = 0; k < snaps; k++) {
        stamp(ts, sizeof ts, T0 + 2.0 * k);
        for (int row = 0; row < rows; row++) {
            uint64_t v = (uint64_t)live(row, k, &rng);
            uint64_t allocs = 100000 + (uint64_t)k * 10, diff = 5 + v / 512;
            fprintf(f, "%s,%d,R%d,Tag,%llu,%llu,%llu,%llu,64,1,1,%llu,0x56%04x app+0x%x,%s\n",
                    ts, pid, row, (unsigned long long)allocs,
                    (unsigned long long)(allocs - diff), (unsigned long long)diff,
                    (unsigned long long)v, (unsigned long long)v, row, row, state(k));
        }
    }
    if (end) {
        stamp(ts, sizeof ts, T0 + 2.0 * snaps);
        fprintf(f, "%s,%d,,End,0,0,0,0,0,0,0,0,,%s\n", ts, pid, end);
    }
    fclose(f);
}

static const char *always_live(int k) { (void)k; return "live"; }

/* R0: an error path forgets a free from snapshot 45 on (600 B a snapshot);
 * R1..R3: churn. */
static double late(int row, int k, uint32_t *rng)
{
    if (row == 0)
        return 40000 + noise(rng, 1500) + (k >= 45 ? 600.0 * (k - 45) : 0);
    return 80000 + noise(rng, 20000);
}

static struct run_result trend_args(const char *const *args)
{
    struct run_result r;
    cr_assert_eq(run_tool(args, &r), 0);
    return r;
}
#define TREND(...) trend_args((const char *const[]){ "trend", __VA_ARGS__, NULL })

Test(trend, late_leak_records_and_windows)
{
    write_rows(tmp("late.csv"), 5001, 90, 4, late, always_live, NULL);
    struct run_result r = TREND(tmp("late.csv"), "--format", "csv");
    cr_assert_eq(exit_code(&r), 1, "%s%s", r.out, r.err);
    const char *py =
        "import sys, csv, datetime\n"
        "rows = list(csv.DictReader(sys.stdin))\n"
        "assert len(rows) == 1, rows\n"
        "x = rows[0]\n"
        "t0 = datetime.datetime(2025, 11, 24, 16, 0, 0, tzinfo=datetime.timezone.utc)\n"
        "on = datetime.datetime.strptime(x['onset'], '%Y-%m-%dT%H:%M:%SZ')"
        ".replace(tzinfo=datetime.timezone.utc)\n"
        "k = (on - t0).total_seconds() / 2\n"
        "rate = float(x['rate_bph'])\n"
        "print(x['rank'], x['pid'], x['tag'], x['site'], 42 <= k <= 48,"
        " abs(rate - 300 * 3600) < 0.1 * 300 * 3600, 0.9 < float(x['confidence']) <= 1)\n";
    const char *argv[] = { "python3", "-c", py, NULL };
    struct run_result p;
    cr_assert_eq(run_cmd(argv, NULL, 0, r.out, &p), 0);
    cr_assert_str_eq(p.out, "1 5001 R0 app+0x0 True True True\n", "%s%s\n%s", p.out, p.err,
                     r.out);
    run_free(&p);
    run_free(&r);

    r = TREND(tmp("late.csv"), "--format", "json");
    cr_assert_eq(exit_code(&r), 1);
    const char *jpy = "import sys, json\n"
                      "x = [json.loads(l) for l in sys.stdin]\n"
                      "print(len(x), sorted(x[0].keys()))\n";
    const char *jargv[] = { "python3", "-c", jpy, NULL };
    cr_assert_eq(run_cmd(jargv, NULL, 0, r.out, &p), 0);
    cr_assert_str_eq(p.out, "1 ['class', 'confidence', 'exe', 'file_line', 'function', 'onset', "
                            "'pid', 'rank', 'rate_bph', 'run', 'site', 'tag']\n", "%s%s", p.out,
                     p.err);
    run_free(&p);
    run_free(&r);

    /* the window before the onset: nothing grows (status 0) */
    r = TREND(tmp("late.csv"), "--until", "+80s");
    cr_assert_eq(exit_code(&r), 0, "%s", r.out);
    cr_assert(strstr(r.out, "no growing tags"), "%s", r.out);
    run_free(&r);
    /* a window by time from inside the leak: found, growing since the window */
    char since[32];
    stamp(since, sizeof since, T0 + 2.0 * 60);
    r = TREND(tmp("late.csv"), "--since", since);
    cr_assert_eq(exit_code(&r), 1, "%s", r.out);
    const char *one = rank_line(r.out, 1);
    cr_assert(one && line_has(one, "R0") && line_has(one, since), "%s", r.out);
    run_free(&r);
    /* the table says since when */
    r = TREND(tmp("late.csv"));
    cr_assert(strstr(r.out, "verdict: R0 leaks in pid 5001: live bytes grow"), "%s", r.out);
    cr_assert(strstr(r.out, " since 2025-11-24T16:01:"), "%s", r.out);
    run_free(&r);

    r = TREND(tmp("late.csv"), "--since", "yesterday");
    cr_assert_eq(exit_code(&r), 2);
    cr_assert(strstr(r.err, "--since"), "%s", r.err);
    run_free(&r);
    r = TREND(tmp("late.csv"), "--format", "xml");
    cr_assert_eq(exit_code(&r), 2);
    run_free(&r);
    r = TREND(tmp("late.csv"), "--since", "+100s", "--until", "+50s");
    cr_assert_eq(exit_code(&r), 2);
    run_free(&r);
}

/* A fixed-size cache filled from site A (R0) whose entries are replaced from
 * site B (R1): B grows towards the cache's size and levels off, A falls. */
static double moved(int row, int k, uint32_t *rng)
{
    double m = 1024.0 * (k < 50 ? k : 50);
    if (row == 0)
        return 51200 - m + noise(rng, 300);
    if (row == 1)
        return m + noise(rng, 300);
    return 30000 + noise(rng, 3000);
}

Test(trend, ownership_moving_between_sites_is_not_a_suspect)
{
    write_rows(tmp("moved.csv"), 5002, 90, 3, moved, always_live, NULL);
    struct run_result r = TREND(tmp("moved.csv"), "-v");
    cr_assert_eq(exit_code(&r), 0, "%s", r.out);
    cr_assert(strstr(r.out, "no growing tags"), "%s", r.out);
    run_free(&r);
    /* every prefix from 21 snapshots on: no suspect in 95% of them */
    int bad = 0, total = 0;
    for (int n = 21; n <= 90; n++, total++) {
        write_rows(tmp("moved.csv"), 5002, n, 3, moved, always_live, NULL);
        r = TREND(tmp("moved.csv"));
        bad += exit_code(&r) != 0;
        run_free(&r);
    }
    cr_assert(bad * 20 <= total, "a suspect in %d of %d prefixes", bad, total);
}

/* A leak for 45 snapshots, the destructors' teardown, then the exited
 * process's frozen snapshots and mon's last word. */
static double torn(int row, int k, uint32_t *rng)
{
    if (k >= 45)
        return row == 0 ? 0 : 100;
    return row == 0 ? 10000 + 2048.0 * k + noise(rng, 500) : 60000 + noise(rng, 6000);
}
static const char *exits(int k) { return k <= 45 ? "live" : "exited(0)"; }

Test(trend, exit_and_teardown_are_not_read)
{
    write_rows(tmp("exit.csv"), 5003, 90, 2, torn, exits, "exited(0)");
    struct run_result r = TREND(tmp("exit.csv"), "--format", "csv");
    cr_assert_eq(exit_code(&r), 1, "%s%s", r.out, r.err);
    cr_assert(strstr(r.out, "\n1,5003,1,,R0,"), "%s", r.out);
    const char *rate = strstr(r.out, "app+0x0,");
    cr_assert(rate, "%s", r.out);
    double bph = atof(rate + 8);
    cr_assert(bph > 0.9 * 1024 * 3600 && bph < 1.1 * 1024 * 3600, "%g B/h", bph);
    run_free(&r);
}

/* R0 leaks 1 KB a snapshot (2 s) for its first 20 snapshots, then holds the
 * 20 KB with no allocation; R1 churns. */
static double stops_row(int row, int k, uint32_t *rng)
{
    if (row == 0)
        return 500 + 1000.0 * (k < 20 ? k : 20);
    return 80000 + noise(rng, 20000);
}

static void write_stopped(const char *path)
{
    FILE *f = fopen(path, "w");
    cr_assert(f);
    fputs("timestamp,pid,tag,type,allocs,frees,diff,bytes,peak,site,state\n", f);
    uint32_t rng = 3;
    char ts[32];
    for (int k = 0; k < 45; k++) {
        stamp(ts, sizeof ts, T0 + 2.0 * k);
        for (int row = 0; row < 2; row++) {
            uint64_t v = (uint64_t)stops_row(row, k, &rng);
            uint64_t allocs = row == 0 ? 5 + 10 * (uint64_t)(k < 20 ? k : 20) : 100 + 50 * (uint64_t)k;
            uint64_t diff = row == 0 ? allocs : 40;
            fprintf(f, "%s,6001,R%d,Site,%llu,%llu,%llu,%llu,%llu,0x56%04x app+0x%x,live\n", ts,
                    row, (unsigned long long)allocs, (unsigned long long)(allocs - diff),
                    (unsigned long long)diff, (unsigned long long)v, (unsigned long long)v, row,
                    row);
        }
    }
    fclose(f);
}

/* A leak that stopped is named over the whole log, exit 1, with its own
 * class; a window that leaves too few snapshots is a usage error. */
Test(trend, leak_that_stopped_and_empty_window)
{
    write_stopped(tmp("stops.csv"));
    struct run_result r = TREND(tmp("stops.csv"));
    cr_assert_eq(exit_code(&r), 1, "%s%s", r.out, r.err);
    cr_assert(strstr(r.out, "verdict: R0 leaked in pid 6001: grew +500/s from +0 s to +40 s, "
                            "then stopped; 20K still held"), "%s", r.out);
    run_free(&r);
    r = TREND(tmp("stops.csv"), "--format", "csv");
    cr_assert_eq(exit_code(&r), 1);
    const char *row = strchr(r.out, '\n');
    cr_assert(row && strstr(row, ",R0,") && strstr(row, ",stopped,2025-11-24T16:00:40Z,20000\n"),
              "%s", r.out);
    cr_assert(!strstr(row, ",R1,"), "%s", r.out);
    run_free(&r);
    r = TREND(tmp("stops.csv"), "--format", "json");
    cr_assert(strstr(r.out, "\"class\":\"stopped\",\"stop\":\"2025-11-24T16:00:40Z\","
                            "\"held_bytes\":20000}"), "%s", r.out);
    run_free(&r);

    r = TREND(tmp("stops.csv"), "--since", "99h");
    cr_assert_eq(exit_code(&r), 2, "%s", r.out);
    cr_assert(strstr(r.err, "--since/--until window holds 0 snapshots") &&
              !strchr(strchr(r.err, '\n') + 1, '\n'), "%s", r.err);
    run_free(&r);
    r = TREND(tmp("stops.csv"), "--since", "+80s");
    cr_assert_eq(exit_code(&r), 2, "%s", r.out);
    cr_assert(strstr(r.err, "holds 5 snapshots"), "%s", r.err);
    run_free(&r);
}
