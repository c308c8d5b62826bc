/* SPDX-License-Identifier: MIT
 * test_mon.c - heaptag mon as its users meet it: the live screen driven in
 * tmux (sort keys, deltas, highlighting, filters, quitting) on a leaking and a
 * threaded program, --by func naming the leaking function and line after the
 * program exited, logs that parse back (table, CSV, JSON), the -g column, and
 * a closed pipe. Waits poll for a condition with a generous deadline; no
 * assertion depends on how fast anything runs.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

#include "harness.h"

#define WAIT_MS 15000

TestSuite(mon, .timeout = 120);

static void nap_ms(long ms)
{
    struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&t, NULL);
}

static int exit_code(const struct run_result *r)
{
    return WIFEXITED(r->status) ? WEXITSTATUS(r->status) : 128 + WTERMSIG(r->status);
}

/* A monprog MODE running under the shim until killed. */
struct prog {
    pid_t pid;
};

static struct prog prog_start(const char *mode)
{
    int fds[2];
    cr_assert_eq(pipe2(fds, O_CLOEXEC), 0);
    pid_t pid = start_tagged("tests/progs/monprog", (const char *const[]){ mode, NULL }, fds[1]);
    cr_assert_geq(pid, 0);
    close(fds[1]);
    char buf[64] = "";
    FILE *f = fdopen(fds[0], "r");
    cr_assert(fgets(buf, sizeof buf, f), "monprog %s started", mode);
    fclose(f);
    int reported = 0;
    cr_assert_eq(sscanf(buf, "ready %d", &reported), 1, "%s", buf);
    cr_assert_eq(reported, pid);
    return (struct prog){ pid };
}

static void prog_stop(struct prog *p)
{
    kill(p->pid, SIGKILL);
    waitpid(p->pid, NULL, 0);
    segment_remove(p->pid);
}

/* tmux on a private server: one session, one pane, a fixed size. */
static char tmux_sock[64];
static char tmux_done[128];
static int pane_x = 200, pane_y = 40; /* the size of the next screen_start */

static int tmux(const char *args)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "tmux -L %s %s", tmux_sock, args);
    return system(cmd);
}

/* Starts "heaptag mon ARGS" in a pane_x by pane_y pane (200x40 unless a test
 * says otherwise); its exit status goes to a file. */
static void screen_start_env(const char *env, const char *args)
{
    char cmd[2048];
    snprintf(tmux_sock, sizeof tmux_sock, "htmon%d", (int)getpid());
    snprintf(tmux_done, sizeof tmux_done, "/tmp/htmon-done.%d", (int)getpid());
    unlink(tmux_done);
    snprintf(cmd, sizeof cmd,
             "new-session -d -x %d -y %d \"TERM=screen %s %s mon %s; echo exit=\\$? > %s; "
             "sleep 30\"", pane_x, pane_y, env, build_path("heaptag"), args, tmux_done);
    /* a tmux server starting on a loaded machine sometimes dies at birth
     * ("server exited unexpectedly"): try again on a fresh socket */
    int rc = -1;
    for (int attempt = 0; attempt < 3 && rc != 0; attempt++) {
        if (attempt) {
            snprintf(tmux_sock, sizeof tmux_sock, "htmon%d.%d", (int)getpid(), attempt);
            usleep(200000);
        }
        rc = tmux(cmd);
    }
    cr_assert_eq(rc, 0, "tmux starts");
}

static void screen_start(const char *args)
{
    screen_start_env("", args);
}

static void screen_stop(void)
{
    tmux("kill-server 2>/dev/null");
    unlink(tmux_done);
}

static void keys(const char *k)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "send-keys -t 0 %s", k);
    cr_assert_eq(tmux(cmd), 0);
}

/* The pane's text; with escapes (-e) when esc. Caller frees. */
static char *capture(int esc)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "tmux -L %s capture-pane -p %s -t 0", tmux_sock, esc ? "-e" : "");
    FILE *f = popen(cmd, "r");
    cr_assert_not_null(f);
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    size_t n;
    while ((n = fread(buf + len, 1, cap - len - 1, f)) > 0)
        len += n;
    buf[len] = '\0';
    pclose(f);
    return buf;
}

/* Waits until the pane shows every one of the NULL-terminated strings. */
static char *wait_screen(const char *const want[])
{
    for (int waited = 0;; waited += 100) {
        char *s = capture(0);
        int ok = 1;
        for (int i = 0; want[i]; i++)
            ok &= strstr(s, want[i]) != NULL;
        if (ok)
            return s;
        if (waited > WAIT_MS)
            cr_assert_fail("screen never showed '%s':\n%s", want[0], s);
        free(s);
        nap_ms(100);
    }
}

#define WAIT_FOR(...) wait_screen((const char *const[]){ __VA_ARGS__, NULL })

/* Position of the line whose Tag column is tag, or -1. */
static long row_pos(const char *screen, const char *tag)
{
    size_t n = strlen(tag);
    for (const char *p = screen; (p = strstr(p, tag)) != NULL; p++)
        if ((p == screen || p[-1] == '\n') && p[n] == ' ')
            return p - screen;
    return -1;
}

static void assert_above(const char *screen, const char *a, const char *b)
{
    long pa = row_pos(screen, a), pb = row_pos(screen, b);
    cr_assert(pa >= 0 && pb >= 0 && pa < pb, "%s above %s:\n%s", a, b, screen);
}

/* Waits until row a is drawn above row b (counts that pass another's as the
 * program runs), asserting it at the end of the wait. */
static void wait_above(const char *a, const char *b)
{
    for (int waited = 0;; waited += 100) {
        char *s = capture(0);
        long pa = row_pos(s, a), pb = row_pos(s, b);
        if (waited > WAIT_MS || (pa >= 0 && pb >= 0 && pa < pb)) {
            assert_above(s, a, b);
            free(s);
            return;
        }
        free(s);
        nap_ms(100);
    }
}

/* Presses a sort key and waits until the header names the sort. */
static char *sort_by(const char *key, const char *header)
{
    keys(key);
    return WAIT_FOR(header);
}

/* A key, the header it brings, and the order it puts rows in: each pair's
 * first row above its second (up to three pairs; none where the first is NULL). */
