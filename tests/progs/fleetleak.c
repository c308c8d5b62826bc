/* SPDX-License-Identifier: MIT
 * fleetleak.c - a service for the fleet test: among churn ("Chrn", built
 * and freed every round), a cache filled for 8 s and trimmed to a quarter
 * ("Cach") and a one-off step (200 KB kept once, a third of the way in,
 * "Step"), one tag leaks steadily ("Leak": 100 bytes every round).
 * Usage: fleetleak SECONDS (10 rounds a second).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "heaptag.h"

#define ROUNDS_PER_S 10
#define CACHE_MAX 320

static void *cache[CACHE_MAX];
static int cache_len;
static void *(*volatile do_malloc)(size_t) = malloc;

int main(int argc, char **argv)
{
    int seconds = argc > 1 ? atoi(argv[1]) : 60;
    if (seconds <= 0)
        return 2;
    struct timespec pause = { 0, 1000000000L / ROUNDS_PER_S };
    void *step = NULL;
    unsigned seed = 7;
    for (int round = 0; round < seconds * ROUNDS_PER_S; round++) {
        HEAPTAG_SCOPE("Chrn") {
            for (int i = 0; i < 30; i++) {
                seed = seed * 1103515245 + 12345;
                char *s = do_malloc(16 + (seed >> 16) % 2000);
                memset(s, 1, 16);
                free(s);
            }
        }
        HEAPTAG_SCOPE("Cach") {
            for (int i = 0; i < 4 && cache_len < CACHE_MAX; i++)
                cache[cache_len++] = do_malloc(256);
        }
        if (cache_len == CACHE_MAX)
            while (cache_len > CACHE_MAX / 4)
                free(cache[--cache_len]);
        if (round == seconds * ROUNDS_PER_S / 3 && !step)
            HEAPTAG_SCOPE("Step") {
                step = do_malloc(200000);
                memset(step, 2, 200000);
            }
        HEAPTAG_SCOPE("Leak") {
            char *p = do_malloc(100);
            memset(p, 3, 100);
        }
        nanosleep(&pause, NULL);
    }
    return 0;
}
