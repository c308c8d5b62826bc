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

static void expect_has(const char *text, const char *what)
{
    cr_expect(strstr(text, what), "want '%s' in:\n%s", what, text);
}

/* expect_has for each of want (NULL-terminated). */
static void expect_all(const char *text, const char *const want[])
{
    for (size_t i = 0; want[i]; i++)
        expect_has(text, want[i]);
}

#define EXPECT_ALL(text, ...) expect_all(text, (const char *const[]){ __VA_ARGS__, NULL })

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

/* What the reports of one heapbugs run must say: each of has, the line
 * counted count times (none when NULL), and as many corruptions in ls. */
struct bug_case {
    const char *mode, *flags;
    const char *has[7];
    const char *counted;
    int count;
    unsigned long corrupt;
};

static void bug_run_check(struct bug_run *b, const struct bug_case *c)
{
    bug_run(b, c->mode, c->flags);
    for (size_t i = 0; i < sizeof c->has / sizeof c->has[0] && c->has[i]; i++)
        expect_has(b->reports, c->has[i]);
    if (c->counted)
        cr_expect_eq(count_in(b->reports, c->counted), c->count, "%s", b->reports);
    cr_expect_eq(ls_corrupt(b->pid), c->corrupt);
}

Test(reports, overrun_named_by_function_and_line)
{
    static const struct bug_case overrun = {
        "overrun", "+htc+hfc+hpc",
        { ": 1 report\n", "report 1 ",
          " heap overrun: 3 bytes written past the end, found by free\n",
          "  block of 100 bytes, tag Ovrn\n", "  allocated at overrun tests/progs/heapbugs.c:",
          " heapbugs+0x" },
        "report ", 1, 1,
    };
    struct bug_run b;
    bug_run_check(&b, &overrun);
    /* the stderr line keeps module+offset */
    EXPECT_ALL(b.r.err, "(tag Ovrn, allocated at 0x", " (heapbugs+0x");
    bug_done(&b);
}

Test(reports, double_and_invalid_free)
{
    static const struct bug_case cases[] = {
        { "double", "+htc+hfc+hpc",
          { " double free\n  block of 48 bytes, tag Dblf\n"
            "  allocated at double_free tests/progs/heapbugs.c:" },
          NULL, 0, 1 },
        { "interior", "+htc+hfc+hpc",
          { ": 2 reports\n",
            ", 40 bytes into a block\n  block of 200 bytes, tag Intr\n"
            "  allocated at interior tests/progs/heapbugs.c:",
            ", 3 bytes into a block\n  block of 200 bytes, tag Intr\n" },
          " invalid free of 0x", 2, 2 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct bug_run b;
        bug_run_check(&b, &cases[i]);
        bug_done(&b);
    }
}

Test(reports, ust_adds_the_allocation_stack)
{
    struct bug_run b;
    bug_run(&b, "overrun", "+htc+ust");
    EXPECT_ALL(b.reports,
               "  allocated at overrun tests/progs/heapbugs.c:",
               "  #0 overrun tests/progs/heapbugs.c:",
               "  #1 main tests/progs/heapbugs.c:");
    bug_done(&b);
}

Test(reports, the_latest_64_are_kept)
{
    struct bug_run b;
    bug_run(&b, "many", "+hfc");
    expect_has(b.reports, ": 70 reports, the latest 64 kept\n");
    cr_expect_eq(count_in(b.reports, "\nreport "), 64, "%s", b.reports);
    cr_expect_null(strstr(b.reports, "\nreport 6 "), "%s", b.reports);
    EXPECT_ALL(b.reports, "\nreport 7 ", "\nreport 70 ");
    cr_expect_eq(count_in(b.reports, "  block of 24 bytes, tag Many\n"), 64, "%s", b.reports);
    cr_expect_eq(ls_corrupt(b.pid), 70);
    bug_done(&b);
}
