/*
 * hooks_wrappers.c - libc's string duplicators and libstdc++'s operator new,
 * re-implemented on the shim's allocator so that the code calling them is
 * charged directly, on the fast path, instead of paying for an unwind out of
 * the wrapper. Failure paths defer to the real functions (operator new's
 * new_handler loop and std::bad_alloc live there). Thin forwards only.
 */
#include <dlfcn.h>
#include <stdint.h>
#include <string.h>

#include "alloc.h"

#define CALLER() ((uint64_t)__builtin_return_address(0))

static inline char *dup_at(const char *s, size_t n, uint64_t site)
{
    char *d = ht_alloc(n + 1, site);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

HT_EXPORT char *strdup(const char *s) { return dup_at(s, strlen(s), CALLER()); }
HT_EXPORT char *__strdup(const char *s) { return dup_at(s, strlen(s), CALLER()); }
HT_EXPORT char *strndup(const char *s, size_t max) { return dup_at(s, strnlen(s, max), CALLER()); }
HT_EXPORT char *__strndup(const char *s, size_t max) { return dup_at(s, strnlen(s, max), CALLER()); }

/* The real operator new for a failed allocation: it runs the new_handler and
 * retries (through our malloc), then throws or returns NULL as its kind does. */
static void *new_failed(const char *symbol, size_t size, uintptr_t second, int two_args)
{
    void *fn = dlsym(RTLD_NEXT, symbol);
    if (!fn)
        return NULL;
    if (two_args)
        return ((void *(*)(size_t, uintptr_t))fn)(size, second);
    return ((void *(*)(size_t))fn)(size);
}

/* Itanium C++ ABI names: operator new / new[] (size_t), nothrow, align_val_t. */
#define NEW_PLAIN(name)                                                        \
    HT_EXPORT void *name(size_t size)                                          \
    {                                                                          \
        void *p = ht_alloc(size, CALLER());                                    \
        return likely(p != NULL) ? p : new_failed(#name, size, 0, 0);          \
    }
#define NEW_NOTHROW(name)                                                      \
    HT_EXPORT void *name(size_t size, const void *nothrow)                     \
    {                                                                          \
        void *p = ht_alloc(size, CALLER());                                    \
        return likely(p != NULL) ? p : new_failed(#name, size, (uintptr_t)nothrow, 1); \
    }
#define NEW_ALIGNED(name)                                                      \
    HT_EXPORT void *name(size_t size, size_t align)                            \
    {                                                                          \
        void *p = ht_alloc_aligned(align, size, CALLER());                     \
        return likely(p != NULL) ? p : new_failed(#name, size, align, 1);      \
    }

NEW_PLAIN(_Znwm)
NEW_PLAIN(_Znam)
NEW_NOTHROW(_ZnwmRKSt9nothrow_t)
NEW_NOTHROW(_ZnamRKSt9nothrow_t)
NEW_ALIGNED(_ZnwmSt11align_val_t)
NEW_ALIGNED(_ZnamSt11align_val_t)
