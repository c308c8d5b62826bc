/* SPDX-License-Identifier: MIT
 * names_c.c - allocations through inlined library code in named functions of
 * a C program built at -O2: getline, asprintf, heaptag_alloc from two
 * functions under one tag. Every block stays live (a volatile sink), so the
 * tool must show each function with its exact count. Prints "ready", then
 * waits for a line on stdin before exiting.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heaptag.h"

#define N_LINES 7
#define N_LABELS 5
#define N_TAG_A 3
#define N_TAG_B 4

static void *volatile sink[64];
static int n_sink;

static void keep(void *p)
{
    sink[n_sink++ % 64] = p;
}

/* N_LINES lines, each into a buffer of its own that getline allocates. */
__attribute__((noinline)) static void read_lines(FILE *in)
{
    for (int i = 0; i < N_LINES; i++) {
        char *line = NULL;
        size_t cap = 0;
        if (getline(&line, &cap, in) < 0) /* names_c.c:36, checked by test_names */
            abort();
        keep(line);
    }
}

__attribute__((noinline)) static void make_labels(int seed)
{
    for (int i = 0; i < N_LABELS; i++) {
        char *s;
        if (asprintf(&s, "label-%d-%d", seed, i) < 0) /* :46 */
            abort();
        keep(s);
    }
}

__attribute__((noinline)) static void tag_from_a(void)
{
    for (int i = 0; i < N_TAG_A; i++)
        keep(heaptag_alloc("Same", 100)); /* :55 */
}

__attribute__((noinline)) static void tag_from_b(void)
{
    for (int i = 0; i < N_TAG_B; i++)
        keep(heaptag_alloc("Same", 200)); /* :61 */
}

int main(void)
{
    static char text[] = "one\ntwo\nthree\nfour\nfive\nsix\nseven\n";
    FILE *in = fmemopen(text, strlen(text), "r");
    static char iobuf[256];
    if (!in || setvbuf(in, iobuf, _IOFBF, sizeof iobuf) != 0)
        return 1; /* a buffer of our own: stdio allocates none inside read_lines */
    read_lines(in);
    make_labels(42);
    tag_from_a();
    tag_from_b();
    printf("ready\n");
    fflush(stdout);
    char buf[16];
    if (!fgets(buf, sizeof buf, stdin))
        buf[0] = '\0';
    fclose(in);
    return 0;
}
