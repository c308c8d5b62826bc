/* SPDX-License-Identifier: MIT
 * stress.c - allocation patterns under stress, with exact expected counts the
 * integration tests check (tests/integration/test_stress.c):
 *   stress threads W R S D   W workers allocating R times while S joined and
 *                            D detached short-lived threads come and go
 *   stress storm N           a tree of N processes, half forked, half exec'd
 *   stress signals K         K signal handlers allocating under their own tag
 * Built with nothing but include/heaptag.h. Exits 0 when the pattern ran.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "heaptag.h"

static void *(*volatile do_malloc)(size_t) = malloc;

static void die(const char *what)
{
    fprintf(stderr, "stress: %s\n", what);
    exit(3);
}

/* Tells the test our pid (for live flag changes) when STRESS_PIDFILE is set. */
static void note_pid(void)
{
    const char *path = getenv("STRESS_PIDFILE");
    FILE *f = path ? fopen(path, "w") : NULL;
    if (f) {
        fprintf(f, "%d\n", (int)getpid());
        fclose(f);
    }
}

/* ---- threads: "Work" W*(R+100) allocs, W*R frees, W*100*40 bytes live;
 * "Thrd" and "Detc" 50 allocs, 49 frees, 32 bytes live per thread;
 * "Hand" blocks made by short threads and freed by workers: all freed. */

#define HAND_SLOTS 64
static void *hand[HAND_SLOTS];
static long hand_made, hand_freed;
static pthread_mutex_t hand_lock = PTHREAD_MUTEX_INITIALIZER;
static long work_iters;
static int spawning_done;
static void **thrd_keep;
static int detached_done;

static void *worker(void *arg)
{
    void **keep = arg;
    HEAPTAG_SCOPE("Work") {
        for (long i = 0; i < work_iters; i++) {
            void *p = do_malloc(24 + (size_t)(i % 64));
            free(p);
            if (i % (work_iters / 100 + 1) == 0 && keep - (void **)arg < 100)
                *keep++ = do_malloc(40);
        }
        while (keep - (void **)arg < 100)
            *keep++ = do_malloc(40);
    }
    /* free whatever blocks short threads handed over, until they are done */
    for (;;) {
        pthread_mutex_lock(&hand_lock);
        int done = __atomic_load_n(&spawning_done, __ATOMIC_ACQUIRE) && hand_freed == hand_made;
        for (int i = 0; i < HAND_SLOTS; i++)
            if (hand[i]) {
                free(hand[i]);
                hand[i] = NULL;
                hand_freed++;
            }
        pthread_mutex_unlock(&hand_lock);
        if (done)
            return NULL;
        sched_yield();
    }
}

static void short_life(const char *tag, void **leak)
{
    void *v[49];
    HEAPTAG_SCOPE(tag) {
        for (int i = 0; i < 49; i++)
            v[i] = do_malloc(32);
        *leak = do_malloc(32);
    }
    for (int i = 0; i < 49; i++)
        free(v[i]);
    void *h = NULL;
    HEAPTAG_SCOPE("Hand") h = do_malloc(100);
    pthread_mutex_lock(&hand_lock);
    for (int i = 0; h && i < HAND_SLOTS; i++)
        if (!hand[i]) {
            hand[i] = h;
            hand_made++;
            h = NULL;
        }
    pthread_mutex_unlock(&hand_lock);
    free(h); /* no slot free: freed here, still a "Hand" alloc and free */
}

static void *joined_thread(void *arg)
{
    short_life("Thrd", arg);
    return NULL;
}

static void *detached_thread(void *arg)
{
    short_life("Detc", arg);
    __atomic_add_fetch(&detached_done, 1, __ATOMIC_RELEASE);
    return NULL;
}

static int run_threads(int w, long r, int s, int d)
{
    pthread_t tw[64], batch[8];
    void **work_keep = calloc((size_t)w * 100, sizeof(void *));
    thrd_keep = calloc((size_t)(s + d), sizeof(void *));
    if (w > 64 || !work_keep || !thrd_keep)
        die("bad arguments");
    work_iters = r;
    for (int i = 0; i < w; i++)
        if (pthread_create(&tw[i], NULL, worker, work_keep + i * 100))
            die("pthread_create");
    pthread_attr_t det;
    pthread_attr_init(&det);
    pthread_attr_setdetachstate(&det, PTHREAD_CREATE_DETACHED);
    for (int i = 0, k = 0; i < s || k < d;) {
        int n = 0;
        for (; n < 8 && i < s; n++, i++)
            if (pthread_create(&batch[n], NULL, joined_thread, &thrd_keep[i]))
                die("pthread_create");
        if (k < d) {
            pthread_t t;
            if (pthread_create(&t, &det, detached_thread, &thrd_keep[s + k++]))
                die("pthread_create");
        }
        for (int j = 0; j < n; j++)
            pthread_join(batch[j], NULL);
    }
    while (__atomic_load_n(&detached_done, __ATOMIC_ACQUIRE) < d)
        sched_yield();
    __atomic_store_n(&spawning_done, 1, __ATOMIC_RELEASE);
    for (int i = 0; i < w; i++)
        pthread_join(tw[i], NULL);
    printf("threads %d %ld %d %d hand %ld\n", w, r, s, d, hand_made);
    return 0;
}

