/* SPDX-License-Identifier: MIT
 * gen_openmetrics.c - a fleet's heaptag_live_bytes as OpenMetrics text for
 * `promtool tsdb create-blocks-from openmetrics`, one file (or FIFO) per
 * two-hour block so that promtool reads each once: INSTANCES hosts with ROWS
 * rows each, one sample every STEP seconds for the HOURS before END. Rows are
 * churn around a level, except: on every fifth host row 0 leaks steadily; on
 * every fifth host (offset 1) the service restarts at the middle of the window
 * (a new pid, everything from scratch) and row 1 leaks between restarts; rows
 * 10k+2 are caches filled and trimmed, 10k+3 random walks, 10k+4 one-off
 * steps. Deterministic. Usage: gen_openmetrics DIR INSTANCES ROWS HOURS STEP END [FIRST]
 * (FIRST: the first host's number, 0 by default, so that a second run adds
 * more hosts to a TSDB built by the first)
 * writes DIR/block-NN.om in time order (each under a .tmp name until whole);
 * promtool maps its input, so files are real: it waits to start block k
 * until the readers have removed block k-3, which bounds the disk used.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BLOCK_S 7200

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static double uniform(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (double)(rng_state >> 11) / 9007199254740992.0;
}

struct row {
    double level, walk, cache;
};

int main(int argc, char **argv)
{
    if (argc != 7 && argc != 8) {
        fprintf(stderr, "usage: gen_openmetrics DIR INSTANCES ROWS HOURS STEP END [FIRST]\n");
        return 2;
    }
    int first = argc == 8 ? atoi(argv[7]) : 0;
    rng_state ^= (uint64_t)first * 0x9e3779b97f4a7c15ull;
    const char *dir = argv[1];
    int inst = atoi(argv[2]), rows = atoi(argv[3]);
    double hours = atof(argv[4]);
    long step = atol(argv[5]), end = atol(argv[6]);
    long start = end - (long)(hours * 3600);
    start -= start % step;
    long mid = start + (end - start) / 2;
    mid -= mid % step;
    struct row *r = calloc((size_t)inst * (size_t)rows, sizeof *r);
    if (!r)
        return 1;
    for (long i = 0; i < (long)inst * rows; i++)
        r[i].level = 4096 + floor(uniform() * 100000);
    int file_no = 0;
    for (long b0 = start - start % BLOCK_S; b0 < end; b0 += BLOCK_S, file_no++) {
        char path[4096], tmp[4200];
        if (file_no >= 3) {
            snprintf(path, sizeof path, "%s/block-%02d.om", dir, file_no - 3);
            while (access(path, F_OK) == 0)
                usleep(100000);
        }
        snprintf(path, sizeof path, "%s/block-%02d.om", dir, file_no);
        snprintf(tmp, sizeof tmp, "%s.tmp", path);
        FILE *f = fopen(tmp, "w");
        if (!f) {
            fprintf(stderr, "%s: %s\n", path, strerror(errno));
            return 1;
        }
        static char buf[1 << 20];
        setvbuf(f, buf, _IOFBF, sizeof buf);
        fputs("# TYPE heaptag_live_bytes gauge\n", f);
        for (long t = b0 < start ? start : b0; t < b0 + BLOCK_S && t <= end; t += step) {
            for (int h = first; h < first + inst; h++) {
                int restarts = h % 5 == 1;
                int second = restarts && t >= mid;
                int pid = 1000 + h * 7 + (second ? 1 : 0);
                double age = (double)(t - (second ? mid : start)); /* seconds since the process started */
                for (int k = 0; k < rows; k++) {
                    struct row *w = &r[(size_t)(h - first) * rows + k];
                    double v = w->level + floor(uniform() * 2048) * 16; /* churn */
                    if (k == 0 && h % 5 == 0)
                        v = w->level + age / 60 * 512 + floor(uniform() * 64) * 16;
                    else if (k == 1 && restarts)
                        v = w->level + age / 60 * 1024 + floor(uniform() * 64) * 16;
                    else if (k % 10 == 2) {
                        /* fills for three hours, trimmed to a quarter */
                        double phase = fmod(age, 3 * 3600.0) / (3 * 3600.0);
                        v = w->level + 4e6 * (0.25 + 0.75 * phase) + floor(uniform() * 64) * 16;
                    } else if (k % 10 == 3) {
                        w->walk += (uniform() < 0.5 ? -1 : 1) * 4096;
                        if (w->walk < -w->level)
                            w->walk = -w->level;
                        v = w->level + w->walk;
                    } else if (k % 10 == 4) {
                        v = w->level + (age > 6 * 3600 ? 2e6 : 0) + floor(uniform() * 64) * 16;
                    }
                    if (second && k % 10 == 2 && age < 600)
                        v = w->level; /* the cache empty after the restart */
                    fprintf(f,
                            "heaptag_live_bytes{instance=\"h%02d:9464\",job=\"heaptag\",pid=\"%d\","
                            "exe=\"/usr/bin/svc%d\",tag=\"fn%d\",function=\"fn%d\",file=\"src/m%d.c\"}"
                            " %.0f %ld\n",
                            h, pid, h % 3, k, k, k / 50, v, t);
                }
            }
        }
        fputs("# EOF\n", f);
        if (fclose(f) != 0 || rename(tmp, path) != 0) {
            fprintf(stderr, "%s: %s\n", path, strerror(errno));
            return 1;
        }
    }
    free(r);
    return 0;
}