struct sort_step {
    const char *key, *header;
    const char *above[3][2];
};

static void sort_steps(const struct sort_step *steps, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char *s = sort_by(steps[i].key, steps[i].header);
        for (size_t k = 0; k < 3 && steps[i].above[k][0]; k++)
            assert_above(s, steps[i].above[k][0], steps[i].above[k][1]);
        free(s);
    }
}

/* Whether the row of tag is drawn in reverse video, following the SGR codes. */
static int row_reversed(const char *esc_screen, const char *tag)
{
    int rev = 0;
    size_t n = strlen(tag);
    for (const char *p = esc_screen; *p; p++) {
        if (p[0] == '\033' && p[1] == '[') {
            const char *q = p + 2;
            while (*q && *q != 'm') {
                int v = (int)strtol(q, (char **)&q, 10);
                if (v == 0)
                    rev = 0;
                else if (v == 7)
                    rev = 1;
                else if (v == 27)
                    rev = 0;
                if (*q == ';')
                    q++;
                else if (*q != 'm')
                    break;
            }
            p = q;
            continue;
        }
        if ((p == esc_screen || p[-1] == '\n' || p[-1] == 'm') && !strncmp(p, tag, n) &&
            p[n] == ' ')
            return rev;
    }
    cr_assert_fail("no row %s", tag);
    return -1;
}

static void wait_exit_ok(void)
{
    for (int waited = 0;; waited += 100) {
        FILE *f = fopen(tmux_done, "r");
        if (f) {
            char buf[32] = "";
            /* the shell creates the file before it writes the line: an empty
             * read means not yet */
            int got = fgets(buf, sizeof buf, f) != NULL;
            fclose(f);
            if (got && strchr(buf, '\n')) {
                cr_assert_str_eq(buf, "exit=0\n");
                return;
            }
        }
        cr_assert_lt(waited, WAIT_MS, "mon did not quit");
        nap_ms(100);
    }
}

/* Ends the screen with key: mon exits 0, and the terminal goes. */
static void screen_quit(const char *key)
{
    keys(key);
    wait_exit_ok();
    screen_stop();
}

/* monprog MODE under the shim, and mon -p on it in an x by y pane (extra
 * arguments after -p PID -i 0.3). */
static struct prog screen_on(const char *mode, int x, int y, const char *extra)
{
    struct prog p = prog_start(mode);
    char args[160];
    snprintf(args, sizeof args, "-p %d -i 0.3 %s", (int)p.pid, extra);
    pane_x = x, pane_y = y;
    screen_start(args);
    return p;
}

/* q, a clean exit, and the pane's size back to the default. */
static void screen_close(void)
{
    screen_quit("q");
    pane_x = 200, pane_y = 40;
}

/* screen_close, and the program screen_on started stopped. */
static void screen_off(struct prog *p)
{
    screen_close();
    prog_stop(p);
}

Test(mon, screen_on_a_leaking_program)
{
    struct prog p = screen_on("leak", 200, 40, "");
    char *s = WAIT_FOR("Leak", "Stbl", "Chrn", "Sort: bytes");
    assert_above(s, "Stbl", "Chrn"); /* 5000 live bytes against 0 */
    free(s);

    /* deltas in parentheses: the leak grows by 64 bytes per allocation */
    for (int tries = 0;; tries++) {
        s = capture(0);
        unsigned long long allocs, frees, bytes;
        long long da, df, diff, db;
        const char *row = s + row_pos(s, "Leak");
        cr_assert_eq(sscanf(row, "Leak Tag %llu (%lld) %llu (%lld) %lld %llu (%lld)", &allocs,
                            &da, &frees, &df, &diff, &bytes, &db), 7, "%s", s);
        cr_assert_eq(frees, 0);
        cr_assert_eq(bytes, 64 * allocs);
        cr_assert_eq(diff, (long long)allocs);
        if (da > 0) {
            cr_assert_eq(db, 64 * da, "%s", s);
            free(s);
            break;
        }
        cr_assert_lt(tries, 100, "no delta ever:\n%s", s);
        free(s);
        nap_ms(100);
    }
    s = capture(1);
    cr_assert(row_reversed(s, "Leak"), "the growing row is highlighted:\n%s", s);
    cr_assert(!row_reversed(s, "Stbl"), "the steady row is not:\n%s", s);
    free(s);

    free(sort_by("a", "Sort: allocs"));
    wait_above("Leak", "Stbl"); /* Leak's count passes Stbl's fixed 5 */
    static const struct sort_step sorts[] = {
        { "f", "Sort: frees", { { "Chrn", "Leak" }, { "Chrn", "Stbl" } } },
        { "t", "Sort: tag ", { { "Chrn", "Leak" }, { "Leak", "Stbl" } } },
        { "t", "Sort: tag (reversed)", { { "Stbl", "Leak" }, { "Leak", "Chrn" } } },
        { "d", "Sort: diff", { { "Stbl", "Chrn" } } },
        /* 1000 > 64 > 10 bytes per live block */
        { "m", "Sort: per alloc", { { "Stbl", "Leak" }, { "Leak", "Chrn" } } },
        { "b", "Sort: bytes ", { { NULL } } },
        { "\\(", "Sort: bytes change", { { NULL } } },
    };
    sort_steps(sorts, sizeof sorts / sizeof sorts[0]);
    keys("\\)");
    free(WAIT_FOR("Sort: bytes "));

    /* p: Type filter Tag, then Site (no tags left), then all */
    s = sort_by("p", "Type: Tag");
    cr_assert(row_pos(s, "Leak") >= 0);
    free(s);
    s = sort_by("p", "Type: Site");
    cr_assert(row_pos(s, "Leak") < 0 && row_pos(s, "Stbl") < 0, "%s", s);
    free(s);
    s = sort_by("p", "Type: all");
    free(s);

    keys("e");
    free(WAIT_FOR("Total"));
    keys("h");
    free(WAIT_FOR("heaptag mon keys"));
    keys("x");
    free(WAIT_FOR("Sort: bytes"));
    screen_off(&p);
}

