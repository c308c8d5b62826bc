/* SPDX-License-Identifier: MIT
 * test_shm_limits.c - /dev/shm as containers have it: full (a private 1 MB
 * tmpfs in a mount namespace of our own), shared by two PID namespaces whose
 * pid 1 is tagged, and filled by kept segments. Never touches the real
 * /dev/shm beyond our own files. Needs root and unshare; skipped otherwise.
 */
#include <criterion/criterion.h>
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

/* bp() answers in one static buffer: keep copies. */
static const char *bp(const char *rel)
{
    return strdup(build_path(rel));
}

static int count(const char *text, const char *word)
{
    int n = 0;
    for (const char *p = text; (p = strstr(p, word)) != NULL; p++)
        n++;
    return n;
}

/* A full /dev/shm: no signal, one line saying so, and ls lists the process
 * as private (no segment, the shim mapped). */
Test(shm, full_dev_shm_counts_privately)
{
    need_unshare();
    char script[2048];
    snprintf(script, sizeof script,
             "unshare -m sh -c 'mount -t tmpfs -o size=1m tmpfs /dev/shm && "
             "head -c 1000000 /dev/zero > /dev/shm/filler 2>/dev/null; "
             "LD_PRELOAD=%s HEAPTAG_FLAGS=+ptg+ust /usr/bin/python3 -c \"print(sum(range(10**5)))\"; "
             "echo rc=$?; "
             "LD_PRELOAD=%s sleep 3 & sleep 1; %s ls; wait'",
             bp("libheaptag.so"), bp("libheaptag.so"), bp("heaptag"));
    char *out = sh(script);
    cr_expect(strstr(out, "4999950000\nrc=0\n"), "%s", out);
    cr_expect_eq(count(out, "/dev/shm full, counting privately"), 2, "%s", out);
    cr_expect(strstr(out, " private ") && strstr(out, "/usr/bin/sleep"), "%s", out);
    cr_expect(strstr(out, "; not visible: "), "%s", out);
    free(out);
}

/* Kept segments of exited processes stay under HEAPTAG_KEEP_MAX_MB: the
 * oldest go first; the newest is still there. */
Test(shm, kept_segments_are_capped)
{
    need_unshare();
    char script[2048];
    snprintf(script, sizeof script,
             "unshare -m sh -c 'mount -t tmpfs -o size=64m tmpfs /dev/shm && "
             "for i in $(seq 1 30); do HEAPTAG_KEEP=1 HEAPTAG_KEEP_MAX_MB=1 LD_PRELOAD=%s "
             "%s basic > /dev/null || echo FAIL; done; "
             "echo files=$(ls /dev/shm | wc -l); echo kb=$(du -sk /dev/shm | cut -f1); "
             "HEAPTAG_KEEP=1 LD_PRELOAD=%s %s basic; %s ls | tail -n 1'",
             bp("libheaptag.so"), bp("tests/progs/patterns"),
             bp("libheaptag.so"), bp("tests/progs/patterns"),
             bp("heaptag"));
    char *out = sh(script);
    cr_expect_null(strstr(out, "FAIL"), "%s", out);
    const char *f = strstr(out, "files="), *k = strstr(out, "kb=");
    cr_assert(f && k, "%s", out);
    int files = atoi(f + 6), kb = atoi(k + 3);
    cr_expect(files > 1 && files < 30, "the cap removed none or all: %s", out);
    cr_expect_leq(kb, 1024 + 512, "kept segments over the cap: %s", out);
    cr_expect(strstr(out, "segments: 0 live, "), "%s", out);
    free(out);
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
