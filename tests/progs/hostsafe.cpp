/* SPDX-License-Identifier: MIT
 * hostsafe.cpp - what a host program may expect of the shim, one mode per
 * promise; each mode prints "ok" and exits 0, or says what broke and exits 1.
 *   fds:     the first open() returns 3 after allocations that unwind
 *   jit:     fds 3 and 4 reused for the program's files, allocations from
 *            code without unwind info (a JIT-like mmap'd buffer); the files
 *            and the fd table stay as they were
 *   errno:   each successful malloc, calloc, realloc, free, strdup, operator
 *            new and std::string growth leaves errno as it found it
 *   altstack: malloc, calloc, realloc, strdup and new in a signal handler on
 *            an 8 KB sigaltstack
 *   minstack: a PTHREAD_STACK_MIN thread recurses until 3 KB remain, then
 *            allocates
 *   forkstacks: 1024 distinct allocation stacks kept live, fork; the child
 *            allocates once more on each (kept) and frees the parent's blocks,
 *            then exits; prints "child PID"
 *   forkthreads: 50 forks while 4 threads allocate; every child must exit
 *            within 10 s
 *   mem:     100000 live blocks of 1..200 bytes; prints "per_block=X", the
 *            bytes glibc holds per live block (mallinfo2), after checking
 *            each block's usable size and that realloc keeps the bytes
 */
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <fcntl.h>
#include <malloc.h>
#include <limits.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "child_wait.h"

static void *volatile sink;

static int fail(const char *what)
{
    printf("FAIL %s\n", what);
    fflush(stdout);
    return 1;
}

/* Allocations that make the shim walk the stack: from inside libc (getline,
 * asprintf) and from libstdc++'s std::string. */
__attribute__((noinline)) static void unwinding_allocations(int rounds)
{
    for (int i = 0; i < rounds; i++) {
        char *s = nullptr;
        if (asprintf(&s, "%d %s", i, "unwind me") > 0)
            sink = s;
        free(s);
        std::string *str = new std::string(100 + i, 'x');
        sink = str;
        delete str;
    }
}

static int mode_fds()
{
    unwinding_allocations(50);
    int fd = open("/dev/null", O_RDONLY);
    if (fd != 3) {
        printf("FAIL first open() returned %d\n", fd);
        return 1;
    }
    close(fd);
    puts("ok");
    return 0;
}

/* Machine code: push rbp; mov rbp,rsp; mov edi,48; movabs rax,fn; call rax;
 * pop rbp; ret -- a frame-pointer function without unwind info. */
typedef void *(*jit_fn)(void);

