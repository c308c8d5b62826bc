/* SPDX-License-Identifier: MIT
 * test_callers.c - the ways to a call site the shim's unwinder must survive
 * (tests/progs/callers): forks while threads allocate from generated code
 * (no child waits on the loader's lock), frame-pointer functions without
 * locals, bogus return addresses into a library's PROT_NONE hole, a library
 * unloaded and another loaded at its address, signal handlers that
 * siglongjmp out of the shim, one allocating frame reached at one stack
 * pointer through different callers (a remembered walk must not answer for
 * another), and many call sites met for the first time (their rules learnt
 * without asking the kernel).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "harness.h"

TestSuite(callers, .timeout = 240);

/* prog: tests/progs/callers, or callers_o2 (the same at -O2, no frame
 * pointers) */
static void run_callers_of(const char *prog, const char *mode, const char *flags,
                           struct run_result *r)
{
    char flagenv[64], dir[4096], bin[128];
    snprintf(flagenv, sizeof flagenv, "HEAPTAG_FLAGS=%s", flags);
    snprintf(dir, sizeof dir, "%s", build_path("tests/progs"));
    snprintf(bin, sizeof bin, "tests/progs/%s", prog);
    const char *env[] = { flagenv, NULL };
    const char *argv[] = { build_path(bin), mode, dir, NULL };
    cr_assert_eq(run_cmd(argv, env, 1, NULL, r), 0);
    cr_assert(WIFEXITED(r->status) && WEXITSTATUS(r->status) == 0 && strstr(r->out, "ok"),
              "%s under %s: status %d, out: %s err: %s", mode, flags, r->status, r->out, r->err);
}

static void run_callers(const char *mode, const char *flags, struct run_result *r)
{
    run_callers_of("callers", mode, flags, r);
}

static char *dump_of(int pid)
{
    char *out = tool_pid_out("dump", pid, NULL);
    cr_assert_not_null(out, "dump failed");
    return out;
}

/* The row line whose next line is "  at FUNC ..." and holds counts. */
static int has_row(const char *dump, const char *func, const char *counts)
{
    char pat[128];
    snprintf(pat, sizeof pat, "\n  at %s ", func);
    for (const char *at = strstr(dump, pat); at; at = strstr(at + 1, pat)) {
        const char *row = at;
        while (row > dump && row[-1] != '\n')
            row--;
        if (strncmp(row, "row ", 4) == 0 && strstr(row, counts) && strstr(row, counts) < at)
            return 1;
    }
    return 0;
}

/* The stack entry (under ust) whose counts are counts: its text up to the
 * next entry, malloc'd, or NULL. */
static char *stack_with(const char *dump, const char *counts)
{
    for (const char *s = strstr(dump, "\nstack "); s; s = strstr(s + 1, "\nstack ")) {
        const char *eol = strchr(s + 1, '\n');
        const char *c = strstr(s, counts);
        if (!c || !eol || c > eol)
            continue;
        const char *end = strstr(eol, "\nstack ");
        if (!end)
            end = strstr(eol, "\nend");
        size_t n = end ? (size_t)(end - s) : strlen(s);
        return strndup(s, n);
    }
    return NULL;
}

static void done(struct run_result *r, char *dump)
{
    free(dump);
    segment_remove(r->pid);
    run_free(r);
}

/* 60 forks while three threads allocate through generated code (64 new call
 * sites per page), under ptg and ptg+ust, three times each: every child exits
 * (the program kills one that has not within 10 s and fails), and no
 * allocation called dl_iterate_phdr. */
Test(callers, forks_while_jit_code_allocates)
{
    static const char *const flags[] = { "+ptg", "+ptg+ust" };
    for (int round = 0; round < 3; round++)
        for (int i = 0; i < 2; i++) {
            struct run_result r;
            run_callers("jitfork", flags[i], &r);
            /* the loader's lock is never taken inside malloc (the program
             * counts the shim's calls of dl_iterate_phdr meanwhile) */
            cr_expect(strstr(r.out, "iterate_calls=0\n"), "%s: %s", flags[i], r.out);
            const char *kids = strstr(r.out, "children");
            cr_assert_not_null(kids, "%s", r.out);
            /* the children kept their segments too */
            int removed = 0;
            const char *p = kids + strlen("children");
            char *end;
            long pid;
            while ((pid = strtol(p, &end, 10)) > 0) {
                segment_remove((int)pid);
                removed++;
                p = end;
            }
            cr_expect_eq(removed, 60, "%s", r.out);
            segment_remove(r.pid);
            run_free(&r);
        }
}

/* rbp == rsp at the call in a generated frame-pointer function: the walk goes
 * on to its C caller. */
