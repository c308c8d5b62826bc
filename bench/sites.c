/* SPDX-License-Identifier: MIT
 * sites.c - a process with 2000 distinct allocation call sites, for timing a
 * `heaptag mon` refresh over many rows. Allocates once at each site, prints
 * "ready" and waits for its stdin to close, so the segment stays live.
 * Each expansion of SITE is its own call (the compiler never merges them).
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static void *keep[2000];

#define SITE keep[__COUNTER__] = malloc(32);
#define S10 SITE SITE SITE SITE SITE SITE SITE SITE SITE SITE
#define S100 S10 S10 S10 S10 S10 S10 S10 S10 S10 S10
#define S1000 S100 S100 S100 S100 S100 S100 S100 S100 S100 S100

int main(void)
{
    char c;
    S1000 S1000
    printf("ready\n");
    fflush(stdout);
    while (read(0, &c, 1) > 0)
        ;
    return keep[0] == NULL;
}
