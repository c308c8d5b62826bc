/* SPDX-License-Identifier: MIT
 * flaglive.c - a program whose flags change while it runs, for the tests of
 * `heaptag flags -p` and of live semantics.
 *
 *   flaglive serve   prints "pid N", then obeys lines on stdin, answering
 *                    "ok" to each: "alloc K" (K blocks of 32 bytes under tag
 *                    "Live", kept), "freeall", "overrun" (3 bytes past the
 *                    newest block), "quit".
 *   flaglive toggle  8 threads churn tagged blocks, each kept across many
 *                    allocations, while another thread turns ptg off and on
 *                    in the process's own segment; then every block is freed.
 *                    Tags "Tg00".."Tg07": allocs == frees and 0 live bytes.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "heaptag.h"
#include "heaptag_segment.h"

static void *(*volatile do_malloc)(size_t) = malloc;
static void *blocks[100000];
static size_t n_blocks;

static int serve(void)
{
    char line[128];
    printf("pid %d\n", (int)getpid());
    fflush(stdout);
    while (fgets(line, sizeof line, stdin)) {
        int k;
        if (sscanf(line, "alloc %d", &k) == 1) {
            HEAPTAG_SCOPE("Live") {
                for (int i = 0; i < k && n_blocks < 100000; i++)
                    blocks[n_blocks++] = do_malloc(32);
            }
        } else if (!strncmp(line, "freeall", 7)) {
            while (n_blocks)
                free(blocks[--n_blocks]);
        } else if (!strncmp(line, "overrun", 7) && n_blocks) {
            memset(blocks[n_blocks - 1], 'o', 35);
        } else if (!strncmp(line, "quit", 4))
            break;
        printf("ok\n");
        fflush(stdout);
    }
    return 0;
}

static volatile int churning = 1;
static pthread_barrier_t toggled;

static void *churn(void *arg)
{
    int id = (int)(intptr_t)arg;
    char tag[8];
    void *ring[64] = { 0 };
    snprintf(tag, sizeof tag, "Tg%02d", id);
    HEAPTAG_SCOPE(tag) {
        /* each block lives across 64 later allocations, so across toggles */
        for (unsigned i = 0; churning || i < 20000; i++) {
            free(ring[i % 64]);
            ring[i % 64] = do_malloc(16 + (i * 31) % 2000);
        }
        pthread_barrier_wait(&toggled);
        for (int i = 0; i < 100; i++) { /* counted for sure: ptg is on again */
            free(ring[i % 64]);
            ring[i % 64] = do_malloc(40);
        }
    }
    for (int i = 0; i < 64; i++)
        free(ring[i]);
    return NULL;
}

static int toggle(void)
{
    char path[96];
    struct stat nst;
    snprintf(path, sizeof path, "/dev/shm/heaptag.%llu.%d",
             stat("/proc/self/ns/pid", &nst) == 0 ? (unsigned long long)nst.st_ino : 0ull,
             (int)getpid());
    int fd = open(path, O_RDWR | O_NOFOLLOW);
    struct ht_seg_header *h = fd < 0 ? MAP_FAILED
                                     : mmap(NULL, sizeof *h, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (h == MAP_FAILED) {
        fprintf(stderr, "flaglive: cannot map %s\n", path);
        return 3;
    }
    pthread_t t[8];
    pthread_barrier_init(&toggled, NULL, 9);
    for (int i = 0; i < 8; i++)
        pthread_create(&t[i], NULL, churn, (void *)(intptr_t)i);
    for (int i = 0; i < 20000; i++) {
        __atomic_fetch_xor(&h->flags, 0x400u, __ATOMIC_RELAXED);
        if (i % 64 == 0)
            sched_yield();
    }
    __atomic_fetch_or(&h->flags, 0x400u, __ATOMIC_RELAXED);
    churning = 0;
    pthread_barrier_wait(&toggled);
    for (int i = 0; i < 8; i++)
        pthread_join(t[i], NULL);
    printf("pid %d\n", (int)getpid());
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 2 && !strcmp(argv[1], "serve"))
        return serve();
    if (argc == 2 && !strcmp(argv[1], "toggle"))
        return toggle();
    fprintf(stderr, "usage: flaglive serve|toggle\n");
    return 2;
}
