/* SPDX-License-Identifier: MIT
 * test_host_chain.c - the shim inside programs that bring their own
 * allocator: over jemalloc, tcmalloc and mimalloc (shim first) it counts
 * exactly as over glibc; with the allocator first, or an executable with its
 * own malloc, it stands aside (a "passive" segment, nothing counted) and the
 * program runs as without it. Allocators not installed are skipped.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "heaptag_segment.h"

#define LIBDIR "/usr/lib/x86_64-linux-gnu/"

static const char *const allocators[] = {
    LIBDIR "libjemalloc.so.2",
    LIBDIR "libtcmalloc_minimal.so.4",
    LIBDIR "libmimalloc.so.2",
};

TestSuite(chain, .timeout = 120);

/* Runs prog with LD_PRELOAD=preload (NULL: none) and the segment kept. */
static struct run_result run_with2(const char *prog, const char *arg, const char *preload);

static struct run_result run_with(const char *prog, const char *preload)
{
    return run_with2(prog, NULL, preload);
}

static struct run_result run_with2(const char *prog, const char *arg, const char *preload)
{
    char env_pre[1024];
    snprintf(env_pre, sizeof env_pre, "LD_PRELOAD=%s", preload ? preload : "");
    char path[4096]; /* build_path() reuses its buffers */
    snprintf(path, sizeof path, "%s", build_path(prog));
    const char *argv[] = { path, arg, NULL };
    const char *env[] = { env_pre, "HEAPTAG_KEEP=1", NULL };
    struct run_result r;
    cr_assert_eq(run_cmd(argv, env, 0, NULL, &r), 0);
    return r;
}

/* The Tag rows of pid as "tag,allocs,frees,diff,bytes" lines, sorted. */
static char *tag_rows(int pid)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd,
             "%s mon -p %d -n 1 --format csv | awk -F, '$4 == \"Tag\" { print $3\",\"$5\",\"$6\",\"$7\",\"$8 }' | sort",
             build_path("heaptag"), pid);
    FILE *f = popen(cmd, "r");
    cr_assert_not_null(f);
    char *buf = calloc(1, 65536);
    size_t n = fread(buf, 1, 65535, f);
    buf[n] = '\0';
    pclose(f);
    return buf;
}

/* The mode word of pid's segment, or -1 without one. */
static int seg_mode(int pid)
{
    char path[96];
    struct ht_seg_header h;
    int fd = open(segment_path(path, sizeof path, pid), O_RDONLY);
    if (fd < 0)
        return -1;
    ssize_t n = pread(fd, &h, sizeof h, 0);
    close(fd);
    return n == (ssize_t)sizeof h && h.magic == HT_SEG_MAGIC ? (int)h.mode : -1;
}

Test(chain, shim_first_counts_exactly_as_over_glibc)
{
    char pre[1024];
    snprintf(pre, sizeof pre, "%s", build_path("libheaptag.so"));
    struct run_result base = run_with("tests/progs/chain_cxx", pre);
    cr_assert_eq(base.status, 0, "%s", base.err);
    char *want = tag_rows(base.pid);
    cr_assert(strstr(want, "Chn2,"), "%s", want);
    segment_remove(base.pid);
    for (size_t i = 0; i < sizeof allocators / sizeof *allocators; i++) {
        if (access(allocators[i], R_OK) != 0) {
            cr_log_warn("%s not installed: skipped", allocators[i]);
            continue;
        }
        snprintf(pre, sizeof pre, "%s:%s", build_path("libheaptag.so"), allocators[i]);
        struct run_result r = run_with("tests/progs/chain_cxx", pre);
        cr_expect_eq(r.status, 0, "%s: status %d: %s", allocators[i], r.status, r.err);
        cr_expect_str_eq(r.err, "", "%s", allocators[i]);
        char *got = tag_rows(r.pid);
        cr_expect_str_eq(got, want, "over %s", allocators[i]);
        cr_expect_eq(seg_mode(r.pid), HT_SEG_COUNTING);
        free(got);
        segment_remove(r.pid);
        run_free(&r);
    }
    free(want);
    run_free(&base);
}

