/* SPDX-License-Identifier: MIT
 * test_reports.c - `heaptag reports`: the heap check reports a segment keeps,
 * named by the allocating function and file:line (with ust, its stack), the
 * latest 64 of them, counted as `heaptag ls` counts them.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "harness.h"

TestSuite(reports, .timeout = 120);

/* heapbugs MODE under flags; its pid. */
static int heapbugs(const char *mode, const char *flags, struct run_result *r)
{
    cr_assert_eq(run_flagged("tests/progs/heapbugs", mode, flags, r), 0);
    cr_assert(WIFEXITED(r->status) && WEXITSTATUS(r->status) == 0, "%s: %s", mode, r->err);
    cr_assert(strstr(r->out, "done"), "%s", r->out);
    return r->pid;
}

/* `heaptag reports -p PID`, malloc'd. */
static char *reports_of(int pid)
{
    char *out = tool_pid_out("reports", pid, NULL);
    cr_assert_not_null(out, "reports failed");
    return out;
}

/* The CORRUPT column of pid's line in `heaptag ls`. */
static unsigned long ls_corrupt(int pid)
{
    const char *argv[] = { build_path("heaptag"), "ls", NULL };
    struct run_result r;
    cr_assert_eq(run_cmd(argv, NULL, 0, NULL, &r), 0);
    char want[32];
    snprintf(want, sizeof want, "\n%7d ", pid);
    const char *line = strstr(r.out, want);
    cr_assert_not_null(line, "pid %d not in ls:\n%s", pid, r.out);
    unsigned long corrupt = 0;
    cr_assert_eq(sscanf(line + 1, "%*d %*s %*s %*s %*s %lu", &corrupt), 1);
    run_free(&r);
    return corrupt;
}

static int count(const char *text, const char *what)
{
    int n = 0;
    for (const char *p = text; (p = strstr(p, what)) != NULL; p += strlen(what))
        n++;
    return n;
}

static void expect_has(const char *text, const char *what)
{
    cr_expect(strstr(text, what), "want '%s' in:\n%s", what, text);
}

/* One heapbugs run and what `heaptag reports` says of it. */
struct bug_run {
    struct run_result r;
    int pid;
    char *reports;
};

static void bug_run(struct bug_run *b, const char *mode, const char *flags)
{
    b->pid = heapbugs(mode, flags, &b->r);
    b->reports = reports_of(b->pid);
}

static void bug_done(struct bug_run *b)
{
    free(b->reports);
    segment_remove(b->pid);
    run_free(&b->r);
}

Test(reports, overrun_named_by_function_and_line)
{
    struct bug_run b;
    bug_run(&b, "overrun", "+htc+hfc+hpc");
    /* the stderr line keeps module+offset */
    expect_has(b.r.err, "(tag Ovrn, allocated at 0x");
    expect_has(b.r.err, " (heapbugs+0x");
    expect_has(b.reports, ": 1 report\n");
    expect_has(b.reports, "report 1 ");
    expect_has(b.reports, " heap overrun: 3 bytes written past the end, found by free\n");
    expect_has(b.reports, "  block of 100 bytes, tag Ovrn\n");
    expect_has(b.reports, "  allocated at overrun tests/progs/heapbugs.c:");
    expect_has(b.reports, " heapbugs+0x");
    cr_expect_eq(count(b.reports, "report "), 1, "%s", b.reports);
    cr_expect_eq(ls_corrupt(b.pid), 1);
    bug_done(&b);
}

Test(reports, double_and_invalid_free)
{
    struct bug_run b;
    bug_run(&b, "double", "+htc+hfc+hpc");
    expect_has(b.reports, " double free\n  block of 48 bytes, tag Dblf\n"
                          "  allocated at double_free tests/progs/heapbugs.c:");
    cr_expect_eq(ls_corrupt(b.pid), 1);
    bug_done(&b);

    bug_run(&b, "interior", "+htc+hfc+hpc");
    expect_has(b.reports, ": 2 reports\n");
    expect_has(b.reports, ", 40 bytes into a block\n  block of 200 bytes, tag Intr\n"
                          "  allocated at interior tests/progs/heapbugs.c:");
    expect_has(b.reports, ", 3 bytes into a block\n  block of 200 bytes, tag Intr\n");
    cr_expect_eq(count(b.reports, " invalid free of 0x"), 2, "%s", b.reports);
    cr_expect_eq(ls_corrupt(b.pid), 2);
    bug_done(&b);
}

Test(reports, ust_adds_the_allocation_stack)
{
    struct bug_run b;
    bug_run(&b, "overrun", "+htc+ust");
    expect_has(b.reports, "  allocated at overrun tests/progs/heapbugs.c:");
    expect_has(b.reports, "  #0 overrun tests/progs/heapbugs.c:");
    expect_has(b.reports, "  #1 main tests/progs/heapbugs.c:");
    bug_done(&b);
}

Test(reports, the_latest_64_are_kept)
{
    struct bug_run b;
    bug_run(&b, "many", "+hfc");
    expect_has(b.reports, ": 70 reports, the latest 64 kept\n");
    cr_expect_eq(count(b.reports, "\nreport "), 64, "%s", b.reports);
    cr_expect_null(strstr(b.reports, "\nreport 6 "), "%s", b.reports);
    expect_has(b.reports, "\nreport 7 ");
    expect_has(b.reports, "\nreport 70 ");
    cr_expect_eq(count(b.reports, "  block of 24 bytes, tag Many\n"), 64, "%s", b.reports);
    cr_expect_eq(ls_corrupt(b.pid), 70);
    bug_done(&b);
}