/* ---- storm: node i has children 3i+1..3i+3 below N; odd children exec,
 * even ones only fork and inherit their parent's counts. Each node leaves
 * (i % 5) + 1 blocks of 64 bytes live in "Node" and does 20 "Chrn" pairs,
 * then prints what its own segment must hold. */

struct expect {
    long node_allocs, chrn_allocs;
};

static void node(int n, int i, struct expect inherited, const char *self)
{
    struct expect e = inherited;
    static void *keep[8];
    HEAPTAG_SCOPE("Node") {
        for (int k = 0; k < i % 5 + 1; k++)
            keep[k] = do_malloc(64);
        __asm__ volatile("" : : "r"(keep) : "memory"); /* the blocks stay live */
    }
    HEAPTAG_SCOPE("Chrn") {
        for (int k = 0; k < 20; k++)
            free(do_malloc(16 + (size_t)k));
    }
    e.node_allocs += i % 5 + 1;
    e.chrn_allocs += 20;

    pid_t kids[3];
    int nk = 0;
    for (int c = 3 * i + 1; c <= 3 * i + 3 && c < n; c++) {
        fflush(stdout);
        pid_t pid = fork();
        if (pid < 0)
            die("fork");
        if (pid == 0) {
            if (c % 2) {
                char nb[16], cb[16];
                snprintf(nb, sizeof nb, "%d", n);
                snprintf(cb, sizeof cb, "%d", c);
                execl(self, "stress", "storm-node", nb, cb, (char *)NULL);
                _exit(126);
            }
            node(n, c, e, self);
            exit(0);
        }
        kids[nk++] = pid;
    }
    int bad = 0;
    for (int k = 0; k < nk; k++) {
        int st;
        if (waitpid(kids[k], &st, 0) != kids[k] || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
            bad = 1;
    }
    char line[160];
    int len = snprintf(line, sizeof line, "node %d pid %d Node %ld %ld %ld Chrn %ld %ld %ld%s\n",
                       i, (int)getpid(), e.node_allocs, 0L, e.node_allocs * 64,
                       e.chrn_allocs, e.chrn_allocs, 0L, bad ? " child-failed" : "");
    if (write(1, line, (size_t)len) != len)
        die("write");
    if (bad)
        exit(4);
}

/* ---- signals: the main thread allocates and frees in "Main" while another
 * thread sends K signals; each handler allocates two 64-byte blocks in "Sigh"
 * and frees one. Sizes are chosen so the main loop stays in glibc's lock-free
 * per-thread cache: the test is about the shim's state, not glibc's locks. */

static volatile sig_atomic_t handled;
static void **sig_keep;
static pthread_t main_thread;

static void on_signal(int sig)
{
    (void)sig;
    HEAPTAG_SCOPE("Sigh") {
        void *p = do_malloc(64);
        void *q = do_malloc(64);
        free(p);
        sig_keep[handled] = q;
    }
    handled = handled + 1;
}

static long sig_target;

static void *sender(void *arg)
{
    (void)arg;
    for (long k = 0; k < sig_target; k++) {
        pthread_kill(main_thread, SIGUSR1);
        while (handled <= k)
            sched_yield();
    }
    return NULL;
}

static int run_signals(long k)
{
    sig_keep = calloc((size_t)k + 1, sizeof(void *));
    void *warm[7];
    for (int i = 0; i < 7; i++)
        warm[i] = do_malloc(32);
    for (int i = 0; i < 7; i++)
        free(warm[i]);
    HEAPTAG_SCOPE("Warm") free(do_malloc(64)); /* resolve the API before any signal */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGUSR1, &sa, NULL);
    main_thread = pthread_self();
    sig_target = k;
    pthread_t t;
    if (pthread_create(&t, NULL, sender, NULL))
        die("pthread_create");
    long iters = 0;
    HEAPTAG_SCOPE("Main") {
        while (handled < k) {
            free(do_malloc(32));
            iters++;
        }
    }
    pthread_join(t, NULL);
    printf("signals %ld main %ld\n", (long)handled, iters);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        die("usage: stress threads W R S D | storm N | signals K");
    note_pid();
    if (!strcmp(argv[1], "threads") && argc == 6)
        return run_threads(atoi(argv[2]), atol(argv[3]), atoi(argv[4]), atoi(argv[5]));
    if (!strcmp(argv[1], "storm") && argc == 3) {
        struct expect none = { 0, 0 };
        node(atoi(argv[2]), 0, none, "/proc/self/exe");
        return 0;
    }
    if (!strcmp(argv[1], "storm-node") && argc == 4) {
        struct expect none = { 0, 0 };
        node(atoi(argv[2]), atoi(argv[3]), none, "/proc/self/exe");
        return 0;
    }
    if (!strcmp(argv[1], "signals") && argc == 3)
        return run_signals(atol(argv[2]));
    die("usage: stress threads W R S D | storm N | signals K");
}
