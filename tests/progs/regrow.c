/* SPDX-License-Identifier: MIT
 * regrow.c - grows one buffer to 16 MiB in 4 KiB steps under tag "Grow",
 * checks every byte survived, and prints how many times realloc moved it and
 * its pid. The buffer stays alive: 4096 allocs, 4095 frees, 16 MiB live.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "heaptag.h"

#define STEP 4096u
#define TOP (16u << 20)

int main(void)
{
    char *p = NULL, *last = NULL;
    long moves = 0;
    HEAPTAG_SCOPE("Grow") {
        for (size_t n = STEP; n <= TOP; n += STEP) {
            p = realloc(p, n);
            if (!p)
                return 1;
            p[n - STEP] = (char)(n / STEP);
            if (p != last)
                moves++;
            last = p;
        }
    }
    for (size_t n = STEP; n <= TOP; n += STEP)
        if (p[n - STEP] != (char)(n / STEP)) {
            fprintf(stderr, "regrow: byte %zu lost\n", n - STEP);
            return 2;
        }
    void *volatile sink = p;
    (void)sink;
    printf("moves %ld\npid %d\n", moves, (int)getpid());
    return 0;
}
