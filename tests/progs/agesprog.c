/* SPDX-License-Identifier: MIT
 * agesprog.c - three rows whose live bytes differ only by age: "Cache" keeps
 * 2 MB allocated in its first second, "Leak" leaks 1 KB every 100 ms,
 * "Churn" holds 4 KB blocks for 50 ms each. Runs argv[1] seconds (default
 * 30), then exits.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "heaptag.h"

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

int main(int argc, char **argv)
{
    int secs = argc > 1 ? atoi(argv[1]) : 30;
    static void *cache[512];
    for (int i = 0; i < 512; i++) { /* 2 MB in 4 KB blocks */
        cache[i] = heaptag_alloc("Cache", 4096);
        memset(cache[i], 1, 4096);
    }
    void *churn = NULL;
    for (long ms = 0; ms < secs * 1000L; ms += 50) {
        if (ms % 100 == 0) {
            void *leak = heaptag_alloc("Leak", 1024);
            memset(leak, 2, 1024);
        }
        free(churn);
        churn = heaptag_alloc("Churn", 4096);
        sleep_ms(50);
    }
    free(churn);
    for (int i = 0; i < 512; i++)
        free(cache[i]);
    return 0;
}