Test(mon, screen_filters_and_no_highlight)
{
    struct prog p = screen_on("leak", 200, 40, "'/iLe*' '/iSt?l' -l");
    char *s = WAIT_FOR("Leak", "Stbl", "Filtered");
    cr_assert_lt(row_pos(s, "Chrn"), 0, "not included:\n%s", s);
    free(s);
    nap_ms(700); /* let a refresh with a delta go by */
    s = capture(1);
    cr_assert(!row_reversed(s, "Leak"), "-l: no highlight:\n%s", s);
    free(s);
    screen_quit("Escape");

    char args[160];
    snprintf(args, sizeof args, "-p %d -i 0.3 /xChrn /xlibc*", (int)p.pid);
    screen_start(args);
    s = WAIT_FOR("Leak", "Stbl");
    cr_assert_lt(row_pos(s, "Chrn"), 0, "excluded:\n%s", s);
    cr_assert_null(strstr(s, "libc"), "excluded:\n%s", s);
    free(s);
    screen_off(&p);
}

Test(mon, screen_on_a_threaded_program)
{
    struct prog p = screen_on("threads", 200, 40, "");
    free(WAIT_FOR("Thr0", "Thr1", "Thr2", "Thr3"));
    static const struct sort_step sorts[] = {
        /* Per Alloc, Bytes / Diff: the kept blocks of 500, 400, 300, 200 bytes */
        { "m", "Sort: per alloc", { { "Thr0", "Thr1" }, { "Thr1", "Thr2" }, { "Thr2", "Thr3" } } },
        { "f", "Sort: frees", { { "Thr3", "Thr0" } } }, /* four frees a round against one */
        { "t", "Sort: tag ", { { "Thr0", "Thr3" } } },
    };
    sort_steps(sorts, sizeof sorts / sizeof sorts[0]);
    char *s = sort_by("s", "per process");
    char pid[16];
    snprintf(pid, sizeof pid, " %d ", (int)p.pid);
    cr_assert(strstr(s, pid), "a PID column:\n%s", s);
    free(s);
    screen_off(&p);
}

/* The line of a marker comment in monprog.c. */
static int leak_line(const char *marker)
{
    FILE *f = fopen(build_path("../tests/progs/monprog.c"), "r");
    cr_assert_not_null(f);
    char buf[256];
    int n = 0, found = 0;
    while (fgets(buf, sizeof buf, f)) {
        n++;
        if (strstr(buf, marker)) {
            found = n;
            break;
        }
    }
    fclose(f);
    cr_assert_gt(found, 0);
    return found;
}

static struct run_result tool(const char *const *args)
{
    struct run_result r;
    cr_assert_eq(run_tool(args, &r), 0);
    return r;
}

#define TOOL(...) tool((const char *const[]){ __VA_ARGS__, NULL })

/* tool, which must exit 0. */
static struct run_result tool_ok(const char *const *args)
{
    struct run_result r = tool(args);
    cr_assert_eq(exit_code(&r), 0, "%s", r.err);
    return r;
}

#define TOOL_OK(...) tool_ok((const char *const[]){ __VA_ARGS__, NULL })

static int run_exited(const char *prog, const char *a1, const char *a2)
{
    const char *argv[] = { build_path(prog), a1, a2, NULL };
    struct run_result r;
    cr_assert_eq(run_cmd(argv, NULL, 1, NULL, &r), 0);
    cr_assert_eq(exit_code(&r), 0, "%s", r.err);
    int pid = r.pid;
    run_free(&r);
    return pid;
}

Test(mon, by_func_names_the_leak_after_exit)
{
    int pid = run_exited("tests/progs/monprog", "leakexit", "7");
    char pidbuf[16], where[64];
    snprintf(pidbuf, sizeof pidbuf, "%d", pid);
    snprintf(where, sizeof where, "monprog.c:%d", leak_line("/* LEAK-LINE */"));
    struct run_result r = TOOL_OK("mon", "-p", pidbuf, "-n", "1", "--by", "func");
    const char *row = strstr(r.out, "\nmonprog_leak_here ");
    cr_assert_not_null(row, "%s", r.out);
    unsigned long long allocs, frees, bytes, per;
    long long diff;
    cr_assert_eq(sscanf(row, " monprog_leak_here Site %llu %llu %lld %llu %llu", &allocs,
                        &frees, &diff, &bytes, &per), 5, "%s", r.out);
    cr_assert_eq(allocs, 7);
    cr_assert_eq(frees, 0);
    cr_assert_eq(bytes, 7 * 48);
    cr_assert_eq(per, 48);
    const char *eol = strchr(row + 1, '\n');
    const char *at = strstr(row, where);
    cr_assert(at && at < eol, "%s on the row:\n%s", where, r.out);

    /* the inlined leaker: two blocks of 1000 bytes */
    snprintf(where, sizeof where, "monprog.c:%d", leak_line("/* LEAK-INLINE */"));
    row = strstr(r.out, "\nmonprog_leak_inline ");
    cr_assert_not_null(row, "%s", r.out);
    cr_assert_eq(sscanf(row, " monprog_leak_inline Site %llu %llu %lld %llu %llu", &allocs,
                        &frees, &diff, &bytes, &per), 5, "%s", r.out);
    cr_assert_eq(allocs, 2);
    cr_assert_eq(bytes, 2000);
    eol = strchr(row + 1, '\n');
    at = strstr(row, where);
    cr_assert(at && at < eol, "%s on the row:\n%s", where, r.out);
    run_free(&r);

    r = TOOL_OK("mon", "-p", pidbuf, "-n", "1", "--by", "site", "--format", "csv");
    cr_assert(strstr(r.out, "monprog_leak_here "), "%s", r.out);
    snprintf(where, sizeof where, "monprog.c:%d", leak_line("/* LEAK-LINE */"));
    cr_assert(strstr(r.out, where), "%s", r.out);
    run_free(&r);
    segment_remove(pid);
}

/* Runs python3 on a script with the text on stdin; returns its stdout. */
static struct run_result python(const char *script, const char *input)
{
    const char *argv[] = { "python3", "-c", script, NULL };
    struct run_result r;
    cr_assert_eq(run_cmd(argv, NULL, 0, input, &r), 0);
    cr_assert_eq(exit_code(&r), 0, "python3: %s", r.err);
    return r;
}