static jit_fn make_jit(void *(*target)(size_t))
{
    unsigned char *code = (unsigned char *)mmap(nullptr, 4096, PROT_READ | PROT_WRITE,
                                                MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (code == MAP_FAILED)
        return nullptr;
    unsigned char *p = code;
    const unsigned char pro[] = { 0x55, 0x48, 0x89, 0xe5, 0xbf, 0x30, 0x00, 0x00, 0x00, 0x48, 0xb8 };
    memcpy(p, pro, sizeof pro);
    p += sizeof pro;
    uint64_t t = (uint64_t)(uintptr_t)target;
    memcpy(p, &t, 8);
    p += 8;
    const unsigned char epi[] = { 0xff, 0xd0, 0x5d, 0xc3 };
    memcpy(p, epi, sizeof epi);
    if (mprotect(code, 4096, PROT_READ | PROT_EXEC) != 0)
        return nullptr;
    return (jit_fn)(void *)code;
}

static int same_file(int fd, const struct stat *want)
{
    struct stat st;
    return fstat(fd, &st) == 0 && st.st_ino == want->st_ino && st.st_dev == want->st_dev;
}

static int mode_jit()
{
    unwinding_allocations(5);
    close(3);
    close(4);
    char path[2][64];
    struct stat want[2];
    for (int i = 0; i < 2; i++) {
        snprintf(path[i], sizeof path[i], "/tmp/hostsafe-%d-%d", (int)getpid(), i);
        int fd = open(path[i], O_RDWR | O_CREAT | O_TRUNC, 0600);
        if (fd != 3 + i)
            return fail("open did not reuse fds 3 and 4");
        if (write(fd, "program data\n", 13) != 13)
            return fail("write");
        fstat(fd, &want[i]);
    }
    jit_fn f = make_jit(malloc);
    if (!f)
        return fail("no executable buffer");
    for (int i = 0; i < 1000; i++) {
        void *p = f();
        sink = p;
        free(p);
    }
    unwinding_allocations(20);
    int rc = 0;
    for (int i = 0; i < 2; i++) {
        struct stat st;
        if (!same_file(3 + i, &want[i]))
            rc = fail("fd no longer the program's file");
        if (stat(path[i], &st) != 0 || st.st_size != 13)
            rc = fail("the program's file changed size");
        char buf[64] = { 0 };
        if (pread(3 + i, buf, sizeof buf, 0) != 13 || memcmp(buf, "program data\n", 13) != 0)
            rc = fail("the program's file changed");
        unlink(path[i]);
    }
    int fd = open("/dev/null", O_RDONLY);
    if (fd != 5)
        rc = fail("an extra descriptor is open");
    if (!rc)
        puts("ok");
    return rc;
}

#define SENTINEL 4242

#define KEEPS(expr, what)                                                                  \
    do {                                                                                   \
        errno = SENTINEL;                                                                  \
        expr;                                                                              \
        if (errno != SENTINEL) {                                                           \
            printf("FAIL %s changed errno to %d\n", what, errno);                          \
            rc = 1;                                                                        \
        }                                                                                  \
    } while (0)

static void *errno_thread(void *arg)
{
    int *rc_out = (int *)arg;
    int rc = 0;
    void *p;
    KEEPS(p = malloc(24), "malloc in a new thread");
    KEEPS(free(p), "free in a new thread");
    KEEPS(sink = new std::string(200, 'y'), "std::string in a new thread");
    delete (std::string *)sink;
    *rc_out = rc;
    return nullptr;
}

static int mode_errno()
{
    int rc = 0;
    void *p = nullptr, *q = nullptr;
    char *s = nullptr;
    KEEPS(p = malloc(40), "malloc");
    KEEPS(q = calloc(10, 10), "calloc");
    KEEPS(p = realloc(p, 4000), "realloc");
    KEEPS(s = strdup("errno"), "strdup");
    KEEPS(free(s), "free of strdup");
    KEEPS(free(p), "free");
    KEEPS(free(q), "free of calloc");
    int *i = nullptr;
    KEEPS(i = new int(7), "operator new");
    KEEPS(delete i, "operator delete");
    std::string *str = nullptr;
    KEEPS(str = new std::string(300, 'z'), "std::string");
    KEEPS(str->append(5000, 'w'), "std::string growth");
    KEEPS(delete str, "std::string destruction");
    std::vector<int> v;
    KEEPS(for (int k = 0; k < 1000; k++) v.push_back(k), "std::vector growth");
    KEEPS(if (asprintf(&s, "%d", 5) > 0) free(s), "asprintf");
    int trc = 1;
    pthread_t t;
    if (pthread_create(&t, nullptr, errno_thread, &trc) != 0)
        return fail("pthread_create");
    pthread_join(t, nullptr);
    rc |= trc;
    if (!rc)
        puts("ok");
    return rc;
}

static volatile sig_atomic_t handler_ok;

static void alloc_handler(int sig)
{
    (void)sig;
    void *p = malloc(100);
    void *q = calloc(3, 50);
    p = realloc(p, 3000);
    char *s = strdup("in a handler");
    int *n = new int(3);
    sink = p;
    sink = q;
    sink = s;
    sink = n;
    delete n;
    free(s);
    free(q);
    free(p);
    handler_ok = p && q && s;
}

static int mode_altstack()
{
    stack_t ss;
    ss.ss_size = 8192;
    ss.ss_flags = 0;
    /* the signal stack with a PROT_NONE page below it: overflow faults */
    char *m = (char *)mmap(nullptr, 4096 + ss.ss_size, PROT_READ | PROT_WRITE,
                           MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED || mprotect(m, 4096, PROT_NONE) != 0)
        return fail("mmap");
    ss.ss_sp = m + 4096;
    if (sigaltstack(&ss, nullptr) != 0)
        return fail("sigaltstack");
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = alloc_handler;
    sa.sa_flags = SA_ONSTACK;
    sigaction(SIGUSR1, &sa, nullptr);
    for (int i = 0; i < 20; i++) {
        handler_ok = 0;
        raise(SIGUSR1);
        if (!handler_ok)
            return fail("allocation in the handler");
        unwinding_allocations(1);
    }
    puts("ok");
    return 0;
}

static char *minstack_lo;
static volatile int minstack_ok;

__attribute__((noinline)) static void deep(int left)
{
    volatile char pad[256];
    pad[0] = (char)left;
    char here;
    if ((size_t)(&here - minstack_lo) > 3072 + sizeof pad) {
        deep(left + 1);
    } else {
        void *p = malloc(64);
        std::string *s = new std::string(500, 'q');
        sink = p;
        sink = s;
        delete s;
        free(p);
        minstack_ok = p != nullptr;
    }
    pad[1] = 0;
}

static void *minstack_thread(void *arg)
{
    (void)arg;
    deep(0);
    return nullptr;
}

static int mode_minstack()
{
    size_t size = PTHREAD_STACK_MIN;
    char *m = (char *)mmap(nullptr, 4096 + size, PROT_READ | PROT_WRITE,
                           MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED || mprotect(m, 4096, PROT_NONE) != 0)
        return fail("mmap");
    minstack_lo = m + 4096;
    pthread_attr_t a;
    pthread_attr_init(&a);
    pthread_attr_setstack(&a, minstack_lo, size);
    unwinding_allocations(2);
    for (int i = 0; i < 5; i++) {
        pthread_t t;
        minstack_ok = 0;
        if (pthread_create(&t, &a, minstack_thread, nullptr) != 0)
            return fail("pthread_create");
        pthread_join(t, nullptr);
        if (!minstack_ok)
            return fail("allocation near the stack's end");
    }
    puts("ok");
    return 0;
}

/* 1024 stacks: ten levels, each through one of two functions. */
static void *fork_blocks[2][1024];
__attribute__((noinline)) static void rec(unsigned i, int level, void **slot);
__attribute__((noinline)) static void via_a(unsigned i, int level, void **slot) { rec(i, level, slot); sink = nullptr; }
__attribute__((noinline)) static void via_b(unsigned i, int level, void **slot) { rec(i, level, slot); sink = nullptr; }
__attribute__((noinline)) static void rec(unsigned i, int level, void **slot)
{
    if (level == 0) {
        *slot = malloc(32);
        return;
    }
    if (i >> (level - 1) & 1)
        via_a(i, level - 1, slot);
    else
        via_b(i, level - 1, slot);
    sink = nullptr;
}

__attribute__((noinline)) static void all_stacks(int round)
{
    for (unsigned i = 0; i < 1024; i++)
        rec(i, 10, &fork_blocks[round][i]);
}

/* Both rounds allocate through the same call sites, so the child's stacks
 * are the parent's: each ends with allocs=2 frees=1 in the child. */
static volatile int fork_round; /* volatile: one call site for both rounds */

static int mode_forkstacks()
{
    for (fork_round = 0; fork_round < 2; fork_round = fork_round + 1) {
        if (fork_round == 1) {
            fflush(stdout);
            pid_t pid = fork();
            if (pid < 0)
                return fail("fork");
            if (pid > 0) {
                int st;
                waitpid(pid, &st, 0);
                if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
                    return fail("child");
                printf("child %d\nok\n", (int)pid);
                return 0;
            }
        }
        all_stacks(fork_round);
    }
    for (unsigned i = 0; i < 1024; i++)
        free(fork_blocks[0][i]); /* the parent's blocks, freed in the child */
    exit(0);
}

static volatile int stop_threads;

static jit_fn churn_jit;

/* Walks through libc, libstdc++ and code without unwind info (the slowest
 * ways through an unwinder, and the ones that look up objects). */
static void churn_once()
{
    unwinding_allocations(1);
    void *p = churn_jit();
    sink = p;
    free(p);
    /* code at an address never seen before: an unwinder's slow path */
    jit_fn fresh = make_jit(malloc);
    if (fresh) {
        p = fresh();
        sink = p;
        free(p);
        munmap((void *)fresh, 4096);
    }
}

static void *churn(void *arg)
{
    (void)arg;
    while (!stop_threads)
        churn_once();
    return nullptr;
}

static int mode_forkthreads()
{
    churn_jit = make_jit(malloc);
    if (!churn_jit)
        return fail("no executable buffer");
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], nullptr, churn, nullptr);
    int rc = 0;
    for (int n = 0; n < 50 && !rc; n++) {
        pid_t pid = fork();
        if (pid < 0)
            return fail("fork");
        if (pid == 0) {
            for (int i = 0; i < 3; i++)
                churn_once();
            _exit(0);
        }
        int st = 0;
        if (!child_ended(pid, &st, 10000)) {
            rc = fail("a child hung after fork");
        } else if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
            rc = fail("a child failed");
        }
    }
    stop_threads = 1;
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], nullptr);
    if (!rc)
        puts("ok");
    return rc;
}

