/* SPDX-License-Identifier: MIT
 * microbench.c - the allocator microbenchmark of `make bench`.
 *
 *   microbench mix  [-t THREADS] [-n ITERS] [-w WINDOW] [-s SEED]
 *       random sizes 16 B..4 KiB with occasional 64 KiB and 1 MiB blocks, malloc,
 *       calloc and realloc over a window of live blocks per thread (timed runs);
 *   microbench pair [-n ITERS]
 *       one malloc and one free per iteration from one call site (callgrind);
 *   microbench mem  [-n BLOCKS]
 *       bytes the heap holds per live block beyond the sizes asked for.
 *
 * Built twice: plain, and with -DBENCH_TAGGED, where every thread's work runs
 * inside HEAPTAG_SCOPE("Bnch") (explicit tags). Deterministic: the same seed
 * gives the same sequence of calls. It must never depend on the shim's presence.
 */
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "heaptag.h"

#ifdef BENCH_TAGGED
#define BENCH_SCOPE HEAPTAG_SCOPE("Bnch")
#else
#define BENCH_SCOPE
#endif

struct job {
    uint64_t seed;
    long iters;
    long window;
    uint64_t sum; /* keeps the work observable */
};

static uint64_t prng_next(uint64_t *s) /* splitmix64 */
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Mostly 16 B..4 KiB (small sizes likelier), 1/512 64 KiB, 1/8192 1 MiB. */
static size_t pick_size(uint64_t r)
{
    if ((r & 8191) == 0)
        return (size_t)1 << 20;
    if ((r & 511) == 1)
        return (size_t)64 << 10;
    unsigned shift = 4 + (unsigned)((r >> 13) % 9);             /* 16 .. 4096 */
    size_t size = ((size_t)1 << shift) + ((r >> 17) & (((size_t)1 << shift) - 1));
    return size > 4096 ? 4096 : size;
}

static void mix_run(struct job *j)
{
    void **slot = calloc((size_t)j->window, sizeof *slot);
    size_t *len = calloc((size_t)j->window, sizeof *len);
    if (!slot || !len)
        abort();
    uint64_t s = j->seed, sum = 0;
    for (long i = 0; i < j->iters; i++) {
        uint64_t r = prng_next(&s);
        long k = (long)((r >> 40) % (uint64_t)j->window);
        size_t size = pick_size(r);
        unsigned op = (unsigned)(r >> 60); /* 16 ways */
        char *p;
        if (slot[k] && op < 3) {        /* realloc a live block */
            p = realloc(slot[k], size);
        } else {
            free(slot[k]);
            p = op < 5 ? calloc(1, size) : malloc(size);
        }
        if (!p)
            abort();
        p[0] = (char)i;                 /* touch both ends, as a user would */
        p[size - 1] = (char)r;
        sum += (uint64_t)(unsigned char)p[0];
        slot[k] = p;
        len[k] = size;
    }
    for (long k = 0; k < j->window; k++)
        free(slot[k]);
    free(slot);
    free(len);
    j->sum = sum;
}

static void *mix_thread(void *arg)
{
    BENCH_SCOPE { mix_run(arg); }
    return NULL;
}

static int cmd_mix(int threads, long iters, long window, uint64_t seed)
{
    pthread_t tid[64];
    struct job job[64];
    uint64_t sum = 0;
    for (int i = 0; i < threads; i++) {
        job[i] = (struct job){ seed + (uint64_t)i * 1000003u, iters, window, 0 };
        if (threads == 1)
            mix_thread(&job[i]);
        else if (pthread_create(&tid[i], NULL, mix_thread, &job[i]) != 0)
            return 1;
    }
    for (int i = 0; i < threads && threads > 1; i++)
        pthread_join(tid[i], NULL);
    for (int i = 0; i < threads; i++)
        sum += job[i].sum;
    printf("mix threads=%d iters=%ld window=%ld sum=%llu\n", threads, iters, window,
           (unsigned long long)sum);
    return 0;
}

/* One call site, a handful of small sizes: the steady state of a hot site. The
 * noinline keeps the loop a single function under callgrind. */
static __attribute__((noinline)) uint64_t pair_loop(long iters)
{
    static const size_t sizes[8] = { 24, 40, 64, 100, 128, 200, 256, 512 };
    uint64_t sum = 0;
    for (long i = 0; i < iters; i++) {
        char *volatile p = malloc(sizes[i & 7]);
        p[0] = (char)i;
        sum += (uint64_t)p[0];
        free(p);
    }
    return sum;
}

static int cmd_pair(long iters)
{
    uint64_t sum = 0;
    BENCH_SCOPE { sum = pair_loop(iters); }
    printf("pair iters=%ld sum=%llu\n", iters, (unsigned long long)sum);
    return 0;
}

/* The heap's bytes in use, as glibc itself counts them (mallinfo2 is not
 * interposed, so this sees the real chunks, headers of any shim included). */
static size_t heap_in_use(void)
{
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}

static int cmd_mem(long blocks)
{
    void **keep = malloc((size_t)blocks * sizeof *keep);
    if (!keep)
        return 1;
    uint64_t s = 42;
    size_t asked = 0;
    size_t before = heap_in_use();
    for (long i = 0; i < blocks; i++) {
        uint64_t r = prng_next(&s);
        size_t size = pick_size(r | 2); /* | 2: never the 64 KiB or 1 MiB case */
        keep[i] = malloc(size);
        if (!keep[i])
            return 1;
        asked += size;
    }
    size_t held = heap_in_use() - before;
    char path[96];
    struct stat st;
    snprintf(path, sizeof path, "/dev/shm/heaptag.%llu.%d",
             stat("/proc/self/ns/pid", &st) == 0 ? (unsigned long long)st.st_ino : 0ull,
             (int)getpid());
    /* what the segment occupies in /dev/shm, not its (sparse) size */
    long long seg = stat(path, &st) == 0 ? (long long)st.st_blocks * 512 : 0;
    printf("mem blocks=%ld asked=%zu held=%zu per_block=%.2f segment=%lld\n", blocks, asked,
           held, (double)(held - asked) / (double)blocks, seg);
    for (long i = 0; i < blocks; i++)
        free(keep[i]);
    free(keep);
    return 0;
}

int main(int argc, char **argv)
{
    int threads = 1;
    long iters = 1000000, window = 4096;
    uint64_t seed = 1;
    if (argc < 2) {
        fprintf(stderr, "usage: %s mix|pair|mem [-t THREADS] [-n N] [-w WINDOW] [-s SEED]\n",
                argv[0]);
        return 2;
    }
    const char *cmd = argv[1];
    int c;
    optind = 2;
    while ((c = getopt(argc, argv, "t:n:w:s:")) != -1) {
        switch (c) {
        case 't': threads = atoi(optarg); break;
        case 'n': iters = atol(optarg); break;
        case 'w': window = atol(optarg); break;
        case 's': seed = strtoull(optarg, NULL, 0); break;
        default: return 2;
        }
    }
    if (threads < 1 || threads > 64 || iters < 1 || window < 1) {
        fprintf(stderr, "%s: bad arguments\n", argv[0]);
        return 2;
    }
    if (strcmp(cmd, "mix") == 0)
        return cmd_mix(threads, iters, window, seed);
    if (strcmp(cmd, "pair") == 0)
        return cmd_pair(iters);
    if (strcmp(cmd, "mem") == 0)
        return cmd_mem(iters);
    fprintf(stderr, "%s: unknown command %s\n", argv[0], cmd);
    return 2;
}
