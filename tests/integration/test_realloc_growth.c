/* SPDX-License-Identifier: MIT
 * test_realloc_growth.c - realloc stays amortised under every flag: growing a
 * buffer to 16 MiB in 4 KiB steps moves it about as often as without the
 * shim (counted by the addresses realloc returns, never timed), and the
 * counts stay exact (4096 allocations, 4095 frees, 16 MiB live).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

TestSuite(regrow, .timeout = 300);

static long moves_of(const char *out)
{
    const char *m = strstr(out, "moves ");
    return m ? atol(m + 6) : -1;
}

Test(regrow, amortised_under_every_flag)
{
    char prog[4096]; /* build_path() reuses its buffers */
    snprintf(prog, sizeof prog, "%s", build_path("tests/progs/regrow"));
    const char *argv[] = { prog, NULL };
    struct run_result plain;
    cr_assert_eq(run_cmd(argv, NULL, 0, NULL, &plain), 0);
    cr_assert_eq(plain.status, 0, "%s", plain.err);
    long base = moves_of(plain.out);
    cr_log_info("without the shim: %ld moves", base);
    static const char *const sets[] = {
        "HEAPTAG_FLAGS=+ptg",     "HEAPTAG_FLAGS=+ptg+ust", "HEAPTAG_FLAGS=+ptg+htd",
        "HEAPTAG_FLAGS=+ptg+htc", "HEAPTAG_FLAGS=+ptg+hfc", "HEAPTAG_FLAGS=+ptg+hpc",
        "HEAPTAG_FLAGS=+ptg+ust+htc+hfc+hpc",
    };
    for (size_t i = 0; i < sizeof sets / sizeof *sets; i++) {
        const char *env[] = { sets[i], NULL };
        struct run_result r;
        cr_assert_eq(run_cmd(argv, env, 1, NULL, &r), 0);
        cr_expect_eq(r.status, 0, "%s: status %d: %s", sets[i], r.status, r.err);
        long moves = moves_of(r.out);
        cr_log_info("%s: %ld moves", sets[i], moves);
        /* 4096 steps: copying every time moves 4096 times; amortised growth
         * moves O(log n) times (glibc), and a mapping grown by mremap may
         * move without a copy now and then */
        cr_expect(moves >= 0 && moves <= base + 400, "%s: %ld moves (plain %ld)", sets[i],
                  moves, base);
        struct tag_counts c;
        if (strstr(sets[i], "htd")) { /* rows by module: the tag is not a row */
            segment_remove(r.pid);
            run_free(&r);
            continue;
        }
        cr_expect_eq(tag_counts(r.pid, "Grow", &c), 0, "%s", sets[i]);
        cr_expect_eq(c.allocs, 4096, "%s", sets[i]);
        cr_expect_eq(c.frees, 4095, "%s", sets[i]);
        cr_expect_eq(c.bytes, 16u << 20, "%s", sets[i]);
        segment_remove(r.pid);
        run_free(&r);
    }
    run_free(&plain);
}
