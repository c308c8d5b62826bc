/*
 * hooks.c - the libc names the shim exports, each a thin forward to alloc.c.
 *
 * The call site charged is the caller of the libc entry point. Nothing else
 * belongs here: keep every hook one line of logic.
 */
#include <errno.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "alloc.h"
#include "alloc_fast.h"

#define CALLER() ((uint64_t)__builtin_return_address(0))

static int is_pow2(size_t v) { return v && !(v & (v - 1)); }

/* malloc, calloc, realloc and free inline their fast paths: no call but the
 * real allocator's. */
HT_EXPORT void *malloc(size_t size) { HT_ALLOC_FAST_RETURN(size, 0, HT_REAL_MALLOC, CALLER()); }

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

HT_EXPORT void *memalign(size_t align, size_t size) { return memalign_at(align, size, CALLER()); }

/* glibc 2.36's aligned_alloc is memalign. */
HT_EXPORT void *aligned_alloc(size_t align, size_t size)
{
    return memalign_at(align, size, CALLER());
}

HT_EXPORT int posix_memalign(void **out, size_t align, size_t size)
{
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
    return ht_alloc_aligned((size_t)sysconf(_SC_PAGESIZE), size, CALLER());
}

HT_EXPORT void *pvalloc(size_t size)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t rounded = (size + page - 1) & ~(page - 1);
    if (rounded < size) {
        errno = ENOMEM;
        return NULL;
    }
    return ht_alloc_aligned(page, rounded ? rounded : page, CALLER());
}

HT_EXPORT size_t malloc_usable_size(void *p) { return ht_usable_size(p); }

/* operator delete in every variant (sized, array, nothrow, aligned): blocks
 * of the shim's operator new (hooks_wrappers.c) must come back to the shim,
 * even when a later preload exports a delete of its own (jemalloc does). */
HT_EXPORT void _ZdlPv(void *p) { ht_free_fast(p); }
HT_EXPORT void _ZdaPv(void *p) { ht_free_fast(p); }
HT_EXPORT void _ZdlPvm(void *p, size_t n) { (void)n, ht_free_fast(p); }
HT_EXPORT void _ZdaPvm(void *p, size_t n) { (void)n, ht_free_fast(p); }
HT_EXPORT void _ZdlPvRKSt9nothrow_t(void *p, const void *nt) { (void)nt, ht_free_fast(p); }
HT_EXPORT void _ZdaPvRKSt9nothrow_t(void *p, const void *nt) { (void)nt, ht_free_fast(p); }
HT_EXPORT void _ZdlPvSt11align_val_t(void *p, size_t a) { (void)a, ht_free_fast(p); }
HT_EXPORT void _ZdaPvSt11align_val_t(void *p, size_t a) { (void)a, ht_free_fast(p); }
HT_EXPORT void _ZdlPvmSt11align_val_t(void *p, size_t n, size_t a)
{
    (void)n, (void)a, ht_free_fast(p);
}
HT_EXPORT void _ZdaPvmSt11align_val_t(void *p, size_t n, size_t a)
{
    (void)n, (void)a, ht_free_fast(p);
}
HT_EXPORT void _ZdlPvSt11align_val_tRKSt9nothrow_t(void *p, size_t a, const void *nt)
{
    (void)a, (void)nt, ht_free_fast(p);
}
HT_EXPORT void _ZdaPvSt11align_val_tRKSt9nothrow_t(void *p, size_t a, const void *nt)
{
    (void)a, (void)nt, ht_free_fast(p);
}

/* Programs that leave through _exit (dash, forked children) skip exit
 * handlers: mark the segment exited here so it does not read as killed. */
HT_EXPORT void _exit(int status)
{
    ht_note_exit(status);
    syscall(SYS_exit_group, status);
    __builtin_unreachable();
}

HT_EXPORT void _Exit(int status) { _exit(status); }