Test(mon, logs_parse_back)
{
    int pid = run_exited("tests/progs/patterns", "basic", NULL);
    char pidbuf[16], expect[128];
    snprintf(pidbuf, sizeof pidbuf, "%d", pid);

    /* the process has exited: one snapshot (state exited(0)), then mon's last
     * word on it, however many were asked for */
    struct run_result r = TOOL_OK("mon", "-p", pidbuf, "-n", "3", "-i", "0.05", "--format", "json");
    const char *json_py =
        "import sys, json\n"
        "recs = [json.loads(l) for l in sys.stdin if l.strip()]\n"
        "assert recs[-1]['type'] == 'End' and recs[-1]['state'] == 'exited(0)', recs[-1]\n"
        "recs = recs[:-1]\n"
        "assert all(x['state'] == 'exited(0)' for x in recs)\n"
        "b = [x for x in recs if x['tag'] == 'Basc']\n"
        "ts = sorted(set(x['timestamp'] for x in recs))\n"
        "assert all(len(t) == 20 and t.endswith('Z') for t in ts)\n"
        "print(len(b), {(x['pid'], x['type'], x['allocs'], x['frees'], x['diff'], x['bytes'],"
        " x['per_alloc']) for x in b})\n";
    struct run_result py = python(json_py, r.out);
    snprintf(expect, sizeof expect, "1 {(%d, 'Tag', 10, 4, 6, 600, 100)}\n", pid);
    cr_assert_str_eq(py.out, expect);
    run_free(&py);
    const char *tool_argv[] = { "python3", "-m", "json.tool", "--json-lines", NULL };
    struct run_result jt;
    cr_assert_eq(run_cmd(tool_argv, NULL, 0, r.out, &jt), 0);
    cr_assert_eq(exit_code(&jt), 0, "json.tool: %s", jt.err);
    run_free(&jt);
    run_free(&r);

    r = TOOL_OK("mon", "-p", pidbuf, "-n", "3", "-i", "0.05", "--format", "csv");
    const char *csv_py =
        "import sys, csv\n"
        "rows = list(csv.DictReader(sys.stdin))\n"
        "assert rows[-1]['type'] == 'End' and rows[-1]['state'] == 'exited(0)', rows[-1]\n"
        "b = [x for x in rows if x['tag'] == 'Basc']\n"
        "print(len(b), {(x['pid'], x['type'], x['allocs'], x['frees'], x['diff'], x['bytes'],"
        " x['state']) for x in b})\n";
    py = python(csv_py, r.out);
    snprintf(expect, sizeof expect, "1 {('%d', 'Tag', '10', '4', '6', '600', 'exited(0)')}\n",
             pid);
    cr_assert_str_eq(py.out, expect);
    run_free(&py);
    run_free(&r);

    /* the table: "# <time> pid N state S exe X", the column header, fixed
     * columns, and "# <time> pid N ended S: ..." at the end */
    r = TOOL_OK("mon", "-p", pidbuf, "-n", "3", "-i", "0.05");
    const char *table_py =
        "import sys, re\n"
        "blocks, rows = 0, []\n"
        "for l in sys.stdin.read().split('\\n'):\n"
        "    m = re.match(r'# (\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ) pid (\\d+) state exited\\(0\\) exe (.*)$', l)\n"
        "    if m: blocks += 1; pid = m.group(2); continue\n"
        "    if re.match(r'# \\S+ pid \\d+ ended exited\\(0\\): the process exited with code 0$', l):\n"
        "        blocks += 100; continue\n"
        "    if not l or l.startswith('Tag '): continue\n"
        "    f = l[25:].split()\n"
        "    rows.append((pid, l[:24].strip(), f[0], int(f[1]), int(f[2]), int(f[3]), int(f[4])))\n"
        "print(blocks, sorted(set(x for x in rows if x[1] == 'Basc')))\n";
    py = python(table_py, r.out);
    snprintf(expect, sizeof expect, "101 [('%d', 'Basc', 'Tag', 10, 4, 6, 600)]\n", pid);
    cr_assert_str_eq(py.out, expect);
    run_free(&py);
    run_free(&r);

    /* -N FILE: one snapshot to a file */
    char file[64];
    snprintf(file, sizeof file, "/tmp/htmon-snap.%d", (int)getpid());
    r = TOOL_OK("mon", "-p", pidbuf, "-N", file);
    cr_assert_eq(r.out_len, 0);
    run_free(&r);
    FILE *f = fopen(file, "r");
    cr_assert_not_null(f);
    char buf[4096];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    unlink(file);
    cr_assert(strncmp(buf, "# ", 2) == 0 && strstr(buf, "\nBasc "), "%s", buf);
    segment_remove(pid);
}

Test(mon, tag_descriptions)
{
    int pid = run_exited("tests/progs/patterns", "basic", NULL);
    char pidbuf[16], file[64];
    snprintf(pidbuf, sizeof pidbuf, "%d", pid);
    snprintf(file, sizeof file, "/tmp/htmon-tags.%d", (int)getpid());
    FILE *f = fopen(file, "w");
    cr_assert_not_null(f);
    fputs("# tag descriptions\n\nBasc  Basic pattern, ten blocks\r\nBasc  second entry loses\n"
          "Othr\tnever seen\n", f);
    fclose(f);
    struct run_result r = TOOL_OK("mon", "-p", pidbuf, "-n", "1", "-g", file);
    cr_assert(strstr(r.out, "Description"), "%s", r.out);
    const char *row = strstr(r.out, "\nBasc ");
    cr_assert_not_null(row, "%s", r.out);
    cr_assert(strstr(row, "Basic pattern, ten blocks") < strchr(row + 1, '\n') &&
              strstr(row, "Basic pattern, ten blocks"), "%s", r.out);
    run_free(&r);
    r = TOOL_OK("mon", "-p", pidbuf, "-n", "1", "-g", file, "--format", "csv");
    struct run_result py = python(
        "import sys, csv\n"
        "print([x['description'] for x in csv.DictReader(sys.stdin) if x['tag'] == 'Basc'])\n",
        r.out);
    cr_assert_str_eq(py.out, "['Basic pattern, ten blocks']\n");
    run_free(&py);
    run_free(&r);
    r = TOOL("mon", "-p", pidbuf, "-n", "1", "-g", "/nonexistent/tags");
    cr_assert_eq(exit_code(&r), 1);
    run_free(&r);

    /* site rows are described too: by their own name, or by their function */
    f = fopen(file, "w");
    cr_assert_not_null(f);
    fputs("main  the program's own buffer\n", f);
    fclose(f);
    r = TOOL_OK("mon", "-p", pidbuf, "-n", "1", "-g", file, "--format", "csv");
    py = python("import sys, csv\n"
                "print(sorted((x['type'], x['description']) for x in csv.DictReader(sys.stdin)"
                " if x['type'] != 'End'))\n",
                r.out);
    cr_assert_str_eq(py.out, "[('Site', \"the program's own buffer\"), ('Tag', '')]\n", "%s",
                     r.out);
    run_free(&py);
    run_free(&r);
    r = TOOL_OK("mon", "-p", pidbuf, "-n", "1", "-g", file, "--by", "func");
    cr_assert(strstr(r.out, "\nmain ") && strstr(r.out, "the program's own buffer"), "%s",
              r.out);
    run_free(&r);
    unlink(file);
    segment_remove(pid);
}

