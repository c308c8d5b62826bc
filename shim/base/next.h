/* SPDX-License-Identifier: MIT
 * next.h - the next allocator in the chain: whatever malloc comes after the
 * shim in the lookup order (glibc's, or a preloaded jemalloc, tcmalloc,
 * mimalloc), found with dlsym(RTLD_NEXT). Every block the shim hands out comes
 * from it, never from glibc behind its back.
 *
 * While dlsym itself runs (it may allocate), allocations are served from a
 * small static bump arena whose blocks are never given back. When the
 * program's malloc is not ours (an allocator preloaded before the shim, an
 * executable with its own malloc), the shim is passive: every hook forwards to
 * the next definition of its own name and nothing is counted.
 */
#ifndef HT_NEXT_H
#define HT_NEXT_H

#include <stddef.h>

#include "base/glue.h"
#include "ht_atomic.h"

struct ht_next_fns {
    void *(*malloc)(size_t);
    void (*free)(void *);
    void *(*calloc)(size_t, size_t);
    void *(*realloc)(void *, size_t);
    void *(*memalign)(size_t, size_t);
    size_t (*usable_size)(void *);
};

extern HT_HIDDEN struct ht_next_fns ht_next;

/* The real allocator: the next one in the chain. */
#define ht_real_malloc(n)         ht_next.malloc(n)
#define ht_real_free(p)           ht_next.free(p)
#define ht_real_calloc(c, n)      ht_next.calloc(c, n)
#define ht_real_realloc(p, n)     ht_next.realloc(p, n)
#define ht_real_memalign(a, n)    ht_next.memalign(a, n)
#define ht_real_usable_size(p)    ht_next.usable_size(p)


enum { HT_NEXT_UNRESOLVED, HT_NEXT_RESOLVING, HT_NEXT_READY, HT_NEXT_PASSIVE };
extern HT_HIDDEN int ht_next_state;

/* Finds the next allocator if not done yet. Returns 0 when ht_next may be
 * used; -1 while the look-up is under way (serve from the bootstrap arena). */
HT_HIDDEN int ht_next_resolve_slow(void);
static inline int ht_next_resolve(void)
{
    return likely(ht_load_acquire(&ht_next_state) >= HT_NEXT_READY)
               ? 0
               : ht_next_resolve_slow();
}

/* 1 when the program's malloc is not the shim's: stay out of the way. */
static inline int ht_next_passive(void)
{
    return unlikely(ht_load_relaxed(&ht_next_state) == HT_NEXT_PASSIVE);
}

/* When passive: why (enum ht_passive_reason) and the object whose malloc
 * the program calls ("the executable", or a library's path). */
extern HT_HIDDEN int ht_next_passive_reason;
extern HT_HIDDEN const char *ht_next_passive_who;

/* 1 when the next free is glibc's. glibc's free reads the 8 bytes in front
 * of any pointer it is given, so for a 16-byte aligned pointer the 16 in
 * front (the same page) are mapped whenever free itself would not fault: a
 * header may be read without asking the kernel first (a system call costs
 * over a microsecond on a virtual machine). */
extern HT_HIDDEN int ht_next_glibc;

/* The next definition of an exported name (RTLD_NEXT from the shim), looked
 * up once into *slot; NULL when there is none. */
HT_HIDDEN void *ht_next_sym(void **slot, const char *name);

/* The bootstrap arena: blocks for dlsym's own allocations. */
HT_HIDDEN void *ht_boot_alloc(size_t size, size_t align);
HT_HIDDEN int ht_boot_owns(const void *p);
HT_HIDDEN size_t ht_boot_size(const void *p);

/* hooks.c's malloc, as the shim's own code sees it (NULL in unit tests,
 * which link the core without the hooks). */
extern HT_HIDDEN void *ht_hook_malloc(size_t) __attribute__((weak));

#endif