/* The pattern program's modes: every tag row the same over each allocator
 * as over glibc (the unwinder's own allocations are never counted). */
Test(chain, patterns_count_the_same_over_every_allocator)
{
    static const char *const modes[] = { "basic", "realloc", "aligned", "calloc", "libc" };
    char pre[1024];
    for (size_t m = 0; m < sizeof modes / sizeof *modes; m++) {
        snprintf(pre, sizeof pre, "%s", build_path("libheaptag.so"));
        struct run_result base = run_with2("tests/progs/patterns", modes[m], pre);
        cr_assert_eq(base.status, 0, "%s", base.err);
        char *want = tag_rows(base.pid);
        cr_assert_neq(want[0], '\0', "%s: no tag rows", modes[m]);
        segment_remove(base.pid);
        for (size_t i = 0; i < sizeof allocators / sizeof *allocators; i++) {
            if (access(allocators[i], R_OK) != 0)
                continue;
            snprintf(pre, sizeof pre, "%s:%s", build_path("libheaptag.so"), allocators[i]);
            struct run_result r = run_with2("tests/progs/patterns", modes[m], pre);
            cr_expect_eq(r.status, 0, "%s over %s: %s", modes[m], allocators[i], r.err);
            char *got = tag_rows(r.pid);
            cr_expect_str_eq(got, want, "%s over %s", modes[m], allocators[i]);
            free(got);
            segment_remove(r.pid);
            run_free(&r);
        }
        free(want);
        run_free(&base);
    }
}

Test(chain, allocator_first_runs_as_without_the_shim)
{
    struct run_result plain = run_with("tests/progs/chain_cxx", NULL);
    cr_assert_eq(plain.status, 0, "%s", plain.err);
    for (size_t i = 0; i < sizeof allocators / sizeof *allocators; i++) {
        if (access(allocators[i], R_OK) != 0)
            continue;
        char pre[1024];
        snprintf(pre, sizeof pre, "%s:%s", allocators[i], build_path("libheaptag.so"));
        struct run_result r = run_with("tests/progs/chain_cxx", pre);
        cr_expect_eq(r.status, 0, "%s first: status %d: %s", allocators[i], r.status, r.err);
        cr_expect_str_eq(r.err, "", "%s", allocators[i]);
        cr_expect_eq(strncmp(r.out, plain.out, strcspn(plain.out, "\n")), 0);
        cr_expect_eq(seg_mode(r.pid), HT_SEG_PASSIVE, "%s first: not marked passive",
                     allocators[i]);
        char *rows = tag_rows(r.pid);
        cr_expect_str_eq(rows, "", "%s first: counted %s", allocators[i], rows);
        free(rows);
        segment_remove(r.pid);
        run_free(&r);
    }
    run_free(&plain);
}

Test(chain, own_malloc_in_the_executable)
{
    struct run_result plain = run_with("tests/progs/ownmalloc", NULL);
    cr_assert_eq(plain.status, 0, "%s", plain.err);
    struct run_result r = run_with("tests/progs/ownmalloc", build_path("libheaptag.so"));
    cr_expect_eq(r.status, 0, "status %d: %s", r.status, r.err);
    cr_expect_str_eq(r.out, plain.out);
    cr_expect_str_eq(r.err, plain.err);
    cr_expect_eq(seg_mode(r.pid), HT_SEG_PASSIVE);
    segment_remove(r.pid);
    run_free(&r);
    run_free(&plain);
}

