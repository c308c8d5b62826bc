/* SPDX-License-Identifier: MIT
 * oracle.c - libunwind as the reference the shim's unwinder answers to. In
 * the test build only: libunwind takes the loader's lock and keeps caches of
 * its own, which the shim proper must never do. Each comparison runs under
 * the shim's recursion guard (anything libunwind allocates is the shim's
 * own, uncounted) and never nests.
 *
 * Counted: walks compared; wrong frames (a position where both have a frame
 * and they differ); walks with one; truncations (the shim stopped before
 * libunwind, below its depth limit); longer walks (libunwind stopped first);
 * walks repeated from the thread's memory (callers/walk_memo.c) among them;
 * sites compared, and of them those found by a hop (callers/hops.c);
 * different callers (the site ptg would charge); starts libunwind could not
 * find. Written at exit, one line, to $HEAPTAG_ORACLE_OUT (appended) or
 * stderr, with the first few differences as module+offset.
 */
#define UNW_LOCAL_ONLY
#include <libunwind.h>

#include "oracle.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "callers/sites.h"
#include "ht_atomic.h"

#define ORACLE_MAX 128
#define SKIP_MAX 64 /* the shim's and libunwind's own frames before r */
#define SAMPLES 12

static uint64_t walks, frames_cmp, wrong, wrong_walks, truncated, longer, callers_differ, lost,
    sites_cmp, hops_cmp, repeated_cmp;
/* the stack pointer of the comparison under way, 0 when none: one left
 * behind by a jump out of a signal handler lies below the current one */
static __thread uint64_t busy __attribute__((tls_model("initial-exec")));
static __thread uint64_t lu[ORACLE_MAX] __attribute__((tls_model("initial-exec")));

static char samples[SAMPLES][320];
static uint32_t n_samples;

/* Frames libunwind finds from the one whose ip is r, at most max; -1 when r
 * is not met. */
static int lu_walk(uint64_t r, uint64_t *out, int max)
{
    unw_context_t uc;
    unw_cursor_t c;
    if (unw_getcontext(&uc) != 0 || unw_init_local(&c, &uc) != 0)
        return -1;
    int k = 0, found = 0;
    for (int i = 0; i < SKIP_MAX + max && k < max; i++) {
        unw_word_t ip = 0;
        if (unw_get_reg(&c, UNW_REG_IP, &ip) != 0)
            break;
        if (!found && ip == r)
            found = 1;
        if (found) {
            if (ip == 0)
                break;
            out[k++] = ip;
        }
        if (unw_step(&c) <= 0)
            break;
    }
    return found ? k : -1;
}

static void where(char *buf, size_t n, uint64_t a)
{
    Dl_info di;
    if (a && dladdr((void *)(uintptr_t)a, &di) && di.dli_fname) {
        const char *b = strrchr(di.dli_fname, '/');
        snprintf(buf, n, "%s+0x%lx", b ? b + 1 : di.dli_fname,
                 (unsigned long)(a - (uint64_t)(uintptr_t)di.dli_fbase));
    } else {
        snprintf(buf, n, "0x%lx", (unsigned long)a);
    }
}

static void sample(const char *what, int at, uint64_t shim, uint64_t ref, uint64_t prev)
{
    uint32_t i = ht_fetch_add_relaxed(&n_samples, 1);
    if (i >= SAMPLES)
        return;
    char a[96], b[96], p[96];
    where(a, sizeof a, shim);
    where(b, sizeof b, ref);
    where(p, sizeof p, prev);
    snprintf(samples[i], sizeof samples[i], "%s at #%d (after %s): shim %s, libunwind %s", what,
             at, p, a, b);
}

static int enter(void)
{
    uint64_t sp = (uint64_t)(uintptr_t)__builtin_frame_address(0);
    if (busy && sp < busy)
        return 0; /* nested: a handler over a comparison */
    busy = sp; /* 0 or above: none under way, or one a jump left behind */
    return 1;
}

