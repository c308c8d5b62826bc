/* SPDX-License-Identifier: MIT
 * heapbugs.c - programs with heap bugs, run under the shim's heap checks by
 * the integration tests. Each mode commits one bug on a block of a known tag
 * and size, then goes on and ends normally ("done" on stdout, exit 0), which
 * it can only do if the shim caught the bug and kept the heap intact.
 * Usage: heapbugs MODE
 */
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heaptag.h"
#include "prog_modes.h"

/* Through volatile pointers the compiler can neither see nor drop the bugs. */
static void *(*volatile do_malloc)(size_t) = malloc;
static void (*volatile do_free)(void *) = free;
static void *(*volatile do_realloc)(void *, size_t) = realloc;
static volatile size_t overrun_by = 3;

/* Tag "Ovrn": 100 bytes, 3 written past the end, then freed. */
static void overrun(void)
{
    char *p = NULL;
    HEAPTAG_SCOPE("Ovrn") { p = do_malloc(100); }
    memset(p, 'x', 100 + overrun_by);
    do_free(p);
}

/* Tag "Ovrr": 60 bytes, 5 written past the end, found by realloc. */
static void overrun_realloc(void)
{
    char *p = NULL;
    HEAPTAG_SCOPE("Ovrr") { p = do_malloc(60); }
    memset(p, 'y', 60 + overrun_by + 2);
    p = do_realloc(p, 200);
    do_free(p);
}

/* Tag "Dblf": 48 bytes freed twice. */
static void double_free(void)
{
    char *p = NULL;
    HEAPTAG_SCOPE("Dblf") { p = do_malloc(48); }
    do_free(p);
    do_free(p);
}

/* Tag "Intr": 200 bytes, freed through a pointer 40 bytes in, then properly. */
static void interior(void)
{
    char *p = NULL;
    HEAPTAG_SCOPE("Intr") { p = do_malloc(200); }
    do_free(p + 40);
    do_free(p + 3);
    do_free(p);
}

/* A pointer to static data and to the stack: never from the heap. */
static void foreign(void)
{
    static char data[64] __attribute__((aligned(16)));
    char stack[64] __attribute__((aligned(16)));
    memset(data, 0, sizeof data);
    memset(stack, 0, sizeof stack);
    do_free(data + 32);
    do_free(stack + 32);
    if (do_realloc(data + 32, 10) != NULL)
        puts("realloc of a foreign pointer succeeded");
    if (malloc_usable_size(data + 32) != 0)
        puts("usable size of a foreign pointer");
}

/* Tag "Uaft": 64 bytes written after free; found when it leaves quarantine. */
static void use_after_free(void)
{
    char *p = NULL;
    HEAPTAG_SCOPE("Uaft") { p = do_malloc(64); }
    do_free(p);
    p[10] = 'z';
    for (int i = 0; i < 5000; i++)
        do_free(do_malloc(16)); /* push it out of quarantine */
}

/* Tag "Many": 70 blocks of 24 bytes, each freed twice: more reports than
 * the segment keeps. */
static void many_double_frees(void)
{
    for (int i = 0; i < 70; i++) {
        char *p = NULL;
        HEAPTAG_SCOPE("Many") { p = do_malloc(24); }
        do_free(p);
        do_free(p);
    }
}

/* Many tagged blocks freed normally: nothing to report. */
static void clean(void)
{
    void *keep[100];
    HEAPTAG_SCOPE("Cln") {
        for (int i = 0; i < 100; i++)
            keep[i] = do_malloc((size_t)(1 + i * 13));
        for (int i = 0; i < 100; i += 2)
            keep[i] = do_realloc(keep[i], (size_t)(5 + i * 7));
    }
    for (int i = 0; i < 100; i++)
        do_free(keep[i]);
    void *a = aligned_alloc(256, 1000);
    if (((uintptr_t)a & 255) != 0)
        puts("misaligned aligned_alloc");
    do_free(a);
    char *c = calloc(10, 10);
    for (int i = 0; i < 100; i++)
        if (c[i])
            puts("calloc not zero");
    do_free(c);
}

int main(int argc, char **argv)
{
    static const struct prog_mode modes[] = {
        { "overrun", overrun },   { "overrun_realloc", overrun_realloc },
        { "double", double_free }, { "interior", interior },
        { "foreign", foreign },   { "uaf", use_after_free },
        { "clean", clean },       { "many", many_double_frees },
    };
    prog_mode_fn *fn = PROG_MODE("heapbugs", modes, argc, argv);
    if (!fn)
        return 2;
    fn();
    /* the heap must still work */
    for (int k = 0; k < 1000; k++)
        do_free(do_malloc((size_t)(k % 500)));
    printf("done\n");
    return 0;
}
