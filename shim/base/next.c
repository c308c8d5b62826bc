/* SPDX-License-Identifier: MIT
 * next.c - finding the next allocator with dlsym(RTLD_NEXT), the bootstrap
 * arena for the allocations dlsym makes meanwhile, and the passive test.
 * Runs inside the program's first malloc: no stdio, no locks, no allocation
 * but what dlsym does (served by the arena).
 */
#include "base/next.h"
#include "base/whose_malloc.h"
#include "ht_atomic.h"

#include <dlfcn.h>
#include <stdint.h>
#include <string.h>

/* glibc's entry points: the last resort when RTLD_NEXT finds nothing (the
 * shim linked into a program in some unusual order). */
extern void *__libc_malloc(size_t);
extern void __libc_free(void *);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);

struct ht_next_fns ht_next;
int ht_next_state = HT_NEXT_UNRESOLVED;
int ht_next_passive_reason;
const char *ht_next_passive_who = "";
int ht_next_glibc;

#define BOOT_SIZE (64u * 1024u)
static _Alignas(64) char boot_arena[BOOT_SIZE];
static size_t boot_used;

/* Each arena block is preceded by 16 bytes: its size, then a zero word (a
 * header no free() mistakes for one of ours). */
void *ht_boot_alloc(size_t size, size_t align)
{
    if (align < 16)
        align = 16;
    if (size > BOOT_SIZE || align > 4096)
        return NULL;
    size_t old = ht_load_relaxed(&boot_used), start, end;
    do {
        start = (old + 16 + align - 1) & ~(align - 1);
        end = start + ((size + 15) & ~(size_t)15);
        if (end > BOOT_SIZE)
            return NULL;
    } while (!ht_cas_weak_relaxed(&boot_used, &old, end));
    uint64_t words[2] = { size, 0 };
    memcpy(boot_arena + start - 16, words, sizeof words);
    return boot_arena + start; /* static storage: already zero */
}

int ht_boot_owns(const void *p)
{
    return (const char *)p >= boot_arena && (const char *)p < boot_arena + BOOT_SIZE;
}

size_t ht_boot_size(const void *p)
{
    uint64_t size;
    memcpy(&size, (const char *)p - 16, sizeof size);
    return (size_t)size;
}

void *ht_next_sym(void **slot, const char *name)
{
    void *fn = ht_load_acquire(slot);
    if (!fn) {
        fn = dlsym(RTLD_NEXT, name);
        if (fn)
            ht_store_release(slot, fn);
    }
    return fn;
}

static size_t usable_none(void *p)
{
    (void)p;
    return 0;
}

/* posix_memalign as memalign, for an allocator that only has the former. */
static void *memalign_by_posix(size_t align, size_t size)
{
    static void *pm;
    int (*fn)(void **, size_t, size_t) =
        (int (*)(void **, size_t, size_t))ht_next_sym(&pm, "posix_memalign");
    void *p = NULL;
    if (align < sizeof(void *))
        align = sizeof(void *);
    return fn && fn(&p, align, size) == 0 ? p : NULL;
}

/* Whether free is glibc's own: the object defining it is libc.so.*. Asked of
 * the loader by address (dladdr: no allocation), as tcmalloc defines
 * __libc_free too. */
static int free_is_glibc(void *fn)
{
    Dl_info info;
    if (!dladdr(fn, &info) || !info.dli_fname)
        return 0;
    const char *base = strrchr(info.dli_fname, '/');
    base = base ? base + 1 : info.dli_fname;
    return strncmp(base, "libc.so", 7) == 0;
}

#define NEXT_OR(name, fallback) \
    (dlsym(RTLD_NEXT, name) ? dlsym(RTLD_NEXT, name) : (void *)(fallback))

int ht_next_resolve_slow(void)
{
    /* One thread looks up; any allocation meanwhile (dlsym's own, or another
     * thread's at the very start) is served from the arena. */
    int s = HT_NEXT_UNRESOLVED;
    if (!ht_cas_acq_rel(&ht_next_state, &s, HT_NEXT_RESOLVING))
        return s == HT_NEXT_RESOLVING ? -1 : 0;
    struct ht_next_fns f;
    f.malloc = (void *(*)(size_t))NEXT_OR("malloc", __libc_malloc);
    f.free = (void (*)(void *))NEXT_OR("free", __libc_free);
    f.calloc = (void *(*)(size_t, size_t))NEXT_OR("calloc", __libc_calloc);
    f.realloc = (void *(*)(void *, size_t))NEXT_OR("realloc", __libc_realloc);
    void *ma = dlsym(RTLD_NEXT, "memalign");
    f.memalign = ma ? (void *(*)(size_t, size_t))ma : memalign_by_posix;
    void *us = dlsym(RTLD_NEXT, "malloc_usable_size");
    f.usable_size = us ? (size_t (*)(void *))us : usable_none;
    /* Whose malloc does the program call? Not ours: stay out of the way. */
    int state = HT_NEXT_READY;
    if (ht_hook_malloc) {
        const char *who;
        int why = ht_whose_malloc((void *)ht_hook_malloc, &who);
        if (why != HT_MALLOC_OURS) {
            state = HT_NEXT_PASSIVE;
            ht_next_passive_reason = why;
            ht_next_passive_who = who;
        }
    }
    ht_next_glibc = free_is_glibc((void *)f.free);
    ht_next = f;
    ht_store_release(&ht_next_state, state);
    return 0;
}