Test(mon, closed_pipe_ends_the_logger_quietly)
{
    int pid = run_exited("tests/progs/patterns", "basic", NULL);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "%s mon -p %d -i 0.01 | head -n 1 >/dev/null; "
             "exit $(( $? ))", build_path("heaptag"), pid);
    /* the status of the writer, not of head: run it under sh with pipefail */
    char full[700];
    snprintf(full, sizeof full, "bash -c 'set -o pipefail; %s'", cmd);
    int st = system(full);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d", st);
    segment_remove(pid);
}

/* Copies from to to, whole (a live segment's file is sized for every table
 * at full capacity), or its first keep bytes. */
static void copy_file(const char *from, const char *to, size_t keep)
{
    static char buf[1 << 16];
    FILE *f = fopen(from, "rb"), *t = fopen(to, "wb");
    cr_assert_not_null(f, "%s", from);
    cr_assert_not_null(t, "%s", to);
    size_t total = 0, n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
        if (keep && total + n > keep)
            n = keep - total;
        cr_assert_eq(fwrite(buf, 1, n, t), n);
        total += n;
        if (keep && total == keep)
            break;
    }
    fclose(f);
    fclose(t);
}

Test(mon, screen_skips_damaged_segments_and_redraws_on_resize)
{
    int pid = run_exited("tests/progs/patterns", "basic", NULL);
    char dir[64], from[96], good[128], bad[128], env[128];
    snprintf(dir, sizeof dir, "/tmp/htmon-dir.%d", (int)getpid());
    cr_assert(mkdir(dir, 0700) == 0 || errno == EEXIST);
    segment_path(from, sizeof from, pid);
    snprintf(good, sizeof good, "%s/heaptag.%d", dir, pid);
    snprintf(bad, sizeof bad, "%s/heaptag.2000000007", dir);
    copy_file(from, good, 0);
    copy_file(from, bad, 3000); /* the header, then nothing */
    snprintf(env, sizeof env, "HEAPTAG_SHM_DIR=%s", dir);
    screen_start_env(env, "-i 0.3 -e --all"); /* an exited process: --all */
    char *s = WAIT_FOR("Basc", "heaptag.2000000007 truncated");
    free(s);
    unlink(bad); /* gone between refreshes: no longer mentioned */
    for (int waited = 0;; waited += 100) {
        s = capture(0);
        int gone = strstr(s, "2000000007") == NULL;
        cr_assert(strstr(s, "Basc"), "%s", s);
        free(s);
        if (gone)
            break;
        cr_assert_lt(waited, WAIT_MS, "stale problem line");
        nap_ms(100);
    }
    cr_assert_eq(tmux("resize-window -t 0 -x 220 -y 50"), 0);
    nap_ms(700); /* a refresh or two at the new size */
    s = WAIT_FOR("Basc", "Total");
    /* redrawn for the new size: the totals line (-e) is on the last line */
    int row = 0;
    for (const char *p = s; p < strstr(s, "\nTotal "); p++)
        row += *p == '\n';
    cr_assert_eq(row + 1, 49, "totals on line 49 of 0..49:\n%s", s);
    free(s);
    screen_quit("q");
    unlink(good);
    rmdir(dir);
    segment_remove(pid);
}

/* Starts lateleak ARGS under the shim with its segment kept; returns its pid. */
static pid_t lateleak_start(const char *secs, const char *onset, const char *code)
{
    pid_t pid = start_tagged("tests/progs/lateleak", (const char *const[]){ secs, onset, code, NULL },
                             -1);
    cr_assert_geq(pid, 0);
    struct timespec t = { 0, 300000000L }; /* its segment is there by then */
    nanosleep(&t, NULL);
    return pid;
}

static int count_lines(const char *text, const char *prefix)
{
    int n = 0;
    for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
        n += !strncmp(p, prefix, strlen(prefix));
    return n;
}

/* mon -p ends by itself at the process's exit, with its exit code; every
 * snapshot says the process was live; trend finds the leak that started
 * halfway, at a site that was there from the start, and says since when. */