Test(callers, frame_without_locals_is_walked)
{
    struct run_result r;
    run_callers("nolocals", "+ptg+ust", &r);
    char *d = dump_of(r.pid);
    char *st = stack_with(d, "allocs=7 frees=0 live_allocs=7 live_bytes=392");
    cr_assert_not_null(st, "%s", d);
    cr_expect(strstr(st, "\n  #1 via_nolocals "), "%s", st);
    free(st);
    done(&r, d);
}

/* Return addresses into a PROT_NONE hole between libholes.so's segments, into
 * a mapping made unreadable, at the null page and the stack: the host exits 0. */
Test(callers, bogus_return_addresses)
{
    static const char *const flags[] = { "+ptg", "+ptg+ust", "+ptg+ust+hfc" };
    for (int i = 0; i < 3; i++) {
        struct run_result r;
        run_callers("bogusret", flags[i], &r);
        cr_expect(strstr(r.out, "hole=yes"), "no hole found: %s", r.out);
        segment_remove(r.pid);
        run_free(&r);
    }
}

/* dlopen A, allocate 5, dlclose A, dlopen B at A's address, allocate 9: B's
 * function has a row of its own with exactly its 9, A's 5 stay apart, each
 * named after its own library (rows and stacks). */
static void check_dlswap(const char *flags)
{
    struct run_result r;
    run_callers("dlswap", flags, &r);
    cr_assert(strstr(r.out, "same_address=1"), "B not loaded at A's address: %s", r.out);
    char *d = dump_of(r.pid);
    cr_expect(has_row(d, "plugB_fill", "allocs=9 frees=0 live_allocs=9 live_bytes=360 "), "%s", d);
    cr_expect(has_row(d, "plugA_fill", "allocs=5 frees=0 live_allocs=5 live_bytes=160 "), "%s", d);
    cr_expect_null(strstr(d, "allocs=14 "), "B charged to A's row:\n%s", d);
    if (strstr(flags, "ust")) {
        char *st = stack_with(d, "allocs=9 frees=0 live_allocs=9 live_bytes=360");
        cr_assert_not_null(st, "%s", d);
        cr_expect(strstr(st, "\n  #0 plugB_fill ") && strstr(st, "\n  #1 plug_alloc ") &&
                      strstr(st, " mode_dlswap ") && !strstr(st, "libplugA"),
                  "%s", st);
        free(st);
        st = stack_with(d, "allocs=5 frees=0 live_allocs=5 live_bytes=160");
        cr_assert_not_null(st, "%s", d);
        cr_expect(strstr(st, "\n  #0 plugA_fill ") && !strstr(st, "libplugB"), "%s", st);
        free(st);
    }
    done(&r, d);
}

Test(callers, library_replaced_at_same_address) { check_dlswap("+ptg"); }
Test(callers, library_replaced_at_same_address_ust) { check_dlswap("+ptg+ust"); }

/* Thousands of siglongjmps out of a handler that interrupted the shim: the
 * host lives, and the thread is counted as before afterwards (its 11 blocks
 * in a row of their own; under ust with their whole stack). */
static void check_sigjump(const char *flags)
{
    struct run_result r;
    run_callers("sigjump", flags, &r);
    cr_assert(strstr(r.out, "in_shim="), "%s", r.out);
    cr_expect(!strstr(r.out, "in_shim=0 "), "no jump left the shim: %s", r.out);
    char *d = dump_of(r.pid);
    cr_expect(has_row(d, "in_after_jumps", "allocs=11 frees=0 live_allocs=11 live_bytes=792 "),
              "%s", d);
    if (strstr(flags, "ust")) {
        char *st = stack_with(d, "allocs=11 frees=0 live_allocs=11 live_bytes=792");
        cr_assert_not_null(st, "no stack for the blocks after the jumps:\n%s", d);
        cr_expect(strstr(st, "\n  #0 in_after_jumps ") && strstr(st, "\n  #1 mode_sigjump "),
                  "%s", st);
        free(st);
    }
    done(&r, d);
}

Test(callers, siglongjmp_out_of_the_shim) { check_sigjump("+ptg"); }
Test(callers, siglongjmp_out_of_the_shim_ust) { check_sigjump("+ptg+ust"); }

/* samesp_leaf() at one stack pointer through samesp_path_a() (300 blocks)
 * and samesp_path_b() (700), taking turns, then one call of path a, every
 * third time under the tag Smsp (100 tagged, 200 not): each stack has its
 * own exact counts and callers, and each its row (the tag's or the site's). */
