/* SPDX-License-Identifier: MIT
 * countalloc.c - an independent counting preload, the yardstick for the
 * shim's totals: it shares no code with the shim and counts only what reaches
 * the C allocator's entry points, with the shim's rules for what is an
 * allocation and what is a free:
 *   malloc, calloc, memalign, aligned_alloc, valloc, pvalloc, posix_memalign:
 *     one alloc when they succeed;
 *   free(p), p not NULL: one free;
 *   realloc / reallocarray(p, n): p NULL is an alloc; n 0 frees p (glibc);
 *     otherwise a free and an alloc when it succeeds, nothing when it fails.
 * strdup, operator new and delete need no hook: glibc's and libstdc++'s call
 * malloc and free through the PLT, so each is one call here as it is one
 * count in the shim.
 *
 * COUNTALLOC_OUT=PREFIX: the totals go to PREFIX.<pid> as they happen (a
 * shared file mapping, so nothing is lost to late destructors or _exit): two
 * native-endian uint64 at offset 0, allocs then frees; a forked child starts
 * a file of its own. dlsym's own allocations are served from a static buffer,
 * uncounted.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

struct counts {
    uint64_t allocs, frees;
};

static void *(*next_malloc)(size_t);
static void (*next_free)(void *);
static void *(*next_calloc)(size_t, size_t);
static void *(*next_realloc)(void *, size_t);
static void *(*next_memalign)(size_t, size_t);
static void *(*next_aligned_alloc)(size_t, size_t);
static void *(*next_valloc)(size_t);
static void *(*next_pvalloc)(size_t);
static int (*next_posix_memalign)(void **, size_t, size_t);
static void *(*next_reallocarray)(void *, size_t, size_t);

static struct counts local;          /* until the file is mapped */
static struct counts *volatile out = &local;
static char out_prefix[512];

/* dlsym's allocations while the next allocator is looked up */
static _Alignas(64) char boot[64 * 1024];
static size_t boot_used;
static int resolving;

static int in_boot(const void *p)
{
    return (const char *)p >= boot && (const char *)p < boot + sizeof boot;
}

static void *boot_alloc(size_t n)
{
    size_t start = (boot_used + 63) & ~(size_t)63;
    if (start + n > sizeof boot)
        return NULL;
    boot_used = start + n;
    return boot + start; /* static: zero already */
}

static struct counts *page; /* the mapped file */

static void map_file(void)
{
    const char *prefix = out_prefix[0] ? out_prefix : NULL;
    if (!prefix)
        return;
    char path[600];
    snprintf(path, sizeof path, "%s.%d", prefix, (int)getpid());
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return;
    if (ftruncate(fd, 4096) == 0) {
        void *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (m != MAP_FAILED) {
            page = m;
            *page = *out;
            out = page;
        }
    }
    close(fd);
}

static void on_fork_child(void)
{
    struct counts zero = { 0, 0 };
    local = zero;
    out = &local;
    page = NULL; /* the parent's mapping stays the parent's: counts go to ours */
    map_file();
}

static void resolve(void)
{
    if (next_free || resolving)
        return;
    resolving = 1;
    next_malloc = (void *(*)(size_t))dlsym(RTLD_NEXT, "malloc");
    next_calloc = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "calloc");
    next_realloc = (void *(*)(void *, size_t))dlsym(RTLD_NEXT, "realloc");
    next_memalign = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "memalign");
    next_aligned_alloc = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "aligned_alloc");
    next_valloc = (void *(*)(size_t))dlsym(RTLD_NEXT, "valloc");
    next_pvalloc = (void *(*)(size_t))dlsym(RTLD_NEXT, "pvalloc");
    next_posix_memalign = (int (*)(void **, size_t, size_t))dlsym(RTLD_NEXT, "posix_memalign");
    next_reallocarray = (void *(*)(void *, size_t, size_t))dlsym(RTLD_NEXT, "reallocarray");
    next_free = (void (*)(void *))dlsym(RTLD_NEXT, "free");
    resolving = 0;
}

__attribute__((constructor)) static void countalloc_init(void)
{
    resolve();
    const char *p = getenv("COUNTALLOC_OUT");
    if (p && strlen(p) < sizeof out_prefix) {
        strcpy(out_prefix, p);
        map_file();
        pthread_atfork(NULL, NULL, on_fork_child);
    }
}

#define ADD(field) __atomic_fetch_add(&out->field, 1, __ATOMIC_RELAXED)

static void *counted(void *p)
{
    if (p)
        ADD(allocs);
    return p;
}

void *malloc(size_t n)
{
    resolve();
    if (resolving || !next_free)
        return boot_alloc(n);
    return counted(next_malloc(n));
}

void *calloc(size_t c, size_t n)
{
    resolve();
    if (resolving || !next_free) {
        size_t t;
        return __builtin_mul_overflow(c, n, &t) ? NULL : boot_alloc(t);
    }
    return counted(next_calloc(c, n));
}

void free(void *p)
{
    if (!p || in_boot(p))
        return;
    resolve();
    ADD(frees);
    next_free(p);
}

static void *realloc_counted(void *p, void *q, size_t n)
{
    if (!p)
        return counted(q);
    if (n == 0 && !q) {
        ADD(frees);
        return q;
    }
    if (q) {
        ADD(frees);
        ADD(allocs);
    }
    return q;
}

void *realloc(void *p, size_t n)
{
    resolve();
    if (in_boot(p)) {
        void *q = malloc(n);
        size_t room = (size_t)(boot + sizeof boot - (char *)p);
        if (q)
            memcpy(q, p, n < room ? n : room);
        return q;
    }
    return realloc_counted(p, next_realloc(p, n), n);
}

void *reallocarray(void *p, size_t c, size_t n)
{
    resolve();
    size_t t;
    if (__builtin_mul_overflow(c, n, &t)) {
        errno = ENOMEM;
        return NULL;
    }
    return realloc(p, t);
}

void *memalign(size_t a, size_t n)
{
    resolve();
    return counted(next_memalign(a, n));
}

void *aligned_alloc(size_t a, size_t n)
{
    resolve();
    return counted(next_aligned_alloc(a, n));
}

void *valloc(size_t n)
{
    resolve();
    return counted(next_valloc(n));
}

void *pvalloc(size_t n)
{
    resolve();
    return counted(next_pvalloc(n));
}

int posix_memalign(void **r, size_t a, size_t n)
{
    resolve();
    int rc = next_posix_memalign(r, a, n);
    if (rc == 0)
        ADD(allocs);
    return rc;
}