Test(mon, p_ends_at_exit_and_trend_finds_the_late_leak, .timeout = 120)
{
    pid_t pid = lateleak_start("20", "10", "3");
    char pidbuf[16], logpath[64], head[64];
    snprintf(pidbuf, sizeof pidbuf, "%d", (int)pid);
    struct run_result r = TOOL("mon", "-p", pidbuf, "-i", "1", "--by", "site");
    int status;
    waitpid(pid, &status, 0);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 3);
    cr_assert_eq(exit_code(&r), 0, "%s", r.err);
    char last[160];
    snprintf(last, sizeof last, " pid %d ended exited(3): the process exited with code 3\n",
             (int)pid);
    const char *tail = r.out + r.out_len;
    while (tail > r.out && tail[-1] == '\n')
        tail--;
    while (tail > r.out && tail[-1] != '\n')
        tail--;
    cr_assert(strstr(tail, last) == tail + 22, "last line: %s", tail);
    snprintf(head, sizeof head, " pid %d state live ", (int)pid);
    int snaps = count_lines(r.out, "# ") - 1;
    /* each snapshot says live, but the last, taken after the exit, may say exited(3) */
    int live = 0, exited = 0;
    for (const char *p = r.out; p; p = strstr(p + 1, "\n# ")) {
        const char *sp = strchr(p + (p == r.out ? 2 : 3), ' ');
        live += sp && !strncmp(sp, head, strlen(head));
        exited += sp && strstr(sp, " state exited(3) exe ") == sp + strlen(pidbuf) + 5;
    }
    cr_assert(live >= snaps - 1 && live + exited == snaps, "%d live, %d exited of %d", live,
              exited, snaps);
    cr_assert(strstr(r.err, "ended (exited(3))"), "%s", r.err);

    struct tm tm0 = { 0 };
    cr_assert(strptime(r.out + 2, "%Y-%m-%dT%H:%M:%SZ", &tm0), "%s", r.out);
    time_t first = timegm(&tm0);
    snprintf(logpath, sizeof logpath, "/tmp/htmon-late.%d", (int)getpid());
    FILE *f = fopen(logpath, "w");
    cr_assert(f && fwrite(r.out, 1, r.out_len, f) == r.out_len && fclose(f) == 0);
    run_free(&r);
    r = TOOL("trend", logpath, "--format", "csv");
    cr_assert_eq(exit_code(&r), 1, "a suspect: status 1\n%s%s", r.out, r.err);
    cr_assert_eq(count_lines(r.out, "1,"), 1, "%s", r.out);
    cr_assert_eq(count_lines(r.out, "2,"), 0, "one suspect only:\n%s", r.out);
    cr_assert(strstr(r.out, "handle_request"), "%s", r.out);
    run_free(&r);
    /* the onset: about 10 s after the start, not the first snapshot */
    r = TOOL("trend", logpath, "--format", "json");
    const char *on = strstr(r.out, "\"onset\":\"");
    cr_assert(on, "%s", r.out);
    struct tm tm = { 0 };
    cr_assert(strptime(on + 9, "%Y-%m-%dT%H:%M:%SZ", &tm));
    time_t onset = timegm(&tm);
    unlink(logpath);
    run_free(&r);
    cr_assert(onset - first >= 7 && onset - first <= 13, "onset %lds after the start",
              (long)(onset - first));
    segment_remove(pid);
}

/* A process killed without a word: mon says so and stops. */
Test(mon, p_ends_when_the_process_is_killed, .timeout = 60)
{
    pid_t pid = lateleak_start("60", "0", "0");
    char pidbuf[16], want[64], out[64];
    snprintf(pidbuf, sizeof pidbuf, "%d", (int)pid);
    snprintf(out, sizeof out, "/tmp/htmon-killed.%d", (int)getpid());
    pid_t mon = fork();
    cr_assert_geq(mon, 0);
    if (mon == 0) {
        FILE *f = freopen(out, "w", stdout);
        if (!f)
            _exit(126);
        const char *tool = build_path("heaptag");
        execl(tool, tool, "mon", "-p", pidbuf, "-i", "1", "--format", "csv", (char *)NULL);
        _exit(127);
    }
    struct timespec t = { 2, 500000000L };
    nanosleep(&t, NULL);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0); /* reaped: the pid is gone, its segment says live */
    int status;
    cr_assert_eq(waitpid(mon, &status, 0), mon);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "mon status %d", status);
    FILE *f = fopen(out, "r");
    cr_assert(f);
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    unlink(out);
    snprintf(want, sizeof want, ",%d,,End,0,0,0,0,0,0,0,0,", (int)pid);
    const char *end = strstr(buf, want);
    cr_assert(end, "%s", buf);
    /* function, file, line, exe and build_id name no code on an end record;
     * avg_alloc 0, no old bytes, no mark, then an empty site */
    cr_assert_str_eq(end + strlen(want), ",,0,,,killed,0,0,0,,\n");
    cr_assert(strstr(buf, ",live,"), "snapshots while it ran say live:\n%s", buf);
    segment_remove(pid);
}

/* ---- the screen at 80x24 and 200x50, keys, live view, display width ---- */

/* The line of the screen that starts with prefix (copied into line), or 0. */
static int screen_line(const char *screen, const char *prefix, char *line, size_t cap)
{
    size_t n = strlen(prefix);
    for (const char *p = screen; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
        if (!strncmp(p, prefix, n)) {
            size_t len = strcspn(p, "\n");
            if (len >= cap)
                len = cap - 1;
            memcpy(line, p, len);
            line[len] = '\0';
            return 1;
        }
    }
    return 0;
}

/* Display columns of the first len bytes of s (UTF-8). */
static int cols_of(const char *s, size_t len)
{
    wchar_t w[512];
    char buf[1024];
    cr_assert_lt(len, sizeof buf);
    memcpy(buf, s, len);
    buf[len] = '\0';
    cr_assert_not_null(setlocale(LC_CTYPE, "C.UTF-8"));
    size_t n = mbstowcs(w, buf, 512);
    cr_assert_neq(n, (size_t)-1, "valid UTF-8: %s", buf);
    int c = wcswidth(w, n);
    cr_assert_geq(c, 0);
    return c;
}

/* Display column where word (after a blank, before a blank or the end)
 * starts in line, or -1. */
static int col_of(const char *line, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = line; (p = strstr(p, word)) != NULL; p++)
        if (p > line && p[-1] == ' ' && (p[n] == ' ' || p[n] == '\0'))
            return cols_of(line, (size_t)(p - line));
    return -1;
}

/* Waits for the growth mark (^) on the Leak row, the row no wider than
 * max_cols display columns (0: any width); fails saying where it looked. */
static void wait_growth_mark(int max_cols, const char *where)
{
    char line[512];
    for (int waited = 0;; waited += 100) {
        char *s = capture(0);
        if (screen_line(s, "Leak ", line, sizeof line) && strchr(line, '^') &&
            (!max_cols || cols_of(line, strlen(line)) <= max_cols)) {
            free(s);
            return;
        }
        cr_assert_lt(waited, 4 * WAIT_MS, "no growth mark %s:\n%s", where, s);
        free(s);
        nap_ms(100);
    }
}

