/* SPDX-License-Identifier: MIT
 * test_tool_safety.c - the tool as a tagged program's adversary would try it:
 * names chosen to drive the operator's terminal (escape sequences in a source
 * file name through #line, raw C1 bytes in tags, control bytes in an exe path
 * and in a log) come out escaped from every command and format; and names that
 * lead to FIFOs (a debug file beside a module, a log's exe, a tag description
 * file) never block a command (each test has a timeout: a hang fails).
 */
#include <criterion/criterion.h>

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "tmpdir.h"

/* A test's own directory (use_dir), removed with all in it when the test ends. */
static char dir[64];

static void use_dir(const char *prefix)
{
    cr_assert_eq(tmpdir_make(dir, sizeof dir, prefix), 0);
}

/* The path of name in dir (one of four buffers, used in turn). */
static const char *in_dir(const char *name)
{
    static char buf[4][300];
    static int next;
    char *b = buf[next++ % 4];
    snprintf(b, sizeof buf[0], "%s/%s", dir, name);
    return b;
}

static void remove_dir(void)
{
    if (dir[0])
        tmpdir_remove(dir);
    dir[0] = '\0';
}

TestSuite(tool_safety, .timeout = 60, .fini = remove_dir);

/* No byte a terminal takes as a control: nothing below 0x20 but \n and \t,
 * no DEL, no C1 (raw or as UTF-8), and the text is valid UTF-8. */
static void assert_printable(const char *what, const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80) {
            cr_assert(c >= 0x20 ? c != 0x7f : c == '\n' || c == '\t',
                      "%s: byte 0x%02x at %zu: %.*s", what, c, i, (int)(n < 400 ? n : 400), s);
            i++;
            continue;
        }
        size_t len = (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
        cr_assert(len && i + len <= n, "%s: invalid UTF-8 byte 0x%02x at %zu", what, c, i);
        for (size_t k = 1; k < len; k++)
            cr_assert(((unsigned char)s[i + k] & 0xc0) == 0x80, "%s: invalid UTF-8 at %zu", what,
                      i);
        cr_assert(!(c == 0xc2 && (unsigned char)s[i + 1] < 0xa0), "%s: C1 control at %zu", what,
                  i);
        i += len;
    }
}

static void tool_exits(const char *const argv[], struct run_result *r)
{
    cr_assert_eq(run_cmd(argv, NULL, 0, NULL, r), 0, "cannot run %s", argv[1]);
    cr_assert(WIFEXITED(r->status), "heaptag %s died: status %d", argv[1], r->status);
}

static void check_tool(const char *const argv[], char *out_copy, size_t cap)
{
    struct run_result r;
    tool_exits(argv, &r);
    char what[128];
    snprintf(what, sizeof what, "heaptag %s %s %s %s stdout", argv[1], argv[2] ? argv[2] : "",
             argv[2] && argv[3] ? argv[3] : "", argv[2] && argv[3] && argv[4] ? argv[4] : "");
    assert_printable(what, r.out, r.out_len);
    assert_printable("stderr", r.err, r.err_len);
    if (out_copy)
        snprintf(out_copy, cap, "%s", r.out);
    run_free(&r);
}

static char *read_all(const char *path, size_t *n)
{
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "cannot open %s", path);
    char *buf = calloc(1, 1 << 20);
    *n = fread(buf, 1, (1 << 20) - 1, f);
    fclose(f);
    return buf;
}

static void copy_file(const char *from, const char *to)
{
    size_t n;
    char *buf = read_all(from, &n);
    int fd = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0755);
    cr_assert_geq(fd, 0, "cannot create %s", to);
    cr_assert_eq(write(fd, buf, n), (ssize_t)n);
    close(fd);
    free(buf);
}

static int run_prog(const char *path)
{
    const char *argv[] = { path, NULL };
    struct run_result r;
    cr_assert_eq(run_cmd(argv, NULL, 1, NULL, &r), 0);
    cr_assert(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0, "%s: status %d", path,
              r.status);
    int pid = r.pid;
    run_free(&r);
    return pid;
}

