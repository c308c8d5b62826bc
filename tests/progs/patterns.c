/* SPDX-License-Identifier: MIT
 * patterns.c - known allocation patterns, run under the shim by the
 * integration tests, which then check the counters the pattern implies.
 * Built with nothing but include/heaptag.h. Usage: patterns MODE
 */
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "heaptag.h"
#include "prog_modes.h"

static void *keep[64];
/* Through a volatile pointer the compiler cannot drop a malloc/free pair. */
static void *(*volatile do_malloc)(size_t) = malloc;
static void *(*volatile do_calloc)(size_t, size_t) = calloc;

static int check(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "patterns: %s failed\n", what);
        exit(3);
    }
    return 0;
}

/* Tag "Basc": 10 blocks of 100 bytes, 4 freed -> 10 allocs, 4 frees, 600 live. */
static void basic(void)
{
    HEAPTAG_SCOPE("Basc") {
        for (int i = 0; i < 10; i++)
            keep[i] = malloc(100);
    }
    for (int i = 0; i < 4; i++)
        free(keep[i]);
}

/* Tag "Real": malloc 10, grow to 100, shrink to 50, move to 1 MiB, then
 * realloc(NULL, 7) and realloc(q, 0). realloc counts as the free of the old
 * block and the allocation of the new: 5 allocs, 4 frees, 1 MiB live. */
static void reallocs(void)
{
    HEAPTAG_SCOPE("Real") {
        char *p = malloc(10);
        memset(p, 'x', 10);
        p = realloc(p, 100);
        check(p && p[9] == 'x', "realloc grow keeps data");
        p = realloc(p, 50);
        check(p && p[9] == 'x', "realloc shrink keeps data");
        p = realloc(p, 1 << 20);
        check(p && p[9] == 'x', "realloc move keeps data");
        keep[0] = p;
        /* realloc(NULL, n) is malloc, realloc(p, 0) is free: net nothing */
        char *q = realloc(NULL, 7);
        check(realloc(q, 0) == NULL, "realloc to zero frees");
    }
}

/* Tag "Algn": five aligned blocks of 1000 bytes, all kept; 2 more freed. */
static void aligned(void)
{
    HEAPTAG_SCOPE("Algn") {
        void *p = NULL;
        check(posix_memalign(&p, 64, 1000) == 0 && ((uintptr_t)p & 63) == 0, "posix_memalign 64");
        keep[0] = p;
        keep[1] = aligned_alloc(4096, 1000);
        check(((uintptr_t)keep[1] & 4095) == 0, "aligned_alloc 4096");
        keep[2] = memalign(256, 1000);
        check(((uintptr_t)keep[2] & 255) == 0, "memalign 256");
        keep[3] = valloc(1000);
        check(((uintptr_t)keep[3] & 4095) == 0, "valloc");
        keep[4] = memalign(8, 1000);
        check(((uintptr_t)keep[4] & 7) == 0, "memalign 8");
        check(posix_memalign(&p, 3, 10) == EINVAL, "posix_memalign rejects 3");
        void *a = aligned_alloc(128, 5000), *b = valloc(1);
        check(malloc_usable_size(a) >= 5000, "usable size of aligned");
        free(a);
        free(b);
        keep[5] = realloc(keep[2], 2000); /* an aligned block reallocated */
        keep[2] = NULL;
    }
}

/* Tag "Clc": calloc(10, 10) kept, zeroed; an overflowing calloc fails. */
static void callocs(void)
{
    HEAPTAG_SCOPE("Clc") {
        unsigned char *p = calloc(10, 10);
        for (int i = 0; i < 100; i++)
            check(p[i] == 0, "calloc zeroes");
        keep[0] = p;
        volatile size_t huge = SIZE_MAX / 2; /* volatile: keep the compiler from judging */
        errno = 0;
        check(calloc(huge, 4) == NULL && errno == ENOMEM, "calloc overflow ENOMEM");
        errno = 0;
        check(malloc(huge * 2 - 8) == NULL && errno == ENOMEM, "huge malloc ENOMEM");
        errno = 1234;
        free(NULL);
        free(do_malloc(3));
        check(errno == 1234, "free preserves errno");
    }
}

/* Tag "Libc": strdup of a 5-character string and strndup of 3, kept; a
 * heaptag_alloc under another tag "Expl" of 77 bytes kept. */
