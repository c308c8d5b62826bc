/* SPDX-License-Identifier: MIT
 * unwind.h - the shim's own stack walker (x86-64): the caller's frames from
 * each object's .eh_frame, one rule per return address learnt once and kept in
 * a lock-free cache, so a walk is a few loads per frame. Never opens a file
 * descriptor, never takes a lock, never allocates; every stack read is checked
 * readable first, so a wrong rule ends the walk instead of faulting.
 */
#ifndef HT_UNWIND_H
#define HT_UNWIND_H

#include <stdint.h>

#include "base/glue.h"
#include "ht_atomic.h"

/* One frame: the code address it runs at and the registers the next step
 * needs. exact: pc is where the code was interrupted (a signal), not a
 * return address. */
struct ht_unw_cursor {
    uint64_t pc, sp, bp;
    uint64_t bp_from; /* the stack slot bp was last loaded from; 0: the walk's start */
    int exact;
};

/* Points c at the frame it is inlined into (the code address is exact).
 * Always inlined: the frame must be the caller's own. */
static inline __attribute__((always_inline)) void ht_unw_init(struct ht_unw_cursor *c)
{
    uint64_t pc, sp, bp;
    __asm__ volatile("lea 0(%%rip), %0\n\tmov %%rsp, %1\n\tmov %%rbp, %2"
                     : "=r"(pc), "=r"(sp), "=r"(bp));
    c->pc = pc;
    c->sp = sp;
    c->bp = bp;
    c->bp_from = 0;
    c->exact = 1;
}

/* Moves c to the calling frame: 1 when it did, 0 at the outermost frame or
 * when the way is lost (no rule, unreadable stack). */
HT_HIDDEN int ht_unw_step(struct ht_unw_cursor *c);

/* Steps up to max times, each new frame's code address into frames[];
 * returns how many. The same walk as ht_unw_step(), its common case inline;
 * c ends at the last frame reached (bp_from not kept). */
HT_HIDDEN int ht_unw_trace(struct ht_unw_cursor *c, uint64_t *frames, int max);

/* A walk with the words it read, so that a later walk from an equal start
 * can know it would be the same: each frame's stack pointer (its return
 * address lies just below) and, for a frame whose loaded rbp a later step
 * used, where it was loaded from and what it held. */
#define HT_UNW_KEPT_MAX 32
struct ht_unw_kept {
    uint64_t pc[HT_UNW_KEPT_MAX];  /* the frames: the start's own code address first */
    uint32_t up[HT_UNW_KEPT_MAX];  /* each frame's stack pointer above the start's */
    uint64_t bp[HT_UNW_KEPT_MAX];  /* a frame's rbp, as loaded (while walking) */
    int8_t bpoff[HT_UNW_KEPT_MAX]; /* and where it came from: sp + 8 * bpoff */
    /* the loaded rbps a later step used, listed as used: where each lay
     * above the start's stack pointer and what it held, and the span from
     * the lowest to the byte past the highest (bp_lo > bp_hi: none) */
    int32_t bp_at[HT_UNW_KEPT_MAX];
    uint64_t bp_was[HT_UNW_KEPT_MAX];
    int64_t bp_lo, bp_hi;
    uint32_t nbp;
    uint32_t need_bp0;             /* a step used the start's rbp */
    uint32_t n;
    /* 1: each step took a learnt rule or a frame pointer chain's link (no
     * signal frame) and the walk ended at a frame whose rule says outermost
     * or at max: any walk from an equal start (its rbp compared when
     * need_bp0), to the same max, that reads the same words, is this walk */
    uint32_t repeatable;
};

/* ht_unw_trace() keeping its reads in k: k->pc[0] is c's own code address,
 * then each caller's; returns k->n (at most max and HT_UNW_KEPT_MAX). */
HT_HIDDEN int ht_unw_trace_kept(struct ht_unw_cursor *c, int max, struct ht_unw_kept *k);

/* How many times the learnt rules were forgotten (ht_unw_flush()): a walk
 * remembered under another count may not be repeated. */
extern HT_HIDDEN uint32_t ht_unw_flush_gen;
static inline uint32_t ht_unw_generation(void)
{
    return ht_load_acquire(&ht_unw_flush_gen);
}

/* The thread's verified stack ranges: [0] the one used last, [1] the one
 * before (unwind.c). Inline readers: the ust path asks on every allocation. */
struct ht_unw_range {
    uint64_t lo, hi;
};
extern HT_HIDDEN __thread struct ht_unw_range ht_unw_ok[2] __attribute__((tls_model("initial-exec")));

/* The thread's verified stack range (lo, hi): [lo, hi) may be read. */
static inline void ht_unw_verified(uint64_t *lo, uint64_t *hi)
{
    *lo = ht_unw_ok[0].lo;
    *hi = ht_unw_ok[0].hi;
}

/* One step of a walk without a cursor, for a frame whose CFA is at the
 * stack pointer: pc a return address, *sp the stack pointer its code returns
 * with (the callee's CFA). 1 with *next the frame's own return address and
 * *sp its CFA, when pc's rule is already learnt, is "CFA = rsp + k" and the
 * slot lies in this thread's verified stack range; else 0 and nothing read
 * (the caller walks instead). What ht_unw_step() finds for such a frame.
 * Under the recursion guard (the verified range is read). */
HT_HIDDEN int ht_unw_hop(uint64_t pc, uint64_t *sp, uint64_t *next);

/* Whether cfa is the canonical frame address of a hook r returns to:
 * aligned, and r in its return address slot (so r's frame begins there). */
static inline int ht_unw_hook_frame(uint64_t r, uint64_t cfa)
{
    return cfa && !(cfa & 7) && ((const uint64_t *)(uintptr_t)cfa)[-1] == r;
}

/* 1 when [a, a + len) may be read (stack memory checked as the walk does):
 * the verified range inline, the rest (the kernel asked) in unwind.c. */
HT_HIDDEN int ht_unw_readable_slow(uint64_t a, uint64_t len);
static inline int ht_unw_readable(uint64_t a, uint64_t len)
{
    uint64_t end = a + len;
    if (__builtin_expect(a >= ht_unw_ok[0].lo && end <= ht_unw_ok[0].hi && end >= a, 1))
        return 1;
    return ht_unw_readable_slow(a, len);
}

/* 1 when [a, a + len) may be read, asked of the kernel page by page (code
 * and loaded objects: never cached with the stack ranges). */
HT_HIDDEN int ht_unw_code_readable(uint64_t a, uint64_t len);

/* 1 when [a, a + len) of the heap may be read: asked of the kernel page by
 * page and never kept (heap pages are unmapped again). Where a seccomp filter
 * refuses process_vm_readv, a page that is mapped (mincore) counts. */
HT_HIDDEN int ht_unw_heap_readable(uint64_t a, uint64_t len);

/* Forgets this thread's verified stack ranges (a jump out of the shim may
 * have left one half written). */
HT_HIDDEN void ht_unw_thread_reset(void);

/* Forgets every learnt rule (code was unloaded). */
HT_HIDDEN void ht_unw_flush(void);

#endif