/* The program's names in every output of every command that shows them. */
Test(tool_safety, debug_info_and_tag_names_come_out_escaped)
{
    int pid = run_prog(build_path("tests/progs/evilnames"));
    char p[16];
    snprintf(p, sizeof p, "%d", pid);
    const char *h = build_path("heaptag");
    static char out[1 << 16];
    const char *const cmds[][12] = {
        { h, "ls", NULL },
        { h, "mon", "-p", p, "-n", "1", NULL },
        { h, "mon", "-p", p, "-n", "1", "--format", "csv", NULL },
        { h, "mon", "-p", p, "-n", "1", "--format", "json", NULL },
        { h, "mon", "-p", p, "-n", "1", "--by", "site", NULL },
        { h, "mon", "-p", p, "-n", "1", "--by", "module", NULL },
        { h, "mon", "-p", p, "-n", "1", "--by", "func", "--format", "json", NULL },
        { h, "dump", "-p", p, NULL },
        { h, "export", "--prometheus", "-p", p, NULL },
        { h, "export", "--prometheus", "--by", "site", "-p", p, NULL },
    };
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
        check_tool(cmds[i], NULL, 0);
    /* the names are there, escaped: the checks above saw them */
    const char *csv[] = { h, "mon", "-p", p, "-n", "1", "--format", "csv", NULL };
    check_tool(csv, out, sizeof out);
    cr_expect_not_null(strstr(out, "T\\x9b1m\\x1b[2J"), "tag not shown escaped: %s", out);
    cr_expect_not_null(strstr(out, "U\\xc2\\x9b\\x7f"), "tag not shown escaped: %s", out);
    const char *func[] = { h, "mon", "-p", p, "-n", "1", "--by", "func", "--format", "csv", NULL };
    check_tool(func, out, sizeof out);
    cr_expect_not_null(strstr(out, "evil\\x1b]0;pwned\\x07\\x1b[2J.c"),
                       "file name from debug info not shown escaped: %s", out);
    const char *tbl[] = { h, "mon", "-p", p, "-n", "1", "--by", "func", NULL };
    check_tool(tbl, out, sizeof out);
    cr_expect_not_null(strstr(out, "evil\\x1b]0;pwned"), "table: %s", out);
    const char *dump[] = { h, "dump", "-p", p, NULL };
    check_tool(dump, out, sizeof out);
    cr_expect_not_null(strstr(out, "evil\\x1b]0;pwned"), "dump: %s", out);
    segment_remove(pid);
}

/* An executable whose path holds ESC, BEL and a raw C1 byte. */
Test(tool_safety, exe_path_with_control_bytes_comes_out_escaped)
{
    use_dir("heaptag-exe-");
    const char *exe = in_dir("app\033]0;x\007\x9b" "2J");
    copy_file(build_path("tests/progs/evilnames"), exe);
    int pid = run_prog(exe);
    char p[16];
    snprintf(p, sizeof p, "%d", pid);
    const char *h = build_path("heaptag");
    static char out[1 << 16];
    const char *ls[] = { h, "ls", NULL };
    check_tool(ls, out, sizeof out);
    cr_expect_not_null(strstr(out, "app\\x1b]0;x\\x07\\x9b2J"), "ls: %s", out);
    const char *const cmds[][10] = {
        { h, "mon", "-p", p, "-n", "1", NULL },
        { h, "mon", "-p", p, "-n", "1", "--format", "json", NULL },
        { h, "dump", "-p", p, NULL },
        { h, "export", "--prometheus", "-p", p, NULL },
        { h, "flags", "-p", p, NULL },
    };
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
        check_tool(cmds[i], NULL, 0);
    const char *mon[] = { h, "mon", "-p", p, "-n", "1", NULL };
    check_tool(mon, out, sizeof out);
    cr_expect_not_null(strstr(out, "exe /tmp/heaptag-exe-"), "mon: %s", out);
    segment_remove(pid);
}

/* A table log of 8 snapshots of one steadily growing row; exe and fields as given. */
static void write_log(const char *path, const char *exe, const char *tag, const char *site)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    for (int i = 0; i < 8; i++) {
        fprintf(f, "# 2026-11-25T22:%02d:00Z pid 4242 exe %s\n", 10 + i, exe);
        fprintf(f, "%-24s %-4s %12s %12s %12s %14s %10s  Site\n", "Tag", "Type", "Allocs",
                "Frees", "Diff", "Bytes", "Per Alloc");
        fprintf(f, "%-24s %-4s %12d %12d %12d %14d %10d  %s\n\n", tag, "Tag", 100 + 10 * i, 0,
                100 + 10 * i, 6400 + 640 * i, 64, site);
    }
    fclose(f);
}