Test(mon, screen_80x24_fits_the_numbers_and_scrolls_sideways)
{
    char line[512];
    struct prog p = screen_on("leak", 80, 24, "");
    char *s = WAIT_FOR("Leak", "Stbl", "Per Alloc");
    /* every column PoolMon shows fits: Tag to Per Alloc, and the Trend with
     * its leak mark, in 80 columns */
    cr_assert(screen_line(s, "Tag ", line, sizeof line), "%s", s);
    const char *want[] = { "Type", "Allocs", "Frees", "Diff", "Bytes", "Per Alloc", "Trend" };
    for (size_t i = 0; i < 7; i++)
        cr_assert(strstr(line, want[i]), "%s in the header: %s", want[i], line);
    cr_assert_leq(cols_of(line, strlen(line)), 80);
    cr_assert_null(strstr(line, "Site"), "Site waits for a wider screen: %s", line);
    /* the row holds every number, deltas in parentheses */
    cr_assert(screen_line(s, "Stbl ", line, sizeof line), "%s", s);
    unsigned long long al, fr, by, per;
    long long dal, dfr, df, dby;
    cr_assert_eq(sscanf(line, "Stbl Tag %llu (%lld) %llu (%lld) %lld %llu (%lld) %llu", &al, &dal,
                        &fr, &dfr, &df, &by, &dby, &per), 8, "%s", line);
    cr_assert_eq(al, 5);
    cr_assert_eq(by, 5000);
    cr_assert_eq(per, 1000);
    free(s);

    /* the leak's growth mark shows without scrolling */
    wait_growth_mark(80, "in 80 columns");
    /* Right scrolls the numbers away and brings Site; Tag stays */
    for (int i = 0; i < 7; i++)
        keys("Right");
    s = WAIT_FOR("Site", "scrolled");
    cr_assert(row_pos(s, "Leak") >= 0, "the Tag column stays:\n%s", s);
    cr_assert(strstr(s, "monprog+0x"), "the site:\n%s", s);
    free(s);
    for (int i = 0; i < 12; i++)
        keys("Left");
    s = WAIT_FOR("Allocs", "Per Alloc");
    cr_assert_null(strstr(s, "scrolled"), "%s", s);
    free(s);
    screen_off(&p);
}

Test(mon, screen_200x50_adds_trend_and_site)
{
    char line[512];
    struct prog p = screen_on("leak", 200, 50, "");
    char *s = WAIT_FOR("Leak", "Trend", "Site");
    cr_assert(screen_line(s, "Tag ", line, sizeof line), "%s", s);
    int trend = col_of(line, "Trend"), site = col_of(line, "Site");
    cr_assert(trend > 0 && site > trend, "Trend, then Site: %s", line);
    free(s);
    /* the leak's sparkline rises and is marked as growing steadily */
    wait_growth_mark(0, "at any width");
    screen_off(&p);
}

Test(mon, screen_keys_in_either_case)
{
    struct prog p = screen_on("leak", 200, 40, "");
    free(WAIT_FOR("Leak", "Stbl", "Sort: bytes"));
    free(sort_by("A", "Sort: allocs"));
    wait_above("Leak", "Stbl"); /* Leak's count passes Stbl's fixed 5 */
    static const struct sort_step sorts[] = {
        { "T", "Sort: tag ", { { "Chrn", "Stbl" } } },
        { "T", "Sort: tag (reversed)", { { NULL } } },
        { "F", "Sort: frees", { { NULL } } },
        { "D", "Sort: diff", { { NULL } } },
        { "M", "Sort: per alloc", { { NULL } } },
        { "B", "Sort: bytes ", { { NULL } } },
        { "P", "Type: Tag", { { NULL } } },
    };
    sort_steps(sorts, sizeof sorts / sizeof sorts[0]);
    keys("E");
    free(WAIT_FOR("Total"));
    keys("H");
    free(WAIT_FOR("heaptag mon keys", "either case"));
    keys("x");
    free(WAIT_FOR("Sort: bytes"));
    keys("Q"); /* q in upper case quits too */
    wait_exit_ok();
    screen_stop();
    prog_stop(&p);
}

/* Sum of the Allocs column over the rows shown (lines after the header). */
static unsigned long long screen_allocs(const char *screen, const char **tags, size_t n)
{
    unsigned long long sum = 0;
    char line[512];
    for (size_t i = 0; i < n; i++) {
        unsigned long long a;
        if (!screen_line(screen, tags[i], line, sizeof line))
            continue;
        cr_assert_eq(sscanf(line, "%*s %*s %llu", &a), 1, "%s", line);
        sum += a;
    }
    return sum;
}

Test(mon, default_screen_watches_live_processes)
{
    /* a private directory: a copy of a live process's segment and of an
     * exited one's */
    struct prog p = prog_start("leak");
    int gone = run_exited("tests/progs/patterns", "basic", NULL);
    char dir[64], from[96], to[128], env[128];
    snprintf(dir, sizeof dir, "/tmp/htmon-live.%d", (int)getpid());
    cr_assert(mkdir(dir, 0700) == 0 || errno == EEXIST);
    nap_ms(300); /* a few allocations in */
    segment_path(from, sizeof from, p.pid);
    snprintf(to, sizeof to, "%s/heaptag.%d", dir, (int)p.pid);
    copy_file(from, to, 0);
    segment_path(from, sizeof from, gone);
    snprintf(to, sizeof to, "%s/heaptag.%d", dir, gone);
    copy_file(from, to, 0);
    snprintf(env, sizeof env, "HEAPTAG_SHM_DIR=%s", dir);
    screen_start_env(env, "-i 0.3 -e -a");
    char *s = WAIT_FOR("Leak", "Total", "Live only (x: all)", "2 (1 live)");
    cr_assert_lt(row_pos(s, "Basc"), 0, "the exited process is not shown:\n%s", s);
    /* the totals count what is shown: the live process only */
    const char *tags[] = { "Leak ", "Stbl ", "Chrn ", "monprog+0x" };
    char line[512];
    unsigned long long total;
    cr_assert(screen_line(s, "Total ", line, sizeof line), "%s", s);
    cr_assert_eq(sscanf(line, "Total %llu", &total), 1, "%s", line);
    cr_assert_eq(total, screen_allocs(s, tags, 4), "%s", s);
    cr_assert_gt(total, 0);
    free(s);
    /* x: exited and dead ones too */
    keys("x");
    s = WAIT_FOR("Basc", "All processes");
    cr_assert(screen_line(s, "Total ", line, sizeof line), "%s", s);
    unsigned long long all;
    cr_assert_eq(sscanf(line, "Total %llu", &all), 1, "%s", line);
    cr_assert_eq(all, total + 10 + 1, "patterns basic adds 10 tagged and 1 site allocation:\n%s",
                 s);
    free(s);
    screen_quit("q");
    /* --all from the start */
    screen_start_env(env, "-i 0.3 --all");
    free(WAIT_FOR("Basc", "Leak", "All processes"));
    screen_quit("q");
    snprintf(to, sizeof to, "%s/heaptag.%d", dir, (int)p.pid);
    unlink(to);
    snprintf(to, sizeof to, "%s/heaptag.%d", dir, gone);
    unlink(to);
    rmdir(dir);
    segment_remove(gone);
    prog_stop(&p);
}

