/* SPDX-License-Identifier: MIT
 * test_shm_limits.c - /dev/shm as containers have it: full (a private 1 MB
 * tmpfs in a mount namespace of our own), shared by two PID namespaces whose
 * pid 1 is tagged, and filled by kept segments. Never touches the real
 * /dev/shm beyond our own files. Needs root and unshare; skipped otherwise.
 */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

TestSuite(shm, .timeout = 120);

static void need_unshare(void)
{
    if (geteuid() != 0 || system("unshare -m -p -f --mount-proc true 2>/dev/null") != 0)
        cr_skip_test("needs root and unshare");
}

/* Runs a shell script, returns its stdout and stderr together (malloc'd). */
static char *sh(const char *script)
{
    char *cmd;
    cr_assert_gt(asprintf(&cmd, "( %s ) 2>&1", script), 0);
    FILE *f = popen(cmd, "r");
    cr_assert_not_null(f);
    char *buf = calloc(1, 1 << 16);
    size_t n = fread(buf, 1, (1 << 16) - 1, f);
    buf[n] = '\0';
    pclose(f);
    free(cmd);
    return buf;
}

/* Runs the script fmt (printf-style) with a private /dev/shm: a tmpfs of
 * size in a mount namespace of our own. Skips the test where that cannot be
 * done. Returns what sh returns. */
__attribute__((format(printf, 2, 3))) static char *sh_private_shm(const char *size,
                                            const char *fmt, ...)
{
    need_unshare();
    char body[4096], script[4200];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(body, sizeof body, fmt, ap);
    va_end(ap);
    cr_assert(n > 0 && (size_t)n < sizeof body);
    snprintf(script, sizeof script,
             "unshare -m sh -c 'mount -t tmpfs -o size=%s tmpfs /dev/shm && %s'", size, body);
    return sh(script);
}

/* bp() answers in one static buffer: keep copies. */
static const char *bp(const char *rel)
{
    return strdup(build_path(rel));
}

/* A full /dev/shm: no signal, one line saying so, and ls lists the process
 * as private (no segment, the shim mapped). */
Test(shm, full_dev_shm_counts_privately)
{
    char *out = sh_private_shm(
        "1m",
        "head -c 1000000 /dev/zero > /dev/shm/filler 2>/dev/null; "
        "LD_PRELOAD=%s HEAPTAG_FLAGS=+ptg+ust /usr/bin/python3 -c \"print(sum(range(10**5)))\"; "
        "echo rc=$?; "
        "LD_PRELOAD=%s sleep 3 & sleep 1; %s ls; wait",
        bp("libheaptag.so"), bp("libheaptag.so"), bp("heaptag"));
    cr_expect(strstr(out, "4999950000\nrc=0\n"), "%s", out);
    cr_expect_eq(count_in(out, "/dev/shm full, counting privately"), 2, "%s", out);
    cr_expect(strstr(out, " private ") && strstr(out, "/usr/bin/sleep"), "%s", out);
    cr_expect(strstr(out, "; not visible: "), "%s", out);
    free(out);
}

/* Kept segments stay under HEAPTAG_KEEP_MAX_MB per run (process tree),
 * forked children included: one `heaptag run +ust` of a program forking 60
 * children that each exit with a kept segment; the oldest go first, the
 * parent's (the newest) stays, and mon -p of a removed child names the cap.
 * Then another run of the same user: it never removes what the first run
 * kept. */
Test(shm, kept_segments_are_capped_per_run)
{
    char *out = sh_private_shm(
        "64m",
        "HEAPTAG_KEEP_MAX_MB=1 %s run +ust -- %s seq 60 50 > /tmp/ht_cap_run1.$$ || echo FAIL; "
        "echo kb=$(du -sk /dev/shm | cut -f1); echo files=$(ls /dev/shm | grep -vc capped); "
        "p=$(sed -n s/^pid.//p /tmp/ht_cap_run1.$$); "
        "ls /dev/shm | grep -q [.]$p$ && echo parent_kept; "
        "k=$(sed -n s/^kid.//p /tmp/ht_cap_run1.$$ | head -n 1); "
        "%s mon -p $k -n 1 2>&1 | sed s/^/first.kid.../; "
        "ls /dev/shm | grep -v capped | sort > /tmp/ht_cap_first.$$; "
        "HEAPTAG_KEEP_MAX_MB=1 %s run +ust -- %s seq 60 50 > /dev/null || echo FAIL; "
        "ls /dev/shm | grep -v capped | sort | comm -23 /tmp/ht_cap_first.$$ - | sed s/^/lost.../; "
        "rm -f /tmp/ht_cap_run1.$$ /tmp/ht_cap_first.$$",
        bp("heaptag"), bp("tests/progs/manykids"), bp("heaptag"), bp("heaptag"),
        bp("tests/progs/manykids"));
    cr_expect_null(strstr(out, "FAIL"), "%s", out);
    cr_expect(strstr(out, "keep cap removed its segment") &&
              strstr(out, "may use 1 MB (HEAPTAG_KEEP_MAX_MB)"),
              "mon -p of a removed child does not name the cap: %s", out);
    const char *f = strstr(out, "files="), *k = strstr(out, "kb=");
    cr_assert(f && k, "%s", out);
    int files = atoi(f + 6), kb = atoi(k + 3);
    cr_expect(files > 1 && files < 61, "the cap removed none or all: %s", out);
    cr_expect_leq(kb, 1024, "kept segments of one run over the cap: %s", out);
    cr_expect(strstr(out, "parent_kept"), "the newest segment went: %s", out);
    cr_expect_null(strstr(out, "lost..."), "another run removed what the first kept: %s", out);
    free(out);
}

