/*
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

Test(reports, overrun_named_by_function_and_line)
{
    struct run_result r;
    int pid = heapbugs("overrun", "+htc+hfc+hpc", &r);
    /* the stderr line keeps module+offset */
    expect_has(r.err, "(tag Ovrn, allocated at 0x");
    expect_has(r.err, " (heapbugs+0x");
    char *out = reports_of(pid);
    expect_has(out, ": 1 report\n");
    expect_has(out, "report 1 ");
    expect_has(out, " heap overrun: 3 bytes written past the end, found by free\n");
    expect_has(out, "  block of 100 bytes, tag Ovrn\n");
    expect_has(out, "  allocated at overrun tests/progs/heapbugs.c:");
    expect_has(out, " heapbugs+0x");
    cr_expect_eq(count(out, "report "), 1, "%s", out);
    cr_expect_eq(ls_corrupt(pid), 1);
    free(out);
    segment_remove(pid);
    run_free(&r);
}

Test(reports, double_and_invalid_free)
{
    struct run_result r;
    int pid = heapbugs("double", "+htc+hfc+hpc", &r);
    char *out = reports_of(pid);
    expect_has(out, " double free\n  block of 48 bytes, tag Dblf\n"
                    "  allocated at double_free tests/progs/heapbugs.c:");
    cr_expect_eq(ls_corrupt(pid), 1);
    free(out);
    segment_remove(pid);
    run_free(&r);

    pid = heapbugs("interior", "+htc+hfc+hpc", &r);
    out = reports_of(pid);
    expect_has(out, ": 2 reports\n");
    expect_has(out, ", 40 bytes into a block\n  block of 200 bytes, tag Intr\n"
                    "  allocated at interior tests/progs/heapbugs.c:");
    expect_has(out, ", 3 bytes into a block\n  block of 200 bytes, tag Intr\n");
    cr_expect_eq(count(out, " invalid free of 0x"), 2, "%s", out);
    cr_expect_eq(ls_corrupt(pid), 2);
    free(out);
    segment_remove(pid);
    run_free(&r);
}

Test(reports, ust_adds_the_allocation_stack)
{
    struct run_result r;
    int pid = heapbugs("overrun", "+htc+ust", &r);
    char *out = reports_of(pid);
    expect_has(out, "  allocated at overrun tests/progs/heapbugs.c:");
    expect_has(out, "  #0 overrun tests/progs/heapbugs.c:");
    expect_has(out, "  #1 main tests/progs/heapbugs.c:");
    free(out);
    segment_remove(pid);
    run_free(&r);
}

Test(reports, the_latest_64_are_kept)
{
    struct run_result r;
    int pid = heapbugs("many", "+hfc", &r);
    char *out = reports_of(pid);
    expect_has(out, ": 70 reports, the latest 64 kept\n");
    cr_expect_eq(count(out, "\nreport "), 64, "%s", out);
    cr_expect_null(strstr(out, "\nreport 6 "), "%s", out);
    expect_has(out, "\nreport 7 ");
    expect_has(out, "\nreport 70 ");
    cr_expect_eq(count(out, "  block of 24 bytes, tag Many\n"), 64, "%s", out);
    cr_expect_eq(ls_corrupt(pid), 70);
    free(out);
    segment_remove(pid);
    run_free(&r);
}
