/* SPDX-License-Identifier: MIT
 * synth_log.c - writes a synthetic mon CSV log: ROWS rows of one process over
 * SNAPS snapshots a minute apart (two days: 2880), every row a bounded random
 * walk but row 0 (a steady leak) and row 1 (a leak from the middle on); see
 * tests/support/trend_synth.h. Usage: synth_log SEED [ROWS [SNAPS]] > log.csv
 */
#include "trend_synth.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: synth_log SEED [ROWS [SNAPS]]\n");
        return 2;
    }
    uint64_t seed = strtoull(argv[1], NULL, 10);
    size_t rows = argc > 2 ? strtoul(argv[2], NULL, 10) : 200;
    size_t snaps = argc > 3 ? strtoul(argv[3], NULL, 10) : 2880;
    double *live = malloc(rows * snaps * sizeof *live), *blocks = malloc(rows * snaps * sizeof *blocks);
    if (!live || !blocks || rows < 2 || snaps < 2)
        return 1;
    for (size_t r = 0; r < rows; r++)
        synth_row(r == 0 ? SYNTH_LEAK : r == 1 ? SYNTH_LATE : SYNTH_WALK, seed * 1000 + r, snaps,
                  live + r * snaps, blocks + r * snaps);
    printf("timestamp,pid,tag,type,allocs,frees,diff,bytes,peak,site\n");
    time_t t0 = 1764547200; /* 2025-12-01T00:00:00Z */
    for (size_t k = 0; k < snaps; k++) {
        char ts[32];
        time_t t = t0 + (time_t)k * 60;
        strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
        for (size_t r = 0; r < rows; r++) {
            double b = blocks[r * snaps + k];
            unsigned long long diff = b > 1 ? (unsigned long long)b : 1;
            unsigned long long allocs = 1000000 + k * 10000 + diff;
            printf("%s,4242,row%03zu,Site,%llu,%llu,%llu,%.0f,0,prog+0x%zx\n", ts, r, allocs,
                   allocs - diff, diff, live[r * snaps + k], 0x1000 + r * 16);
        }
    }
    free(live);
    free(blocks);
    return 0;
}