/* ls names a passive process so. */
Test(chain, ls_says_nothing_is_counted)
{
    if (access(allocators[0], R_OK) != 0)
        cr_skip_test("no jemalloc");
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "LD_PRELOAD=%s:%s sleep 3 & sleep 1; %s ls 2>/dev/null | grep \" $! \"; "
             "%s flags -p $! +ust 2>&1; wait",
             allocators[0], build_path("libheaptag.so"), build_path("heaptag"),
             build_path("heaptag"));
    FILE *f = popen(cmd, "r");
    char line[512] = "";
    cr_assert_not_null(f);
    char flags[512] = "";
    cr_expect_not_null(fgets(line, sizeof line, f));
    cr_expect_not_null(fgets(flags, sizeof flags, f));
    pclose(f);
    cr_expect(strstr(line, " passive "), "ls: %s", line);
    cr_expect(strstr(flags, "not counting"), "flags -p: %s", flags);
}

/* A real program over each allocator with the shim first: python3 with
 * PYTHONMALLOC=malloc frees blocks the allocator handed out before the shim
 * started, some at the very start of a mapping (nothing readable in front of
 * them); the output is the same as without the shim. */
Test(chain, python_over_every_allocator_as_without_the_shim)
{
    const char *script = "d = {str(i): [i] * (i % 7) for i in range(40000)}\n"
                         "s = ''.join(k for k in d if len(d[k]) == 3)\n"
                         "print(len(d), len(s), sum(map(len, d.values())))\n";
    const char *argv[] = { "/usr/bin/python3", "-c", script, NULL };
    const char *env_plain[] = { "PYTHONMALLOC=malloc", NULL };
    struct run_result plain;
    cr_assert_eq(run_cmd(argv, env_plain, 0, NULL, &plain), 0);
    cr_assert_eq(plain.status, 0, "%s", plain.err);
    for (size_t i = 0; i < sizeof allocators / sizeof *allocators; i++) {
        if (access(allocators[i], R_OK) != 0)
            continue;
        char pre[1024];
        snprintf(pre, sizeof pre, "LD_PRELOAD=%s:%s", build_path("libheaptag.so"), allocators[i]);
        const char *env[] = { "PYTHONMALLOC=malloc", pre, NULL };
        struct run_result r;
        cr_assert_eq(run_cmd(argv, env, 0, NULL, &r), 0);
        cr_expect_eq(r.status, 0, "%s: status %d: %s", allocators[i], r.status, r.err);
        cr_expect_str_eq(r.out, plain.out, "%s", allocators[i]);
        run_free(&r);
    }
    run_free(&plain);
}

/* Blocks beginning at a page start have their header on the page before: over
 * glibc it is read as glibc's free reads there itself, over another allocator
 * only once the kernel says the page is mapped; with process_vm_readv refused
 * by a seccomp filter (a container's default profile) neither may abort the
 * host or lose a count. Over every allocator, with and without the filter. */
Test(chain, page_start_blocks_counted_under_seccomp)
{
    const char *libs[] = { "", allocators[0], allocators[1], allocators[2] };
    const char *modes[] = { "seccomp", "open" };
    for (size_t i = 0; i < sizeof libs / sizeof *libs; i++) {
        if (*libs[i] && access(libs[i], R_OK) != 0)
            continue;
        for (size_t m = 0; m < 2; m++) {
            char pre[1024];
            snprintf(pre, sizeof pre, "%s%s%s", build_path("libheaptag.so"), *libs[i] ? ":" : "",
                     libs[i]);
            struct run_result r = run_with2("tests/progs/pagestart", modes[m], pre);
            cr_expect_eq(r.status, 0, "%s %s: status %d: %s", libs[i], modes[m], r.status, r.err);
            const char *at = strstr(r.out, "pagestart ");
            /* the test means something only if some block began a page */
            cr_expect(at && atol(at + 10) > 0, "%s %s: %s", libs[i], modes[m], r.out);
            char *rows = tag_rows(r.pid);
            cr_expect(strstr(rows, "Page,20000,20000,0,0\n") != NULL, "%s %s: %s", libs[i],
                      modes[m], rows);
            free(rows);
            segment_remove(r.pid);
            run_free(&r);
        }
    }
}
