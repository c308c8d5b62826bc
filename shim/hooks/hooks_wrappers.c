/* SPDX-License-Identifier: MIT
 * hooks_wrappers.c - libc's string duplicators and libstdc++'s operator new
 * and delete, re-implemented on the shim's allocator so that the code calling
 * them is charged directly, on the fast path, instead of paying for an unwind
 * out of the wrapper, and so that a block of ours never reaches another
 * allocator's delete. Failure paths defer to the real functions (operator
 * new's new_handler loop and std::bad_alloc live there). When the shim is
 * passive, each forwards to the next definition of its name. Thin forwards
 * only, around the fast paths they inline (core/alloc_fast.h), as malloc's.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "core/alloc.h"
#include "core/alloc_fast.h"
#include "base/next.h"

#define CALLER() ((uint64_t)__builtin_return_address(0))

static inline int passive(void)
{
    return ht_next_resolve() == 0 && ht_next_passive();
}

/* The next definition of name, looked up once into *slot. */
#define NEXT(type, name) ({ static void *slot_; (type)ht_next_sym(&slot_, name); })

static inline char *dup_at(const char *s, size_t n, uint64_t site)
{
    char *d = ht_alloc(n + 1, site);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

/* Passive: the next strdup or strndup (glibc's, which allocates with the
 * program's own malloc). */
static char *dup_passive(void *fn, const char *s, size_t max, int bounded)
{
    if (!fn) {
        errno = ENOMEM;
        return NULL;
    }
    return bounded ? ((char *(*)(const char *, size_t))fn)(s, max)
                   : ((char *(*)(const char *))fn)(s);
}

HT_EXPORT char *strdup(const char *s)
{
    if (unlikely(passive()))
        return dup_passive(NEXT(void *, "strdup"), s, 0, 0);
    return dup_at(s, strlen(s), CALLER());
}
HT_EXPORT char *__strdup(const char *s)
{
    if (unlikely(passive()))
        return dup_passive(NEXT(void *, "strdup"), s, 0, 0);
    return dup_at(s, strlen(s), CALLER());
}
HT_EXPORT char *strndup(const char *s, size_t max)
{
    if (unlikely(passive()))
        return dup_passive(NEXT(void *, "strndup"), s, max, 1);
    return dup_at(s, strnlen(s, max), CALLER());
}
HT_EXPORT char *__strndup(const char *s, size_t max)
{
    if (unlikely(passive()))
        return dup_passive(NEXT(void *, "strndup"), s, max, 1);
    return dup_at(s, strnlen(s, max), CALLER());
}

/* The real operator new for a failed allocation: it runs the new_handler and
 * retries (through our malloc), then throws or returns NULL as its kind does.
 * Passive, it is the only operator new. */
static void *new_next(const char *symbol, size_t size, uintptr_t a, uintptr_t b, int nargs)
{
    void *fn = dlsym(RTLD_NEXT, symbol);
    if (!fn)
        return NULL;
    if (nargs == 3)
        return ((void *(*)(size_t, uintptr_t, uintptr_t))fn)(size, a, b);
    if (nargs == 2)
        return ((void *(*)(size_t, uintptr_t))fn)(size, a);
    return ((void *(*)(size_t))fn)(size);
}

/* Itanium C++ ABI names: operator new / new[] (size_t), nothrow, align_val_t,
 * align_val_t and nothrow. */
/* The plain and nothrow kinds off the fast path: passive, or a flag that
 * sends every allocation the general way. */
static void *new_general(const char *symbol, size_t size, uintptr_t a, int nargs, uint64_t site,
                         uint64_t cfa)
{
    void *p = unlikely(passive()) ? NULL : ht_alloc_general_from(size, 0, 0, site, cfa);
    return likely(p != NULL) ? p : new_next(symbol, size, a, 0, nargs);
}

/* The plain and nothrow kinds inline malloc's fast path (alloc_fast.h), as
 * malloc does: no call but the real allocator's on a hit, and a miss that
 * is their last call (a tail call), so that it knows their frame and finds a
 * caller in std:: code by a hop instead of a walk (callers/hops.h). */
#define NEW_FAST(name, a, nargs)                                                   \
    do {                                                                           \
        size_t n_;                                                                 \
        if (unlikely(passive() || !ht_fast_flags() ||                              \
                     __builtin_add_overflow(size, HT_BLOCK_HDR, &n_)))             \
            return new_general(#name, size, (a), (nargs), CALLER(), HT_HOOK_CFA()); \
        struct ht_block *b_ = ht_real_malloc(n_);                                  \
        if (unlikely(!b_))                                                         \
            return new_next(#name, size, (a), 0, (nargs));                         \
        return ht_alloc_finish(b_, size, CALLER());                                \
    } while (0)
#define NEW_PLAIN(name)                                                        \
    HT_EXPORT void *name(size_t size) { NEW_FAST(name, 0, 1); }
#define NEW_NOTHROW(name)                                                      \
    HT_EXPORT void *name(size_t size, const void *nothrow)                     \
    {                                                                          \
        NEW_FAST(name, (uintptr_t)nothrow, 2);                                 \
    }
#define NEW_ALIGNED(name)                                                      \
    HT_EXPORT void *name(size_t size, size_t align)                            \
    {                                                                          \
        void *p = unlikely(passive()) ? NULL : ht_alloc_aligned(align, size, CALLER()); \
        return likely(p != NULL) ? p : new_next(#name, size, align, 0, 2);     \
    }
#define NEW_ALIGNED_NOTHROW(name)                                              \
    HT_EXPORT void *name(size_t size, size_t align, const void *nothrow)       \
    {                                                                          \
        void *p = unlikely(passive()) ? NULL : ht_alloc_aligned(align, size, CALLER()); \
        return likely(p != NULL) ? p : new_next(#name, size, align, (uintptr_t)nothrow, 3); \
    }

NEW_PLAIN(_Znwm)
NEW_PLAIN(_Znam)
NEW_NOTHROW(_ZnwmRKSt9nothrow_t)
NEW_NOTHROW(_ZnamRKSt9nothrow_t)
NEW_ALIGNED(_ZnwmSt11align_val_t)
NEW_ALIGNED(_ZnamSt11align_val_t)
NEW_ALIGNED_NOTHROW(_ZnwmSt11align_val_tRKSt9nothrow_t)
NEW_ALIGNED_NOTHROW(_ZnamSt11align_val_tRKSt9nothrow_t)

/* operator delete, every variant: our blocks go back through our free (an
 * allocator preloaded after the shim exports its own delete, which must
 * never see them). Passive, the next delete of the same name. */
#define DELETE_1(name)                                                         \
    HT_EXPORT void name(void *p)                                               \
    {                                                                          \
        if (unlikely(passive())) {                                             \
            void (*fn)(void *) = NEXT(void (*)(void *), #name);                \
            if (fn)                                                            \
                fn(p);                                                         \
            return;                                                            \
        }                                                                      \
        ht_free_fast(p);                                                       \
    }
#define DELETE_2(name)                                                         \
    HT_EXPORT void name(void *p, uintptr_t a)                                  \
    {                                                                          \
        if (unlikely(passive())) {                                             \
            void (*fn)(void *, uintptr_t) = NEXT(void (*)(void *, uintptr_t), #name); \
            if (fn)                                                            \
                fn(p, a);                                                      \
            return;                                                            \
        }                                                                      \
        ht_free_fast(p);                                                       \
    }
#define DELETE_3(name)                                                         \
    HT_EXPORT void name(void *p, uintptr_t a, uintptr_t b)                     \
    {                                                                          \
        if (unlikely(passive())) {                                             \
            void (*fn)(void *, uintptr_t, uintptr_t) =                         \
                NEXT(void (*)(void *, uintptr_t, uintptr_t), #name);           \
            if (fn)                                                            \
                fn(p, a, b);                                                   \
            return;                                                            \
        }                                                                      \
        ht_free_fast(p);                                                       \
    }

DELETE_1(_ZdlPv)
DELETE_1(_ZdaPv)
DELETE_2(_ZdlPvm)
DELETE_2(_ZdaPvm)
DELETE_2(_ZdlPvRKSt9nothrow_t)
DELETE_2(_ZdaPvRKSt9nothrow_t)
DELETE_2(_ZdlPvSt11align_val_t)
DELETE_2(_ZdaPvSt11align_val_t)
DELETE_3(_ZdlPvmSt11align_val_t)
DELETE_3(_ZdaPvmSt11align_val_t)
DELETE_3(_ZdlPvSt11align_val_tRKSt9nothrow_t)
DELETE_3(_ZdaPvSt11align_val_tRKSt9nothrow_t)