static void libc_calls(void)
{
    HEAPTAG_SCOPE("Libc") {
        keep[0] = strdup("hello");
        keep[1] = strndup("abcdef", 3);
    }
    keep[2] = heaptag_alloc("Expl", 77);
    /* libc allocations outside any scope are freed fine */
    char *line = NULL;
    size_t cap = 0;
    FILE *f = fopen("/proc/self/stat", "r");
    check(f && getline(&line, &cap, f) > 0, "getline");
    fclose(f);
    free(line);
    char *s = NULL;
    check(asprintf(&s, "%d-%s", 42, "x") == 4, "asprintf");
    free(s);
    char *rp = realpath("/", NULL);
    free(rp);
}

/* Tags "Th00".."Th07": each of 8 threads does 20000 malloc/free pairs of
 * varying size and keeps 100 blocks of 32 bytes: 20100 allocs, 20000 frees,
 * 3200 live bytes per tag; the same under the shared tag "Shrd" with 48 bytes. */
static void *storm(void *arg)
{
    int id = (int)(intptr_t)arg;
    char tag[8];
    snprintf(tag, sizeof tag, "Th%02d", id);
    void **mine = malloc(200 * sizeof *mine); /* untagged */
    HEAPTAG_SCOPE(tag) {
        for (int i = 0; i < 20000; i++)
            free(do_malloc((size_t)(16 + (i * 37) % 4000)));
        for (int i = 0; i < 100; i++)
            mine[i] = malloc(32);
    }
    HEAPTAG_SCOPE("Shrd") {
        for (int i = 0; i < 20000; i++)
            free(do_calloc(1, (size_t)(1 + i % 300)));
        for (int i = 100; i < 200; i++)
            mine[i] = malloc(48);
    }
    return mine;
}

static void threads(void)
{
    pthread_t t[8];
    for (int i = 0; i < 8; i++)
        pthread_create(&t[i], NULL, storm, (void *)(intptr_t)i);
    for (int i = 0; i < 8; i++)
        pthread_join(t[i], NULL);
}

/* Tag "Fork": 5 x 100 before fork. Child: 3 more, frees one inherited ->
 * 8 allocs, 1 free, 700 live. Parent: 2 more -> 7 allocs, 0 frees, 700 live.
 * The child prints its pid on stdout for the test. */
static void forks(void)
{
    HEAPTAG_SCOPE("Fork") {
        for (int i = 0; i < 5; i++)
            keep[i] = malloc(100);
    }
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        HEAPTAG_SCOPE("Fork") {
            for (int i = 5; i < 8; i++)
                keep[i] = malloc(100);
        }
        free(keep[0]);
        printf("child %d\n", (int)getpid());
        fflush(stdout);
        _exit(0);
    }
    HEAPTAG_SCOPE("Fork") {
        for (int i = 5; i < 7; i++)
            keep[i] = malloc(100);
    }
    int status;
    waitpid(pid, &status, 0);
    check(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child exit");
}

/* Tag "PreX": 5 blocks, then exec of "patterns basic": the segment of the
 * new image starts afresh (no PreX). */
static void execs(void)
{
    HEAPTAG_SCOPE("PreX") {
        for (int i = 0; i < 5; i++)
            keep[i] = malloc(100);
    }
    fflush(stdout);
    execl("/proc/self/exe", "patterns", "basic", (char *)NULL);
    exit(4);
}

/* Tag "Slep": 3 x 64 bytes, then a long sleep for the test to kill. */
static void sleeps(void)
{
    HEAPTAG_SCOPE("Slep") {
        for (int i = 0; i < 3; i++)
            keep[i] = malloc(64);
    }
    printf("pid %d\n", (int)getpid());
    fflush(stdout);
    sleep(60);
}

int main(int argc, char **argv)
{
    static const struct prog_mode modes[] = {
        { "basic", basic },       { "realloc", reallocs }, { "aligned", aligned },
        { "calloc", callocs },    { "libc", libc_calls },  { "threads", threads },
        { "fork", forks },        { "exec", execs },       { "sleep", sleeps },
    };
    prog_mode_fn *fn = PROG_MODE("patterns", modes, argc, argv);
    if (!fn)
        return 2;
    fn();
    printf("pid %d\n", (int)getpid());
    return 0;
}
