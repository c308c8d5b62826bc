/* SPDX-License-Identifier: MIT
 * evilnames.c - a program whose names are hostile to a terminal: a #line
 * directive puts escape sequences into its source file name (so into its debug
 * info), and its tags hold the bytes 0x9b (a raw C1 CSI), 0x1b and a C1 control
 * as UTF-8. The tool must show every one of them escaped.
 * Usage: evilnames
 */
#include <stdio.h>
#include <stdlib.h>

#include "heaptag.h"

static void *(*volatile do_malloc)(size_t) = malloc;
static void *volatile sink[64];

#line 1 "evil\033]0;pwned\007\033[2J.c"
__attribute__((noinline)) static void *evil_alloc(size_t n)
{
    return do_malloc(n);
}

int main(void)
{
    for (int i = 0; i < 10; i++)
        sink[i] = evil_alloc(100);
    sink[20] = heaptag_alloc("T\x9b" "1m\x1b[2J", 64);
    HEAPTAG_SCOPE("U\xc2\x9b\x7f") {
        sink[21] = do_malloc(32);
    }
    puts("done");
    return 0;
}
