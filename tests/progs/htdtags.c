/* SPDX-License-Identifier: MIT
 * htdtags.c - explicit tags beside untagged allocations, for +htd: 7 blocks
 * of 10 bytes in a HEAPTAG_SCOPE("HtdA"), 3 of 30 from heaptag_alloc("HtdB"),
 * and 5 untagged blocks of 20 bytes of which 2 are freed. Built at -O2; prints
 * its pid with write(2) so that stdio allocates nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "heaptag.h"

static void *volatile sink[16];

__attribute__((noinline)) static void tagged(void)
{
    HEAPTAG_SCOPE("HtdA") {
        for (int i = 0; i < 7; i++)
            sink[i] = malloc(10);
    }
    for (int i = 0; i < 3; i++)
        sink[7 + i] = heaptag_alloc("HtdB", 30);
}

__attribute__((noinline)) static void untagged(void)
{
    for (int i = 0; i < 5; i++)
        sink[10 + i] = malloc(20);
    free(sink[10]);
    free(sink[11]);
}

int main(void)
{
    tagged();
    untagged();
    char line[32];
    int n = snprintf(line, sizeof line, "pid %d\n", (int)getpid());
    return write(1, line, (size_t)n) == n ? 0 : 1;
}
