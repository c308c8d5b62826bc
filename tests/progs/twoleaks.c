/* SPDX-License-Identifier: MIT
 * twoleaks.c - two leaks of different speed through one wrapper, xmalloc
 * (name it in HEAPTAG_WRAPPERS). Each round, leak_fast keeps 3 blocks of
 * 100 bytes and leak_slow 1. Runs 1 round, says "ready" and waits for a
 * line on stdin; then 10 rounds, "ready", waits; then exits. Uses read and
 * write, not stdio, so nothing else allocates between the pauses.
 */
#include <stdlib.h>
#include <unistd.h>

__attribute__((noinline)) void *xmalloc(size_t n)
{
    void *p = malloc(n);
    if (!p)
        abort();
    return p;
}

static void *keep[64];
static int nkeep;

__attribute__((noinline)) void leak_fast(void)
{
    for (int i = 0; i < 3; i++)
        keep[nkeep++] = xmalloc(100);
}

__attribute__((noinline)) void leak_slow(void)
{
    keep[nkeep++] = xmalloc(100);
}

__attribute__((noinline)) static void rounds(int n)
{
    for (int i = 0; i < n; i++) {
        leak_fast();
        leak_slow();
    }
}

static void pause_for_line(void)
{
    char c;
    if (write(1, "ready\n", 6) != 6)
        exit(1);
    while (read(0, &c, 1) == 1 && c != '\n')
        ;
}

int main(int argc, char **argv)
{
    (void)argv;
    /* one call site for both phases, so both record the same stacks; the
     * trip count comes from argc so the loop is not unrolled into two */
    for (int i = 0; i < 2 * argc; i++) {
        rounds(i == 0 ? 1 : 10);
        pause_for_line();
    }
    return 0;
}