void ht_oracle_walk(uint64_t r, const uint64_t *frames, int n, int max, uint64_t picked,
                    int repeated)
{
    if (!enter())
        return;
    if (max > ORACLE_MAX)
        max = ORACLE_MAX;
    int m = lu_walk(r, lu, max);
    if (m < 0) {
        ht_fetch_add_relaxed(&lost, 1);
        busy = 0;
        return;
    }
    ht_fetch_add_relaxed(&walks, 1);
    if (repeated)
        ht_fetch_add_relaxed(&repeated_cmp, 1);
    int common = n < m ? n : m, bad = 0;
    for (int i = 0; i < common; i++) {
        ht_fetch_add_relaxed(&frames_cmp, 1);
        if (frames[i] != lu[i]) {
            if (!bad)
                sample("wrong frame", i, frames[i], lu[i], i ? lu[i - 1] : 0);
            bad++;
        }
    }
    if (bad) {
        ht_fetch_add_relaxed(&wrong, (uint64_t)bad);
        ht_fetch_add_relaxed(&wrong_walks, 1);
    } else if (n < m && n < max) {
        ht_fetch_add_relaxed(&truncated, 1);
        sample("truncated", n, 0, lu[n], n ? lu[n - 1] : 0);
    } else if (n > m && m < max) {
        ht_fetch_add_relaxed(&longer, 1);
    }
    uint64_t ref = ht_sites_pick(lu, m);
    if (ref != picked) {
        ht_fetch_add_relaxed(&callers_differ, 1);
        sample("caller", 0, picked, ref, r);
    }
    busy = 0;
}

static void compare_site(uint64_t r, uint64_t site, int hop)
{
    if (!enter())
        return;
    int m = lu_walk(r, lu, 32);
    if (m < 0) {
        ht_fetch_add_relaxed(&lost, 1);
        busy = 0;
        return;
    }
    ht_fetch_add_relaxed(&sites_cmp, 1);
    if (hop)
        ht_fetch_add_relaxed(&hops_cmp, 1);
    uint64_t ref = r;
    for (int i = 0; i < m; i++)
        if (ht_sites_class(lu[i]) != HT_SITE_WRAPPER) {
            ref = lu[i];
            break;
        }
    if (ref != site) {
        ht_fetch_add_relaxed(&callers_differ, 1);
        sample(hop ? "caller (ptg, hop)" : "caller (ptg)", 0, site, ref, r);
    }
    busy = 0;
}

void ht_oracle_site(uint64_t r, uint64_t site)
{
    compare_site(r, site, 0);
}

void ht_oracle_hop(uint64_t r, uint64_t site)
{
    compare_site(r, site, 1);
}

__attribute__((destructor)) static void oracle_report(void)
{
    char line[4800];
    int len = snprintf(line, sizeof line,
                       "heaptag-oracle pid=%d walks=%lu frames=%lu wrong_frames=%lu "
                       "wrong_walks=%lu truncated=%lu longer=%lu sites=%lu hops=%lu "
                       "repeated=%lu callers_differ=%lu lost=%lu\n",
                       (int)getpid(), (unsigned long)walks, (unsigned long)frames_cmp,
                       (unsigned long)wrong, (unsigned long)wrong_walks,
                       (unsigned long)truncated, (unsigned long)longer,
                       (unsigned long)sites_cmp, (unsigned long)hops_cmp,
                       (unsigned long)repeated_cmp,
                       (unsigned long)callers_differ,
                       (unsigned long)lost);
    uint32_t ns = n_samples < SAMPLES ? n_samples : SAMPLES;
    for (uint32_t i = 0; i < ns && len < (int)sizeof line - 400; i++)
        len += snprintf(line + len, sizeof line - (size_t)len, "heaptag-oracle   %s\n",
                        samples[i]);
    const char *path = getenv("HEAPTAG_ORACLE_OUT");
    int fd = path && *path ? open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644) : 2;
    if (fd < 0)
        fd = 2;
    ssize_t w = write(fd, line, (size_t)len);
    (void)w;
    if (fd != 2)
        close(fd);
}
