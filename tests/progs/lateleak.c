/* SPDX-License-Identifier: MIT
 * lateleak.c - a program whose leak starts mid-run at a call site that
 * already existed: handle_request() allocates a buffer and frees it, until
 * an error path added at ONSET seconds forgets the free one call in ten. A
 * cache of fixed size churns beside it. At exit the cache is torn down, and
 * the program exits with CODE. Built with nothing but include/heaptag.h.
 * Usage: lateleak SECONDS ONSET CODE
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void *(*volatile do_malloc)(size_t) = malloc;
static void *volatile sink;

#define CACHE 256
static void *cache[CACHE];

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

/* The leaking site: the same line before and after the onset. */
__attribute__((noinline)) static void handle_request(unsigned i, int error_path)
{
    char *buf = do_malloc(512);
    memset(buf, (int)i, 512);
    sink = buf;
    if (error_path && i % 10 == 0)
        return; /* the bug: this path forgets the free */
    free(buf);
}

__attribute__((noinline)) static void cache_churn(unsigned i)
{
    unsigned k = (i * 2654435761u) % CACHE;
    free(cache[k]);
    cache[k] = do_malloc(64 + (i % 7) * 64);
    sink = cache[k];
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: lateleak SECONDS ONSET CODE\n");
        return 2;
    }
    double seconds = atof(argv[1]), onset = atof(argv[2]);
    int code = atoi(argv[3]);
    double t0 = now();
    struct timespec nap = { 0, 5000000L }; /* 200 calls a second */
    for (unsigned i = 1; now() - t0 < seconds; i++) {
        handle_request(i, now() - t0 >= onset);
        cache_churn(i);
        nanosleep(&nap, NULL);
    }
    for (int k = 0; k < CACHE; k++) /* the teardown: everything the cache holds */
        free(cache[k]);
    return code;
}
