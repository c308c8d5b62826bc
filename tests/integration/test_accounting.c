/* SPDX-License-Identifier: MIT
 * test_accounting.c - what lands in a program's rows: exactly what the
 * program allocated. The shim's own work (the unwinder loading unwind
 * information) is never counted, and +htd keeps explicit tags apart from the
 * module rows.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "harness.h"

TestSuite(accounting, .timeout = 120);

/* `heaptag mon -p PID -n 1 --format csv --by BY`, malloc'd. */
static char *mon_by(int pid, const char *by)
{
    const char *extra[] = { "-n", "1", "--format", "csv", "--by", by, NULL };
    char *out = tool_pid_out("mon", pid, extra);
    cr_assert_not_null(out, "mon failed");
    return out;
}

static int run_prog(const char *prog, const char *flags, const char *arg, struct run_result *r)
{
    cr_assert_eq(run_flagged(prog, arg, flags, r), 0);
    cr_assert(WIFEXITED(r->status) && WEXITSTATUS(r->status) == 0, "%s: %s", prog, r->err);
    return r->pid;
}

static void check_selfalloc(const char *flags)
{
    struct run_result r;
    int pid = run_prog("tests/progs/selfalloc", flags, NULL, &r);
    char *tags = mon_by(pid, "tag");
    struct tag_counts c;
    cr_assert_eq(csv_tag_counts(tags, pid, "Str", &c), 0);
    cr_expect_eq(c.rows, 1, "%s: one Str row:\n%s", flags, tags);
    cr_expect_eq(c.allocs, 200, "%s: Str allocs %lu, want 200:\n%s", flags, c.allocs, tags);
    cr_expect_eq(c.frees, 0, "%s: Str frees %lu, want 0:\n%s", flags, c.frees, tags);
    cr_expect_null(strstr(tags, "libunwind"), "%s: a libunwind row:\n%s", flags, tags);
    cr_expect_null(strstr(tags, "libheaptag"), "%s: a shim row:\n%s", flags, tags);
    char *mods = mon_by(pid, "module");
    cr_expect_null(strstr(mods, "libunwind"), "%s: a libunwind module row:\n%s", flags, mods);
    cr_expect_null(strstr(mods, "libheaptag"), "%s: a shim module row:\n%s", flags, mods);
    free(mods);
    free(tags);
    segment_remove(pid);
    run_free(&r);
}

Test(accounting, shim_work_is_not_the_programs_ptg)
{
    check_selfalloc("+ptg");
}

Test(accounting, shim_work_is_not_the_programs_ptg_ust)
{
    check_selfalloc("+ptg+ust");
}

static void expect_tag(const char *csv, int pid, const char *tag, uint64_t allocs,
                       uint64_t frees, uint64_t bytes)
{
    struct tag_counts c;
    cr_assert_eq(csv_tag_counts(csv, pid, tag, &c), 0);
    cr_expect_eq(c.rows, 1, "one %s row:\n%s", tag, csv);
    cr_expect(c.allocs == allocs && c.frees == frees && c.bytes == bytes,
              "%s: %lu allocs %lu frees %lu bytes, want %lu %lu %lu:\n%s", tag, c.allocs,
              c.frees, c.bytes, allocs, frees, bytes, csv);
}

static void check_htd(const char *flags)
{
    struct run_result r;
    int pid = run_prog("tests/progs/htdtags", flags, NULL, &r);
    char *csv = mon_by(pid, "tag");
    expect_tag(csv, pid, "HtdA", 7, 0, 70);
    expect_tag(csv, pid, "HtdB", 3, 0, 90);
    /* only the untagged blocks group by module */
    expect_tag(csv, pid, "htdtags", 5, 2, 60);
    cr_expect(strstr(csv, ",htdtags,Mod,5,2,3,60,"), "the module row:\n%s", csv);
    free(csv);
    segment_remove(pid);
    run_free(&r);
}

Test(accounting, htd_keeps_explicit_tags)
{
    check_htd("+ptg+htd");
}

Test(accounting, htd_keeps_explicit_tags_under_checks)
{
    check_htd("+ptg+htd+htc+hfc");
}