Test(mon, utf8_tags_align_by_display_width)
{
    struct prog p = prog_start("names");
    char pidbuf[32];
    snprintf(pidbuf, sizeof pidbuf, "%d", (int)p.pid);
    /* the table log: Tag is 24 display columns and a blank, whatever the bytes */
    struct run_result r = TOOL_OK("mon", "-p", pidbuf, "-n", "1");
    const char *tags[] = { "Gr\u00f6\u00dfe", "\u65e5\u672c\u8a9e", "Plain" };
    for (size_t i = 0; i < 3; i++) {
        char line[512];
        cr_assert(screen_line(r.out, tags[i], line, sizeof line), "%s", r.out);
        cr_assert_eq(col_of(line, "Tag"), 25, "Type at column 25: '%s'", line);
        /* the first snapshot's Trend cell is blank, as documented */
        cr_assert(strstr(line, " 32             0x"), "Per Alloc, a blank Trend, Site: '%s'",
                  line);
    }
    run_free(&r);
    prog_stop(&p);
    /* the screen, split so the Tag column is narrow at 80: columns stay put */
    p = screen_on("names", 80, 24, "--split");
    char *s = WAIT_FOR("Plain", "Gr\u00f6\u00dfe", "\u65e5\u672c\u8a9e", "averyvery");
    int want = -1;
    const char *rows[] = { "Gr\u00f6\u00dfe ", "\u65e5\u672c\u8a9e ", "Plain ", "averyvery" };
    for (size_t i = 0; i < 4; i++) {
        char line[512];
        cr_assert(screen_line(s, rows[i], line, sizeof line), "%s", s);
        int c = col_of(line, "Tag");
        if (want < 0)
            want = c;
        cr_assert_eq(c, want, "Type column at %d, not %d: '%s'\n%s", c, want, line, s);
    }
    cr_assert(strstr(s, "averyvery") && strstr(strstr(s, "averyvery"), "~ Tag"),
              "a long tag is cut and marked:\n%s", s);
    free(s);
    screen_off(&p);
}

/* The screen says when its process ends and how, as the log's last word
 * does, and where the page is. */
Test(mon, screen_says_when_its_process_ends)
{
    pid_t pid = lateleak_start("2", "0", "3");
    char args[64], want[64];
    snprintf(args, sizeof args, "-p %d -i 0.3", (int)pid);
    pane_x = 80, pane_y = 24;
    screen_start(args);
    char *s = WAIT_FOR("Lines 1-", "(1 live)");
    free(s);
    waitpid(pid, NULL, 0);
    snprintf(want, sizeof want, "Ended: %d exited(3)", (int)pid);
    s = WAIT_FOR(want, "(0 live)");
    free(s);
    screen_close();
    segment_remove(pid);
}

/* Split view (a PID column) still fits 80 columns, Per Alloc and the growth
 * mark included; under --by tag the Site column names the function. */
Test(mon, screen_split_fits_80_columns_and_site_names_the_function)
{
    char line[512];
    struct prog p = screen_on("leak", 80, 24, "--split");
    char *s = WAIT_FOR("Leak", "PID", "Per Alloc");
    cr_assert(screen_line(s, "Tag ", line, sizeof line), "%s", s);
    cr_assert(strstr(line, "Per Alloc") && strstr(line, "PID"), "%s", line);
    cr_assert_leq(cols_of(line, strlen(line)), 80, "%s", line);
    free(s);
    wait_growth_mark(80, "in split view");
    screen_off(&p);

    p = screen_on("leak", 200, 40, "");
    s = WAIT_FOR("Leak", "Site", "leak_forever");
    cr_assert(screen_line(s, "Leak ", line, sizeof line), "%s", s);
    char *site = strstr(line, "leak_forever");
    cr_assert(site && strstr(site, "monprog.c:") && strstr(site, "monprog+0x"),
              "function, file:line, then the site: %s", line);
    free(s);
    screen_off(&p);
}

/* A process that counts nothing has no rows: the screen says it is passive
 * and why, as the logs do (here an allocator loaded before the shim). */
Test(mon, screen_says_why_a_process_is_passive)
{
    const char *jemalloc = "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2";
    if (access(jemalloc, R_OK) != 0)
        cr_skip_test("no jemalloc");
    char preload[4096];
    snprintf(preload, sizeof preload, "%s:%s", jemalloc, build_path("libheaptag.so"));
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        setenv("LD_PRELOAD", preload, 1);
        setenv("HEAPTAG_KEEP", "0", 1);
        execl("/bin/sleep", "sleep", "30", (char *)NULL);
        _exit(127);
    }
    struct timespec t = { 0, 300000000L }; /* its segment is there by then */
    nanosleep(&t, NULL);
    char args[64], want[64];
    snprintf(args, sizeof args, "-p %d -i 0.3", (int)pid);
    snprintf(want, sizeof want, "%d passive: an allocator was loaded before", (int)pid);
    pane_x = 200, pane_y = 24;
    screen_start(args);
    char *s = WAIT_FOR(want, "(1 live)");
    free(s);
    screen_close();
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    segment_remove(pid);
}
