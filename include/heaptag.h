/* SPDX-License-Identifier: MIT
 * heaptag.h - explicit heap tags for applications.
 *
 *   HEAPTAG_SCOPE("Strg") { ... }   everything this thread allocates inside the
 *                                   block (libc's own allocations included) is
 *                                   counted under the tag "Strg";
 *   p = heaptag_alloc("Strg", n);   n bytes under that tag, freed with free().
 *
 * Tags are short names, up to 15 characters (PoolMon uses four). The functions
 * behind the macros live in the preloaded shim and are looked up at run time,
 * so a program that includes this header needs no library at link time and
 * runs unchanged without the shim: the macros then become plain calls.
 */
#ifndef HEAPTAG_H
#define HEAPTAG_H

#include <dlfcn.h>
#include <stddef.h>
#include <stdlib.h>

#ifdef __cplusplus
extern "C" {
#endif

#define HEAPTAG_TAG_MAX 15

/* State of one HEAPTAG_SCOPE block: the tag it replaced, restored at exit. */
typedef struct heaptag_scope {
    unsigned long long saved[3];
    int once;
    int active;
} heaptag_scope_t;

/* The shim's entry points (see shim/core/api.c). */
typedef void (*heaptag_scope_enter_fn)(heaptag_scope_t *scope, const char *tag);
typedef void (*heaptag_scope_leave_fn)(heaptag_scope_t *scope);
typedef void *(*heaptag_tagged_malloc_fn)(const char *tag, size_t size);

/* Looks a shim symbol up once per translation unit; NULL without the shim. */
static inline void *heaptag_resolve_(void **cache, const char *name)
{
    void *fn = __atomic_load_n(cache, __ATOMIC_ACQUIRE);
    if (fn == (void *)0) {
        fn = dlsym((void *)0 /* RTLD_DEFAULT */, name);
        if (fn == (void *)0)
            fn = (void *)1; /* remembered as absent */
        __atomic_store_n(cache, fn, __ATOMIC_RELEASE);
    }
    return fn == (void *)1 ? (void *)0 : fn;
}

static inline heaptag_scope_t heaptag_scope_begin_(const char *tag)
{
    static void *cache;
    heaptag_scope_t scope = { { 0, 0, 0 }, 1, 0 };
    heaptag_scope_enter_fn enter =
        (heaptag_scope_enter_fn)heaptag_resolve_(&cache, "heaptag_scope_enter");
    if (enter)
        enter(&scope, tag);
    return scope;
}

static inline void heaptag_scope_end_(heaptag_scope_t *scope)
{
    static void *cache;
    heaptag_scope_leave_fn leave;
    if (!scope->active)
        return;
    leave = (heaptag_scope_leave_fn)heaptag_resolve_(&cache, "heaptag_scope_leave");
    if (leave)
        leave(scope);
}

/* n bytes counted under tag; free them with free(). Always inlined, so the
 * allocation is charged to the function that calls heaptag_alloc, each
 * caller its own row, never to one shared copy of this function. */
__attribute__((always_inline)) static inline void *heaptag_alloc(const char *tag, size_t size)
{
    static void *cache;
    heaptag_tagged_malloc_fn fn =
        (heaptag_tagged_malloc_fn)heaptag_resolve_(&cache, "heaptag_tagged_malloc");
    return fn ? fn(tag, size) : malloc(size);
}

#define HEAPTAG_CAT2_(a, b) a##b
#define HEAPTAG_CAT_(a, b) HEAPTAG_CAT2_(a, b)
#define HEAPTAG_SCOPE_(tag, v)                                                  \
    for (heaptag_scope_t v __attribute__((cleanup(heaptag_scope_end_))) =       \
             heaptag_scope_begin_(tag);                                         \
         v.once; v.once = 0)

/* Tags what this thread allocates inside the following block or statement.
 * Leaving the block by break, return or goto restores the previous tag. */
#define HEAPTAG_SCOPE(tag) HEAPTAG_SCOPE_(tag, HEAPTAG_CAT_(heaptag_scope_, __COUNTER__))

#ifdef __cplusplus
}
#endif

#endif /* HEAPTAG_H */
