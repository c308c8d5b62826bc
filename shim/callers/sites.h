/* SPDX-License-Identifier: MIT
 * sites.h - which code an allocation is charged to: the first frame outside
 * allocation wrappers (libc and the loader, libstdc++'s operator new and std::
 * code, functions the user names). Each address is classified once and cached
 * process-wide; only an allocation whose immediate caller is a wrapper pays
 * for a walk (unwind.h). Never allocates itself.
 */
#ifndef HT_SITES_H
#define HT_SITES_H

#include <stddef.h>
#include <stdint.h>

#include "base/glue.h"
#include "callers/modules.h"
#include "callers/walk_memo.h"
#include "ht_atomic.h"

enum ht_site_class {
    HT_SITE_DIRECT  = 1, /* application code: a site of its own */
    HT_SITE_WRAPPER = 2, /* allocation wrapper: charge its caller */
    HT_SITE_SELF    = 3, /* the shim or its unwinder: never a site */
};

#define HT_WRAPPERS_MAX 32
#define HT_WRAPPER_NAME_MAX 64

/* Adds the comma, colon or space separated function names in list[0, len)
 * to the user's wrappers (HEAPTAG_WRAPPERS, the flags files' "wrappers"
 * entry). Call before the shim starts. Returns how many names were taken. */
HT_HIDDEN int ht_sites_add_wrappers(const char *list, size_t len);

/* The process-wide class cache: one word per entry, addr << 16 |
 * module generation << 2 | class, stored whole so a reader never sees half
 * an entry; 0 is empty. Written by sites.c only. */
#define HT_CLASS_CACHE 4096 /* power of two */
#define HT_CLASS_ADDR_SHIFT 16
#define HT_CLASS_GEN_MASK 0x3fffu
extern HT_HIDDEN uint64_t ht_class_cache[HT_CLASS_CACHE];

static inline uint32_t ht_class_slot(uint64_t addr)
{
    return (uint32_t)((addr * 0x9e3779b97f4a7c15ull) >> 40) & (HT_CLASS_CACHE - 1);
}

/* ht_sites_class() past the cache: classifies addr and caches the answer
 * (not one another thread's table build leaves undecided). */
HT_HIDDEN int ht_sites_class_slow(uint64_t addr);

/* The class of addr as the process-wide cache holds it now, 0 when it holds
 * none (a class another thread's table build left undecided is never held). */
static inline int ht_sites_class_cached(uint64_t addr)
{
    uint32_t gen = ht_load_acquire(&ht_modules_gen) & HT_CLASS_GEN_MASK;
    uint64_t v = ht_load_relaxed(&ht_class_cache[ht_class_slot(addr)]);
    if (likely(v >> HT_CLASS_ADDR_SHIFT == addr && ((v >> 2) & HT_CLASS_GEN_MASK) == gen))
        return (int)(v & 3);
    return 0;
}

/* The class of the code at return address addr: the cache inline. */
static inline int ht_sites_class(uint64_t addr)
{
    int c = ht_sites_class_cached(addr);
    return likely(c != 0) ? c : ht_sites_class_slow(addr);
}

/* The site to charge for an allocation whose immediate return address is r:
 * r itself unless r lies in a wrapper, else the first frame above the
 * wrappers; r again when unwinding fails. Called with the guard not held. */
HT_HIDDEN uint64_t ht_sites_resolve(uint64_t r);

/* The first frame of frames[0, n) outside wrappers, or frames[0]. */
HT_HIDDEN uint64_t ht_sites_pick(const uint64_t *frames, int n);

/* Return addresses of the calling program, innermost first, starting at r
 * (the allocation's immediate return address; the shim's own frames are
 * dropped). Returns the count, at least 1 (just r when unwinding fails). */
HT_HIDDEN int ht_sites_backtrace(uint64_t r, uint64_t *frames, int max);

/* The remembered walk from r's frame, which begins at cfa (a hook frame of
 * r: ht_unw_hook_frame()), to depth max, whose words hold: the walk from
 * there when it never used the start's rbp (walk.need_bp0 0) or when that
 * rbp is its bp0. NULL when there is none. Under the recursion guard. */
#ifdef HT_ORACLE
HT_HIDDEN void ht_sites_oracle_repeat(uint64_t r, const struct ht_memo_walk *w, int max);
#endif
static inline struct ht_memo_walk *ht_sites_find_at(uint64_t r, uint64_t cfa, int max,
                                                    struct ht_walk_memo *m)
{
    struct ht_memo_walk *w = ht_memo_find_at(m, r, cfa, max);
#ifdef HT_ORACLE
    if (w && !w->walk.need_bp0)
        ht_sites_oracle_repeat(r, w, max);
#endif
    return w;
}

/* ht_sites_backtrace() through the thread's remembered walks (m), to a
 * depth max of at most HT_MEMO_DEPTH: one whose words still hold is
 * repeated, a new one is remembered. *frames points at the frames (in m, or
 * at r alone), *walk at the remembered walk they are (NULL when the walk
 * cannot be repeated). cfa: a hook frame of r, or 0 when none is known; at:
 * what ht_sites_find_at(r, cfa, max, m) said (NULL when cfa is 0). */
HT_HIDDEN int ht_sites_backtrace_memo(uint64_t r, uint64_t cfa, struct ht_memo_walk *at, int max,
                                      struct ht_walk_memo *m, const uint64_t **frames,
                                      struct ht_memo_walk **walk);

/* In a forked child, before anything else: every lock-like state another
 * thread held at fork is released (the child has only the forking thread). */
HT_HIDDEN void ht_sites_fork_child(void);

#endif
