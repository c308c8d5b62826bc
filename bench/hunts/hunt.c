/* SPDX-License-Identifier: MIT
 * hunt.c - leak hunts for `heaptag trend`, one per mode, each running SECONDS
 * (default 45) at -O2, the way a user's program would. What each must get:
 *   churnleak [BYTES] [PERIOD_MS]  a site churning ~1 MB/s of short-lived
 *                                  blocks that also leaks BYTES (48) every
 *                                  PERIOD_MS (200): named
 *   prefork                        a parent and 4 workers; worker 2 leaks
 *                                  512 B every 100 ms: that worker named
 *   stops                          leaks 2 KB/s for 20 s, then holds it: a
 *                                  leak that stopped
 *   steps                          a pool grown in 3 steps of 64 KB, then
 *                                  released and grown again: nothing
 *   wrapper                        leaks 1 KB/s through a wrapper in a shared
 *                                  library (libhuntwrap.so): named
 *   threadpool                     4 threads churn; one task leaks 256 B
 *                                  every 100 ms from any thread: named
 *   tags                           tag Conn: one site holds 96 KB from the
 *                                  start, another leaks 4 KB/s and overtakes
 *                                  it at ~24 s; tag Cache churns: Conn named
 *                                  from +0 s, one series
 * Built with nothing but include/heaptag.h.
 */
#include <heaptag.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

void *hunt_wrap_alloc(size_t n); /* libhuntwrap.so */

static void *volatile sink;
static double seconds = 45;

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static void nap_ms(double ms)
{
    struct timespec t = { (time_t)(ms / 1000), (long)((ms - (double)(time_t)(ms / 1000) * 1000) * 1e6) };
    nanosleep(&t, NULL);
}

static unsigned rnd(unsigned *s)
{
    *s = *s * 1103515245u + 12345u;
    return *s >> 8;
}

/* The churning site: every message of the program comes from here. */
__attribute__((noinline)) static char *new_message(size_t n)
{
    char *m = malloc(n);
    memset(m, 1, n < 64 ? n : 64);
    return m;
}

/* About 1 MB/s of messages, 32 in flight, each freed soon; every period one
 * of them (leak bytes) is never freed. */
static void churnleak(size_t leak, double period_ms)
{
    char *ring[32] = { 0 };
    unsigned s = 7, i = 0;
    double t0 = now(), next_leak = t0 + period_ms / 1000;
    while (now() - t0 < seconds) {
        for (int k = 0; k < 50; k++, i++) { /* 50 messages of ~2 KB per 10 ms */
            free(ring[i % 32]);
            ring[i % 32] = new_message(16 + rnd(&s) % 4080);
        }
        if (now() >= next_leak) {
            sink = new_message(leak); /* the bug: this one is kept forever */
            next_leak += period_ms / 1000;
        }
        nap_ms(10);
    }
}

__attribute__((noinline)) static void *worker_buffer(size_t n)
{
    return malloc(n);
}

static void prefork(void)
{
    pid_t kids[4];
    for (int w = 0; w < 4; w++) {
        kids[w] = fork();
        if (kids[w] == 0) {
            unsigned s = (unsigned)w + 1;
            char *ring[16] = { 0 };
            double t0 = now();
            for (unsigned i = 0; now() - t0 < seconds; i++) {
                free(ring[i % 16]);
                ring[i % 16] = worker_buffer(64 + rnd(&s) % 2048);
                if (w == 2)
                    sink = worker_buffer(512); /* this worker forgets one a request */
                nap_ms(100);
            }
            _exit(0);
        }
    }
    for (int w = 0; w < 4; w++)
        waitpid(kids[w], NULL, 0);
}

__attribute__((noinline)) static void *startup_table(size_t n)
{
    return malloc(n);
}

static void stops(void)
{
    double t0 = now();
    while (now() - t0 < 20) {
        sink = startup_table(200); /* 2 KB/s, then never again */
        nap_ms(100);
    }
    while (now() - t0 < seconds)
        nap_ms(100);
}

__attribute__((noinline)) static void *pool_chunk(size_t n)
{
    return malloc(n);
}