Test(tool_safety, trend_shows_a_hostile_log_escaped)
{
    use_dir("heaptag-tlog-");
    const char *log = in_dir("log"), *svg = in_dir("plot.svg");
    write_log(log, "/tmp/evil\033]0;pwned\007", "L\x9b" "1m\x1b[2J",
              "0x1000 ev\033[31mil+0x10 \xc2\x85" "x");
    const char *h = build_path("heaptag");
    static char out[1 << 16];
    const char *trend[] = { h, "trend", "-v", log, NULL };
    check_tool(trend, out, sizeof out);
    cr_expect_not_null(strstr(out, "L\\x9b1m\\x1b[2J"), "trend: %s", out);
    const char *plot[] = { h, "trend", "--plot", svg, log, NULL };
    check_tool(plot, NULL, 0);
    size_t n;
    char *s = read_all(svg, &n);
    cr_assert_gt(n, 0);
    assert_printable("plot", s, n);
    cr_expect_null(strstr(s, "<2J"), "plot: markup from a name");
    free(s);
}

/* The debug file of a module is found through its debuglink; a FIFO in its
 * place (or as the tag description file) must not block mon or dump. */
Test(tool_safety, fifo_as_debug_file_or_tag_file_never_blocks, .timeout = 60)
{
    use_dir("heaptag-dbg-");
    const char *app = in_dir("app"), *dbg = in_dir("app.debug"), *tags = in_dir("tags.txt");
    char cmd[1400];
    copy_file(build_path("tests/progs/evilnames"), app);
    snprintf(cmd, sizeof cmd, "cd %s && objcopy --only-keep-debug app app.debug && "
             "objcopy --strip-debug app && objcopy --add-gnu-debuglink=app.debug app", dir);
    cr_assert_eq(system(cmd), 0, "objcopy failed");
    int pid = run_prog(app);
    char p[16];
    snprintf(p, sizeof p, "%d", pid);
    const char *h = build_path("heaptag");
    /* the control: the debug file beside it names the source file */
    const char *func[] = { h, "mon", "-p", p, "-n", "1", "--by", "func", "--format", "csv", NULL };
    struct run_result r;
    tool_exits(func, &r);
    cr_expect_not_null(strstr(r.out, "pwned"), "debuglink not followed: %s", r.out);
    run_free(&r);

    cr_assert_eq(unlink(dbg), 0);
    cr_assert_eq(mkfifo(dbg, 0600), 0);
    cr_assert_eq(mkfifo(tags, 0600), 0);
    tool_exits(func, &r);
    cr_expect_eq(WEXITSTATUS(r.status), 0, "mon: %s", r.err);
    cr_expect_not_null(strstr(r.out, "evil_alloc"), "the symbol table is still used: %s", r.out);
    cr_expect_null(strstr(r.out, "pwned"), "a FIFO was read as a debug file: %s", r.out);
    run_free(&r);
    const char *dump[] = { h, "dump", "-p", p, NULL };
    tool_exits(dump, &r);
    cr_expect_eq(WEXITSTATUS(r.status), 0, "dump: %s", r.err);
    run_free(&r);
    const char *g[] = { h, "mon", "-p", p, "-n", "1", "-g", tags, NULL };
    tool_exits(g, &r);
    run_free(&r);
    segment_remove(pid);
}

/* trend names the function of the suspect from the exe the log names: a
 * FIFO there is never opened for reading. */
Test(tool_safety, fifo_as_a_logs_exe_never_blocks_trend, .timeout = 60)
{
    use_dir("heaptag-fexe-");
    const char *log = in_dir("log"), *exe = in_dir("fifoapp");
    cr_assert_eq(mkfifo(exe, 0600), 0);
    write_log(log, exe, "Leak", "0x55d1c0a0164c fifoapp+0x164c");
    const char *trend[] = { build_path("heaptag"), "trend", log, NULL };
    struct run_result r;
    tool_exits(trend, &r);
    cr_expect_eq(WEXITSTATUS(r.status), 1, "trend names the suspect: %s", r.err);
    cr_expect_not_null(strstr(r.out, "Leak"), "trend: %s", r.out);
    run_free(&r);
}
