/* SPDX-License-Identifier: MIT
 * monprog.c - programs for the mon tests: a slow leaker, a threaded churner,
 * and a short-lived leaker whose leaking lines the tests look up by the
 * LEAK-LINE and LEAK-INLINE markers. Built with nothing but include/heaptag.h.
 * Usage: monprog leak | threads | leakexit N | names
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "heaptag.h"

static void *(*volatile do_malloc)(size_t) = malloc;
static void *volatile sink;

static void nap_ms(long ms)
{
    struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&t, NULL);
}

/* Kept on purpose: the leak the tests look for. */
__attribute__((noinline)) static void *monprog_leak_here(size_t n)
{
    return do_malloc(n); /* LEAK-LINE */
}

/* Inlined into its caller: still named by the debug info. */
__attribute__((always_inline)) static inline void *monprog_leak_inline(size_t n)
{
    return do_malloc(n); /* LEAK-INLINE */
}

/* Tags: Stbl (5 x 1000 bytes, steady), Leak (64 bytes more every 50 ms),
 * Chrn (allocated and freed each time: allocs and frees move, bytes stay 0). */
static void leak_forever(void)
{
    HEAPTAG_SCOPE("Stbl") {
        for (int i = 0; i < 5; i++)
            sink = do_malloc(1000);
    }
    printf("ready %d\n", (int)getpid());
    fflush(stdout);
    for (;;) {
        HEAPTAG_SCOPE("Leak") {
            sink = do_malloc(64);
        }
        HEAPTAG_SCOPE("Chrn") {
            free(do_malloc(10));
        }
        nap_ms(50);
    }
}

/* Threads 0..3 each under tag ThrN: N + 1 blocks of 100 bytes allocated and
 * freed every 20 ms, and one block of 500 - 100 N bytes kept each time (so
 * Per Alloc, Bytes / Diff, is 500, 400, 300, 200). */
static void *thread_main(void *arg)
{
    int id = (int)(long)arg;
    char tag[8];
    snprintf(tag, sizeof tag, "Thr%d", id);
    for (;;) {
        void *b[8];
        HEAPTAG_SCOPE(tag) {
            for (int i = 0; i <= id; i++)
                b[i] = do_malloc(100);
            sink = do_malloc((size_t)(500 - 100 * id));
        }
        for (int i = 0; i <= id; i++)
            free(b[i]);
        nap_ms(20);
    }
    return NULL;
}

static void threads_forever(void)
{
    pthread_t t[4];
    for (long i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, thread_main, (void *)i);
    printf("ready %d\n", (int)getpid());
    fflush(stdout);
    for (;;)
        pause();
}

/* Tags whose display width differs from their length in bytes (UTF-8:
 * two-byte letters, wide CJK characters) and one longer than the table's Tag
 * column, each with 1 + its index blocks of 32 bytes, kept. */
static void names_forever(void)
{
    static const char *const tags[] = { "Gr\u00f6\u00dfe", "\u65e5\u672c\u8a9e",
                                         "Plain", "averyveryverylongtagname" };
    for (int t = 0; t < 4; t++)
        HEAPTAG_SCOPE(tags[t]) {
            for (int i = 0; i <= t; i++)
                sink = do_malloc(32);
        }
    printf("ready %d\n", (int)getpid());
    fflush(stdout);
    for (;;)
        pause();
}

int main(int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "names"))
        names_forever();
    if (argc >= 2 && !strcmp(argv[1], "leak"))
        leak_forever();
    if (argc >= 2 && !strcmp(argv[1], "threads"))
        threads_forever();
    if (argc >= 3 && !strcmp(argv[1], "leakexit")) {
        int n = atoi(argv[2]);
        for (int i = 0; i < n; i++)
            sink = monprog_leak_here(48);
        for (int i = 0; i < 2; i++)
            sink = monprog_leak_inline(1000);
        return 0;
    }
    fprintf(stderr, "usage: monprog leak | threads | leakexit N | names\n");
    return 2;
}