static void steps(void)
{
    void *chunk[64];
    int n = 0;
    double t0 = now();
    for (int round = 0; now() - t0 < seconds; round++) {
        for (int step = 0; step < 3; step++) {
            for (int k = 0; k < 16 && n < 64; k++)
                chunk[n++] = pool_chunk(4096); /* +64 KB at once */
            nap_ms(5000);
        }
        while (n > 0)
            free(chunk[--n]); /* the pool released */
        nap_ms(5000);
    }
}

static void wrapper(void)
{
    double t0 = now();
    while (now() - t0 < seconds) {
        sink = hunt_wrap_alloc(100);
        free(hunt_wrap_alloc(3000));
        nap_ms(100);
    }
}

__attribute__((noinline)) static void *task_result(size_t n)
{
    return malloc(n);
}

static volatile int pool_stop;
static pthread_mutex_t leak_lock = PTHREAD_MUTEX_INITIALIZER;
static double pool_next_leak;

static void *pool_thread(void *arg)
{
    unsigned s = (unsigned)(size_t)arg;
    char *ring[8] = { 0 };
    for (unsigned i = 0; !pool_stop; i++) {
        free(ring[i % 8]);
        ring[i % 8] = task_result(32 + rnd(&s) % 1024);
        pthread_mutex_lock(&leak_lock);
        int leak = now() >= pool_next_leak;
        if (leak)
            pool_next_leak += 0.1;
        pthread_mutex_unlock(&leak_lock);
        if (leak)
            sink = task_result(256); /* one task type keeps its result */
        nap_ms(5);
    }
    for (int k = 0; k < 8; k++)
        free(ring[k]);
    return NULL;
}

static void threadpool(void)
{
    pthread_t th[4];
    pool_next_leak = now() + 0.1;
    for (size_t k = 0; k < 4; k++)
        pthread_create(&th[k], NULL, pool_thread, (void *)(k + 1));
    double t0 = now();
    while (now() - t0 < seconds)
        nap_ms(100);
    pool_stop = 1;
    for (int k = 0; k < 4; k++)
        pthread_join(th[k], NULL);
}

__attribute__((noinline)) static void *conn_table(size_t n)
{
    return malloc(n);
}

__attribute__((noinline)) static void *conn_state(size_t n)
{
    return malloc(n);
}

static void tags(void)
{
    void *cache[64] = { 0 };
    unsigned s = 3;
    HEAPTAG_SCOPE("Conn") {
        sink = conn_table(96 * 1024); /* held from the start */
    }
    double t0 = now();
    for (unsigned i = 0; now() - t0 < seconds; i++) {
        HEAPTAG_SCOPE("Conn") {
            sink = conn_state(400); /* 4 KB/s, never freed */
        }
        HEAPTAG_SCOPE("Cache") {
            free(cache[i % 64]);
            cache[i % 64] = malloc(256 + rnd(&s) % 512);
        }
        nap_ms(100);
    }
}

/* The hunts that take no argument, by name; churnleak takes two. */
static const struct {
    const char *name;
    void (*run)(void);
} hunts[] = {
    { "prefork", prefork }, { "stops", stops }, { "steps", steps },
    { "wrapper", wrapper }, { "threadpool", threadpool }, { "tags", tags },
};

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    const char *sec = getenv("HUNT_SECONDS");
    if (sec && atof(sec) > 0)
        seconds = atof(sec);
    if (!strcmp(mode, "churnleak")) {
        churnleak(argc > 2 ? (size_t)atol(argv[2]) : 48, argc > 3 ? atof(argv[3]) : 200);
        return 0;
    }
    for (size_t i = 0; i < sizeof hunts / sizeof hunts[0]; i++)
        if (!strcmp(mode, hunts[i].name)) {
            hunts[i].run();
            return 0;
        }
    fprintf(stderr, "usage: hunt churnleak");
    for (size_t i = 0; i < sizeof hunts / sizeof hunts[0]; i++)
        fprintf(stderr, "|%s", hunts[i].name);
    fprintf(stderr, "\n");
    return 2;
}
