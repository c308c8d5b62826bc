/* SPDX-License-Identifier: MIT
 * test_children.c - `--children` with -p for mon, dump and export: every
 * descendant that carries the shim (forked, forked twice, exec'd with the
 * shim inherited), each its own process, found after they all exited.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "harness.h"

TestSuite(children, .timeout = 120);

struct family {
    int parent, child1, child2, grandchild;
};

static void run_family(struct family *f, struct run_result *r)
{
    const char *argv[] = { build_path("tests/progs/forkkids"), NULL };
    cr_assert_eq(run_cmd(argv, NULL, 1, NULL, r), 0);
    cr_assert(WIFEXITED(r->status) && WEXITSTATUS(r->status) == 0, "%s", r->err);
    f->parent = find_pid(r->out, "pid ");
    f->child1 = find_pid(r->out, "child1 ");
    f->child2 = find_pid(r->out, "child2 ");
    f->grandchild = find_pid(r->out, "grandchild ");
    cr_assert(f->parent > 0 && f->child1 > 0 && f->child2 > 0 && f->grandchild > 0, "%s",
              r->out);
    cr_assert_eq(f->parent, r->pid);
}

static void remove_family(const struct family *f)
{
    segment_remove(f->parent);
    segment_remove(f->child1);
    segment_remove(f->child2);
    segment_remove(f->grandchild);
}

/* The tool's stdout for argv (exit 0), malloc'd. */
static char *tool(const char *const argv[])
{
    struct run_result r;
    cr_assert_eq(run_cmd(argv, NULL, 0, NULL, &r), 0);
    cr_assert_eq(r.status, 0, "%s failed: %s", argv[1], r.err);
    char *out = strdup(r.out);
    run_free(&r);
    return out;
}

static void expect_counts(const char *csv, int pid, const char *tag, uint64_t allocs,
                          uint64_t bytes)
{
    struct tag_counts c;
    cr_assert_eq(csv_tag_counts(csv, pid, tag, &c), 0);
    cr_expect(c.allocs == allocs && c.frees == 0 && c.bytes == bytes,
              "pid %d %s: %lu allocs %lu frees %lu bytes, want %lu 0 %lu:\n%s", pid, tag,
              c.allocs, c.frees, c.bytes, allocs, bytes, csv);
}

Test(children, mon_shows_and_sums_every_descendant)
{
    struct run_result r;
    struct family f;
    run_family(&f, &r);
    char pid[16];
    snprintf(pid, sizeof pid, "%d", f.parent);
    const char *argv[] = { build_path("heaptag"), "mon", "-p", pid, "--children", "-n", "1",
                           "--format", "csv", NULL };
    char *csv = tool(argv);
    /* each its own process */
    expect_counts(csv, f.parent, "Par", 5, 320);
    expect_counts(csv, f.child1, "Kid", 10, 320);
    expect_counts(csv, f.child2, "Kid", 20, 640);
    expect_counts(csv, f.grandchild, "Grand", 7, 112);
    /* and summed */
    expect_counts(csv, 0, "Kid", 30, 960);
    expect_counts(csv, 0, "Grand", 7, 112);
    expect_counts(csv, 0, "Par", 5, 320);
    free(csv);

    /* without --children: the parent alone */
    const char *alone[] = { build_path("heaptag"), "mon", "-p", pid, "-n", "1", "--format",
                            "csv", NULL };
    csv = tool(alone);
    expect_counts(csv, 0, "Kid", 0, 0);
    expect_counts(csv, 0, "Par", 5, 320);
    free(csv);
    remove_family(&f);
    run_free(&r);
}

Test(children, dump_and_export_take_them_too)
{
    struct run_result r;
    struct family f;
    run_family(&f, &r);
    char pid[16], want[64];
    snprintf(pid, sizeof pid, "%d", f.parent);
    const char *dump[] = { build_path("heaptag"), "dump", "-p", pid, "--children", NULL };
    char *out = tool(dump);
    int pids[] = { f.parent, f.child1, f.child2, f.grandchild };
    for (int i = 0; i < 4; i++) {
        snprintf(want, sizeof want, "\nprocess pid=%d ", pids[i]);
        cr_expect(strstr(out, want), "no %s in:\n%s", want, out);
    }
    cr_expect(strncmp(out, "heaptag-dump 1\nprocess pid=", 27) == 0, "%s", out);
    cr_expect(strstr(out, "label=Grand\n") && strstr(out, "label=Kid\n"), "%s", out);
    free(out);

    const char *exp[] = { build_path("heaptag"), "export", "--prometheus", "-p", pid,
                          "--children", NULL };
    out = tool(exp);
    for (int i = 1; i < 4; i++) {
        snprintf(want, sizeof want, "heaptag_allocations_total{pid=\"%d\"", pids[i]);
        cr_expect(strstr(out, want), "no %s in:\n%s", want, out);
    }
    free(out);

    /* --children needs -p */
    const char *bad[] = { build_path("heaptag"), "mon", "--children", "-n", "1", NULL };
    struct run_result b;
    cr_assert_eq(run_cmd(bad, NULL, 0, NULL, &b), 0);
    cr_expect(WIFEXITED(b.status) && WEXITSTATUS(b.status) == 2, "%s", b.err);
    run_free(&b);
    remove_family(&f);
    run_free(&r);
}