static int mode_mem()
{
    enum { N = 100000 };
    static char *blocks[N];
    struct mallinfo2 before = mallinfo2();
    for (int i = 0; i < N; i++) {
        size_t n = 1 + (size_t)(i * 37 % 200);
        blocks[i] = (char *)malloc(n);
        if (!blocks[i])
            return fail("malloc");
        memset(blocks[i], i & 0x7f, n);
        if (malloc_usable_size(blocks[i]) < n)
            return fail("usable size below the size asked");
    }
    struct mallinfo2 after = mallinfo2();
    printf("per_block=%.2f\n", (double)(after.uordblks - before.uordblks) / N -
                                    (double)(1 + 199) / 2);
    for (int i = 0; i < N; i += 1000) {
        size_t n = 1 + (size_t)(i * 37 % 200);
        char *q = (char *)realloc(blocks[i], n + 5000);
        if (!q)
            return fail("realloc");
        for (size_t k = 0; k < n; k++)
            if (q[k] != (char)(i & 0x7f))
                return fail("realloc lost the block's bytes");
        blocks[i] = q;
    }
    for (int i = 0; i < N; i++)
        free(blocks[i]);
    puts("ok");
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 2)
        return 2;
    static const struct {
        const char *name;
        int (*fn)();
    } modes[] = {
        { "fds", mode_fds },
        { "jit", mode_jit },
        { "errno", mode_errno },
        { "altstack", mode_altstack },
        { "minstack", mode_minstack },
        { "forkstacks", mode_forkstacks },
        { "forkthreads", mode_forkthreads },
        { "mem", mode_mem },
    };
    for (const auto &mode : modes)
        if (!strcmp(argv[1], mode.name))
            return mode.fn();
    return 2;
}
