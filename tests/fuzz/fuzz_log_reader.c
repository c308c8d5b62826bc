/* SPDX-License-Identifier: MIT
 * fuzz_log_reader.c - libFuzzer target: `heaptag trend`'s log reader on any
 * bytes (table, CSV and JSON Lines, mixed, damaged; with and without the
 * function, file, line, exe, build id and state fields), then the series,
 * their names and the trend analysis over them: the exit cut, the mirror
 * test between rows. Must never crash or read out of bounds.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "trend/log_reader.h"
#include "verdict/analysis.h"
#include "verdict/rows.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    FILE *f = fmemopen((void *)data, size, "r");
    if (!f)
        return 0;
    struct log_data *d = log_new();
    struct log_stats st;
    log_read(d, f, &st);
    fclose(f);
    size_t n = 0;
    const struct log_series *s = log_series(d, &n);
    size_t names = 0;
    for (size_t i = 0; i < n; i++) {
        const struct log_series *one = &s[i];
        size_t use = trend_exit_points(one, trend_exit_cut(&one, 1));
        struct trend_result r;
        trend_analyze_family(s[i].pts, use, n, &r);
        if (i + 1 < n)
            (void)trend_mirrored(s[i].pts, use, r.onset < use ? r.onset : 0, s[i + 1].pts,
                                 s[i + 1].n);
        /* the naming fields are whole strings (ASan checks every byte) */
        names += strlen(s[i].func) + strlen(s[i].file) + strlen(s[i].build_id) +
                 strlen(s[i].exe) + (size_t)(s[i].line > 0);
    }
    (void)names;
    (void)log_snapshots(d);
    char buf[256];
    log_skip_summary(buf, sizeof buf, &st);
    log_free(d);
    return 0;
}