/* The footprint: a small single-threaded program's live segment occupies at
 * most 640 KB of /dev/shm, so a 64 MB /dev/shm holds 100 of them (each with
 * its segment: none counts privately); under +ust too (its 16 MB stack table
 * reserved as stacks land on it: 20 such programs once took all 64 MB and
 * counted privately); once exited, a kept segment of a run under +ust
 * occupies at most 1 MB. */
Test(shm, segments_grow_with_the_program)
{
    char *out = sh_private_shm(
        "64m",
        "HEAPTAG_FLAGS=+ptg LD_PRELOAD=%s %s hold 100 20 > /tmp/ht_hold.$$ & k=$!; "
        "for i in $(seq 1 300); do grep -q ready /tmp/ht_hold.$$ && break; sleep 0.1; done; "
        "%s ls | tail -n 1; echo max=$(du -sk /dev/shm/* | sort -n | tail -n 1 | "
        "cut -f1); kill $k; wait; rm -f /tmp/ht_hold.$$ /dev/shm/*; "
        "HEAPTAG_FLAGS=+ptg+ust LD_PRELOAD=%s %s hold 20 20 > /tmp/ht_hold.$$ & k=$!; "
        "for i in $(seq 1 300); do grep -q ready /tmp/ht_hold.$$ && break; sleep 0.1; done; "
        "echo ust=$(%s ls | tail -n 1); echo umax=$(du -sk /dev/shm/* | sort -n | tail -n 1 | "
        "cut -f1); kill $k; wait; rm -f /tmp/ht_hold.$$ /dev/shm/*; "
        "HEAPTAG_KEEP=1 HEAPTAG_FLAGS=+ptg+ust LD_PRELOAD=%s %s sites 300; "
        "echo exited=$(du -sk /dev/shm | cut -f1)",
        bp("libheaptag.so"), bp("tests/progs/manykids"), bp("heaptag"),
        bp("libheaptag.so"), bp("tests/progs/manykids"), bp("heaptag"),
        bp("libheaptag.so"), bp("tests/progs/manykids"));
    cr_expect(strstr(out, "segments: 101 live, "), "%s", out);
    cr_expect_null(strstr(out, "counting privately"), "%s", out);
    const char *m = strstr(out, "max="), *e = strstr(out, "exited=");
    cr_assert(m && e, "%s", out);
    cr_expect(atoi(m + 4) > 0 && atoi(m + 4) <= 640, "a live segment over 640 KB: %s", out);
    const char *u = strstr(out, "umax=");
    cr_assert_not_null(u, "%s", out);
    cr_expect(strstr(out, "ust=segments: 21 live, "), "%s", out);
    cr_expect(atoi(u + 5) > 0 && atoi(u + 5) <= 640, "a live ust segment over 640 KB: %s", out);
    cr_expect(strstr(out, "ok\n"), "%s", out);
    cr_expect(atoi(e + 7) > 0 && atoi(e + 7) <= 1024, "an exited segment over 1 MB: %s", out);
    free(out);
}

/* /dev/shm fills while the segment grows: new rows go to the overflow row,
 * the program runs on (never a SIGBUS) and every allocation is counted.
 * Under +ust the stack table's pages fill it too: new stacks are dropped
 * (and said to be), nothing else. */
Test(shm, full_dev_shm_while_growing)
{
    const char *flags[] = { "+ptg", "+ptg+ust" };
    for (int i = 0; i < 2; i++) {
        char *out = sh_private_shm(
            "1m",
            "HEAPTAG_KEEP=1 HEAPTAG_FLAGS=%s LD_PRELOAD=%s %s sites 8000; echo rc=$?; "
            "%s ls | tail -n 1",
            flags[i], bp("libheaptag.so"), bp("tests/progs/manykids"), bp("heaptag"));
        cr_expect(strstr(out, "ok\nrc=0"), "%s: %s", flags[i], out);
        cr_expect(strstr(out, "segments: 0 live, 1 exited, 0 dead"), "%s: %s", flags[i], out);
        free(out);
    }
}

/* Two containers sharing /dev/shm, each with a tagged pid 1: two segments,
 * neither removes the other, and the host's ls shows both as another PID
 * namespace's (never dead), and gc leaves the live ones alone. */
Test(shm, pid_namespaces_never_collide)
{
    need_unshare();
    char script[4096];
    const char *prog = bp("tests/progs/patterns");
    snprintf(script, sizeof script,
             "for i in 1 2; do unshare -p -f --mount-proc env LD_PRELOAD=%s HEAPTAG_KEEP=1 "
             "%s sleep > /dev/null & done; sleep 1.5; "
             "files=; for p in $(pgrep -f \"^%s sleep\"); do "
             "files=\"$files /dev/shm/heaptag.$(stat -L -c %%i /proc/$p/ns/pid).1\"; done; "
             "echo ls=$(%s ls | grep -c ' other .*patterns'); "
             "%s gc > /dev/null; echo gc=$(%s ls | grep -c ' other .*patterns'); "
             "kill -KILL $(pgrep -f \"^%s sleep\"); wait; "
             "echo files=$(ls $files | wc -l); rm -f $files",
             bp("libheaptag.so"), prog, prog, bp("heaptag"),
             bp("heaptag"), bp("heaptag"), prog);
    char *out = sh(script);
    cr_expect(strstr(out, "ls=2\n") && strstr(out, "gc=2\n") && strstr(out, "files=2\n"),
              "want 2 segments, kept by gc: %s", out);
    free(out);
}