static void check_samesp(const char *prog)
{
    struct run_result r;
    run_callers_of(prog, "samesp", "+ptg+ust", &r);
    cr_assert(strstr(r.out, "same_sp=1"), "the calls did not share a stack pointer: %s", r.out);
    char *d = dump_of(r.pid);
    char *a = stack_with(d, "allocs=300 frees=0 live_allocs=300 live_bytes=14400");
    char *b = stack_with(d, "allocs=700 frees=0 live_allocs=700 live_bytes=33600");
    char *u = stack_with(d, "allocs=200 frees=0 live_allocs=200 live_bytes=19200");
    char *t = stack_with(d, "allocs=100 frees=0 live_allocs=100 live_bytes=9600");
    cr_assert(a && b && u && t, "stacks missing:\n%s", d);
    cr_expect(strstr(a, "\n  #0 samesp_leaf ") && strstr(a, " samesp_path_a ") &&
                  !strstr(a, "samesp_path_b"), "%s", a);
    cr_expect(strstr(b, "\n  #0 samesp_leaf ") && strstr(b, " samesp_path_b ") &&
                  !strstr(b, "samesp_path_a"), "%s", b);
    cr_expect(strstr(u, " samesp_path_a ") && strstr(t, " samesp_path_a "), "%s%s", u, t);
    cr_expect(has_row(d, "samesp_leaf", "Site allocs=1200 frees=0 live_allocs=1200 live_bytes=67200 "),
              "%s", d);
    /* the tagged blocks' stack is charged to the tag's row, the others not */
    const char *tag = strstr(d, " Tag allocs=100 frees=0 live_allocs=100 live_bytes=9600 label=Smsp\n");
    cr_assert_not_null(tag, "%s", d);
    const char *line = tag;
    while (line > d && line[-1] != '\n')
        line--;
    int tag_row = -1;
    cr_assert_eq(sscanf(line, "row %d ", &tag_row), 1, "%s", line);
    char want[32];
    snprintf(want, sizeof want, " row=%d allocs=100 ", tag_row);
    cr_expect(strstr(t, want), "tagged stack not in row %d:\n%s", tag_row, t);
    cr_expect(!strstr(u, want) && !strstr(a, want), "untagged stack in the tag's row:\n%s%s", u, a);
    free(a);
    free(b);
    free(u);
    free(t);
    done(&r, d);
}

Test(callers, one_frame_at_one_stack_pointer_through_two_callers)
{
    check_samesp("callers");
}

/* The same built at -O2 without frame pointers: no walk needs the caller's
 * rbp, so a walk is repeated from the hook's frame alone (at -O1, with frame
 * pointers, the rbp is needed and found through the shim's frames first). */
Test(callers, one_frame_at_one_stack_pointer_through_two_callers_o2)
{
    check_samesp("callers_o2");
}

/* How many lines of the dump begin with start and hold counts. */
static int lines_with(const char *dump, const char *start, const char *counts)
{
    int n = 0;
    for (const char *s = dump; (s = strstr(s, start)) != NULL; s++) {
        const char *eol = strchr(s + 1, '\n'), *c = strstr(s, counts);
        n += c && eol && c < eol;
    }
    return n;
}

/* 512 call sites, each called twice (tests/progs/coldsites): every rule the
 * walks need is learnt from the objects' unwind tables, whose code is read
 * directly; the kernel is asked (a readability question: getpid, then
 * process_vm_readv, each a microsecond or more) only for the stack's range.
 * It once asked for every new return address: 674 questions here, and a
 * seventh of clang++'s time under ust. Each site and each stack counted
 * exactly. */
Test(callers, new_call_sites_learnt_without_asking_the_kernel)
{
    char flagenv[] = "HEAPTAG_FLAGS=+ptg+ust";
    const char *env[] = { flagenv, NULL };
    const char *argv[] = { build_path("tests/progs/coldsites"), NULL };
    struct run_result r;
    cr_assert_eq(run_cmd(argv, env, 1, NULL, &r), 0);
    cr_assert(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0 && strstr(r.out, "ok"),
              "status %d, out: %s err: %s", r.status, r.out, r.err);
    int asked = -1, calls = -1;
    cr_assert_eq(sscanf(r.out, "asked=%d calls=%d", &asked, &calls), 2, "%s", r.out);
    cr_expect_eq(calls, 1024);
    cr_expect(asked >= 0 && asked < 32, "the kernel was asked %d times", asked);
    char *d = dump_of(r.pid);
    /* each site's row has its two blocks; each call its stack (main calls
     * from two places: the compiler unrolls the two rounds) */
    int rows = lines_with(d, "\nrow ", " Site allocs=2 frees=0 live_allocs=2 ");
    int stacks = lines_with(d, "\nstack ", " allocs=1 frees=0 live_allocs=1 ");
    cr_expect_eq(rows, 512, "%d rows of two blocks:\n%.4000s", rows, d);
    cr_expect_geq(stacks, 1024, "%d stacks of one block:\n%.4000s", stacks, d);
    done(&r, d);
}
