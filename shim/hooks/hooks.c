/* SPDX-License-Identifier: MIT
 * hooks.c - the libc names the shim exports, each a thin forward to alloc.c.
 *
 * The call site charged is the caller of the libc entry point. Nothing else
 * belongs here: keep every hook one line of logic. When the shim is passive
 * (next.h: the program's malloc is not ours) each hook forwards to the next
 * definition of its own name, as if the shim were not there.
 *
 * hooks/ - the top of the shim: the names it exports (malloc and the rest of
 * libc's family, operator new and delete, strdup and friends, dlclose) and
 * the constructor that starts it. Each forwards to core/; nothing below calls
 * up into hooks/.
 */
#include <errno.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/alloc_fast.h"
#include "base/next.h"

#define CALLER() ((uint64_t)__builtin_return_address(0))

/* Passive: returns what the next `name` returns (fail when there is none). */
#define PASSIVE_FORWARD(type, name, fail, ...)                                 \
    do {                                                                       \
        if (ht_next_resolve() == 0 && ht_next_passive()) {                     \
            static void *slot_;                                                \
            __typeof__(type) fn_ = (type)ht_next_sym(&slot_, name);                        \
            return fn_ ? fn_(__VA_ARGS__) : (fail);                            \
        }                                                                      \
    } while (0)

static int is_pow2(size_t v) { return v && !(v & (v - 1)); }

/* malloc, calloc, realloc and free inline their fast paths: no call but the
 * real allocator's. Before start-up and when passive, they leave through
 * alloc.c's general paths. */
HT_EXPORT void *malloc(size_t size) { HT_ALLOC_FAST_RETURN(size, 0, HT_REAL_MALLOC, CALLER()); }

/* Our malloc as our own code sees it, for next.c's passive test (an alias
 * needs none of malloc's attributes: only its address is taken). */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmissing-attributes"
#endif
extern HT_HIDDEN void *ht_hook_malloc(size_t) __attribute__((alias("malloc")));

HT_EXPORT void free(void *p) { ht_free_fast(p); }

HT_EXPORT void *calloc(size_t count, size_t size)
{
    size_t total;
    if (unlikely(__builtin_mul_overflow(count, size, &total))) {
        errno = ENOMEM;
        return NULL;
    }
    HT_ALLOC_FAST_RETURN(total, 1, HT_REAL_CALLOC, CALLER());
}

HT_EXPORT void *realloc(void *p, size_t size) { return ht_realloc_fast(p, size, CALLER()); }

HT_EXPORT void *reallocarray(void *p, size_t count, size_t size)
{
    PASSIVE_FORWARD(void *(*)(void *, size_t, size_t), "reallocarray", NULL, p, count, size);
    size_t total;
    if (__builtin_mul_overflow(count, size, &total)) {
        errno = ENOMEM;
        return NULL;
    }
    return ht_realloc(p, total, CALLER());
}

/* glibc's memalign: a non-power-of-two alignment is rounded up. */
static void *memalign_at(size_t align, size_t size, uint64_t site)
{
    if (align > SIZE_MAX / 2 + 1) {
        errno = EINVAL;
        return NULL;
    }
    if (!is_pow2(align)) {
        size_t a = 1;
        while (a < align)
            a <<= 1;
        align = a;
    }
    return ht_alloc_aligned(align, size, site);
}

HT_EXPORT void *memalign(size_t align, size_t size)
{
    PASSIVE_FORWARD(void *(*)(size_t, size_t), "memalign", NULL, align, size);
    return memalign_at(align, size, CALLER());
}

/* glibc 2.36's aligned_alloc is memalign. */
HT_EXPORT void *aligned_alloc(size_t align, size_t size)
{
    PASSIVE_FORWARD(void *(*)(size_t, size_t), "aligned_alloc", NULL, align, size);
    return memalign_at(align, size, CALLER());
}

HT_EXPORT int posix_memalign(void **out, size_t align, size_t size)
{
    PASSIVE_FORWARD(int (*)(void **, size_t, size_t), "posix_memalign", ENOMEM, out, align,
                    size);
    if (align % sizeof(void *) != 0 || !is_pow2(align))
        return EINVAL;
    int saved = errno;
    void *p = ht_alloc_aligned(align, size, CALLER());
    errno = saved;
    if (!p)
        return ENOMEM;
    *out = p;
    return 0;
}

HT_EXPORT void *valloc(size_t size)
{
    PASSIVE_FORWARD(void *(*)(size_t), "valloc", NULL, size);
    return ht_alloc_aligned((size_t)sysconf(_SC_PAGESIZE), size, CALLER());
}

HT_EXPORT void *pvalloc(size_t size)
{
    PASSIVE_FORWARD(void *(*)(size_t), "pvalloc", NULL, size);
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t rounded = (size + page - 1) & ~(page - 1);
    if (rounded < size) {
        errno = ENOMEM;
        return NULL;
    }
    return ht_alloc_aligned(page, rounded ? rounded : page, CALLER());
}

HT_EXPORT size_t malloc_usable_size(void *p) { return ht_usable_size(p); }

/* Programs that leave through _exit (dash, forked children) skip exit
 * handlers: mark the segment exited here so it does not read as killed. */
HT_EXPORT void _exit(int status)
{
    ht_note_exit(status);
    syscall(SYS_exit_group, status);
    __builtin_unreachable();
}

HT_EXPORT void _Exit(int status) { _exit(status); }
