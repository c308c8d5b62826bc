/* SPDX-License-Identifier: MIT
 * alloc_slow.c - everything the hot paths (alloc_fast.h) leave to a call:
 * the general allocation (alignment, checks, stacks, a cache miss, a thread
 * without a slot, the shim not started), the cold free and realloc, the
 * usable size. Below the hot path: it never calls back into it.
 *
 * Runs inside every malloc of the host program: no locks, no allocation of its
 * own, no stdio.
 */
#include "core/alloc_slow.h"
#include "core/init.h"

#include <errno.h>
#include <string.h>

#include "base/block.h"
#include "checks/heapcheck.h"
#include "callers/hops.h"
#include "callers/own_code.h"
#include "callers/unwind.h"
#include "callers/walk_memo.h"
#include "accounting/ages.h"
#include "accounting/rows.h"
#include "callers/sites.h"
#include "callers/stacks.h"
#include "base/state.h"
#include "ht_atomic.h"
#include "base/next.h"

__thread struct ht_thread ht_self __attribute__((tls_model("initial-exec")));

/* Until ht_init() points ht_state.flags at the segment, flags read as PENDING. */
static inline uint32_t flags_now(void)
{
    uint32_t *f = ht_load_relaxed(&ht_state.flags);
    return likely(f != NULL) ? ht_load_relaxed(f) : HT_FLAG_INTERNAL_PENDING;
}

static unsigned log2_of(size_t pow2) { return (unsigned)__builtin_ctzl(pow2); }

/* ust's frames: per thread, off the caller's stack (signal stacks are small).
 * Used only under the recursion guard, so a handler never shares it. */
static __thread uint64_t ust_frames[HT_STACK_DEPTH_MAX] __attribute__((tls_model("initial-exec")));

/* ust's depth: the segment's, within what a thread's frames hold. */
static inline uint32_t ust_depth(const struct ht_seg_header *h)
{
    uint32_t depth = h->stack_depth;
    return depth == 0 || depth > HT_STACK_DEPTH_MAX ? HT_STACK_DEPTH_MAX : depth;
}

/* What a walk's charge is filed under: the thread's tag key ^ the epoch. */
static inline uint64_t ust_rowkey(const struct ht_thread *t)
{
    return ht_tag_key(t->tag[0], t->tag[1]) ^ ht_load_relaxed(&ht_state.epoch);
}

/* The row and stack entry a repeated walk w was charged to, when it was
 * charged under rowkey: 1, else 0. */
static inline int ust_charged(const struct ht_memo_walk *w, uint64_t rowkey, uint32_t *row,
                              uint32_t *stack)
{
    if (!w || !w->charged || w->rowkey != rowkey || w->stack == HT_STACK_NONE)
        return 0;
    *row = w->row;
    *stack = w->stack;
    return 1;
}

/* ust: the allocation's stack, the row of its first frame outside wrappers,
 * and the stack's index in the table (HT_STACK_NONE when not recorded). */
static uint32_t ust_lookup(struct ht_thread *t, uint64_t site, uint64_t cfa, uint32_t *stack)
{
    uint32_t depth = ust_depth(ht_state.seg);
    /* the rows below are looked up inside the guard, where a thread's first
     * miss takes no counter slot: the thread takes one here */
    if (unlikely(t->slot_state == HT_SLOT_NEW) && t->depth == 0) {
        ht_ages_sync(t);
        ht_slots_attach(t);
    }
    ht_enter();
    /* deeper stacks than the memory keeps are walked every time; a walk
     * repeated brings the row and stack entry it was charged to, while the
     * thread's tag and the epoch are the same: from the hook's frame where
     * the walk never used the caller's rbp, with no more to do */
    struct ht_walk_memo *m = depth <= HT_MEMO_DEPTH ? ht_walk_memo_of(t) : NULL;
    uint64_t rowkey = ust_rowkey(t);
    uint32_t row;
    if (!ht_unw_hook_frame(site, cfa)) /* another caller came between */
        cfa = 0;
    struct ht_memo_walk *at = m && cfa ? ht_sites_find_at(site, cfa, (int)depth, m) : NULL;
    if (at && !at->walk.need_bp0 && ust_charged(at, rowkey, &row, stack)) {
        ht_leave();
        return row;
    }
    const uint64_t *frames = ust_frames;
    struct ht_memo_walk *w = NULL;
    int n = m ? ht_sites_backtrace_memo(site, cfa, at, (int)depth, m, &frames, &w)
              : ht_sites_backtrace(site, ust_frames, (int)depth);
    if (!ust_charged(w, rowkey, &row, stack)) {
        row = ht_rows_lookup_at(t, ht_sites_pick(frames, n));
        *stack = ht_stacks_intern(row, frames, (uint32_t)n);
        if (w) { /* a handler's jump out in between leaves it uncharged */
            w->charged = 0;
            ht_signal_fence();
            w->row = row;
            w->stack = *stack;
            w->rowkey = rowkey;
            ht_signal_fence();
            w->charged = 1;
        }
    }
    ht_leave();
    return row;
}

/* The row of an allocation made while the shim is inside itself (t->depth >
 * 0). From the code the shim runs for its own work (own_code.h): the
 * shim's, untracked
 * (HT_ROW_NONE: served by the next allocator, freed without a count). From anywhere else it is a signal
 * handler that interrupted our slow path: counted at its immediate caller,
 * with no unwind and no check, so nothing recurses and no handler goes
 * uncounted. */
/* The block header holds a stack index only up to HT_STACK_INDEX_MAX and a
 * size only up to HT_STACK_SIZE_MAX: past either, the block goes without
 * its stack and the segment counts the drop. */
static inline uint32_t stack_room(uint32_t stack, size_t size)
{
    if (stack != HT_STACK_NONE && (size > HT_STACK_SIZE_MAX || stack > HT_STACK_INDEX_MAX)) {
        ht_fetch_add_relaxed(&ht_state.seg->stacks_dropped, 1);
        return HT_STACK_NONE;
    }
    return stack;
}

static uint32_t reentered_row(struct ht_thread *t, uint64_t site)
{
    if (ht_own_code(site))
        return HT_ROW_NONE;
    return ht_rows_lookup_at(t, site);
}

/* Before the shim has started: while the next allocator is being looked up
 * (from the bootstrap arena), or when the program's malloc is not ours
 * (straight from the next allocator, no header, nothing counted). NULL with
 * errno 0 when neither applies. */
static __attribute__((noinline)) void *alloc_unstarted(size_t size, size_t align, int zero,
                                                       int *done)
{
    *done = 1;
    void *p;
    if (ht_next_resolve() != 0)
        p = ht_boot_alloc(size, align);
    else if (ht_next_passive())
        p = align ? ht_real_memalign(align, size)
            : zero ? ht_real_calloc(1, size) : ht_real_malloc(size);
    else {
        *done = 0;
        return NULL;
    }
    if (!p)
        errno = ENOMEM;
    return p;
}

/* The block itself, once its row and stack are known: from the next
 * allocator with room for the header (align: 0, or a power of two above
 * the header's 16, the room then), its header, its counts. */
static inline __attribute__((always_inline)) void *place_block(struct ht_thread *t, size_t size,
                                                              size_t align, int zero,
                                                              uint32_t row, uint32_t stack)
{
    /* pad: bytes in front of the user pointer, the header's among them */
    size_t pad = align ? align : HT_BLOCK_HDR;
    stack = stack_room(stack, size);
    if (unlikely(size > HT_SIZE_LIMIT - pad)) {
        errno = ENOMEM;
        return NULL;
    }

    char *base;
    if (align)
        base = ht_real_memalign(align, size + pad);
    else if (zero)
        base = ht_real_calloc(1, size + pad);
    else
        base = ht_real_malloc(size + pad);
    if (unlikely(!base))
        return NULL;
    if (align && zero)
        memset(base + pad, 0, size);

    struct ht_block *b = (struct ht_block *)(base + pad) - 1;
    uint16_t meta = (uint16_t)(pad > HT_BLOCK_HDR ? log2_of(pad) << HT_META_ALIGN_SHIFT : 0);
    uint64_t size_word = size;
    if (stack != HT_STACK_NONE) {
        meta |= HT_META_STACK;
        size_word = ht_block_stack_word(size, stack);
        ht_stacks_count_alloc(stack, size);
    }
    ht_block_set(b, size_word, row, meta);
    ht_count_alloc_off(t, ht_row_off(row), size);
    return b + 1;
}

__attribute__((noinline)) void *ht_alloc_general_from(size_t size, size_t align, int zero,
                                                      uint64_t site, uint64_t cfa)
{
    uint32_t flags = flags_now();
    struct ht_thread *t = &ht_self;
    uint32_t row = HT_ROW_NONE;
    uint32_t stack = HT_STACK_NONE;
    if ((flags & (HT_FLAGS_COLD | HT_FLAG_ptg)) == (HT_FLAG_ptg | HT_FLAG_ust) &&
        align <= HT_BLOCK_HDR && t->depth == 0) {
        ht_ages_sync_inline(t);
        row = ust_lookup(t, site, cfa, &stack);
        return place_block(t, size, 0, zero, row, stack);
    }
    if (unlikely(flags & HT_FLAG_INTERNAL_PENDING)) {
        int done;
        void *p = alloc_unstarted(size, align, zero, &done);
        if (done)
            return p;
        ht_init();
        flags = flags_now();
    }
    if (align <= HT_BLOCK_HDR)
        align = 0;

    int inside = ht_inside(t);
    int started = !(flags & HT_FLAG_INTERNAL_PENDING) && !inside;
    if (started && (flags & HT_FLAG_ptg))
        ht_ages_sync_inline(t);
    if ((flags & HT_FLAG_ptg) && !(flags & HT_FLAG_INTERNAL_PENDING) && inside) {
        row = reentered_row(t, site);
    } else if ((flags & HT_FLAG_ptg) && started) {
        if (flags & HT_FLAG_ust)
            row = ust_lookup(t, site, cfa, &stack);
        else if ((flags & HT_FLAG_htd) && !t->tag[0])
            row = ht_rows_lookup_module(t, site); /* htd groups what no tag claims */
        else
            row = ht_rows_lookup(t, site);
    }
    /* Checked blocks have a layout of their own: their stack is in it. */
    if ((flags & HT_CHECK_FLAGS) && started)
        return ht_check_alloc(size, align, zero, site, row, flags, stack);
    return place_block(t, size, align, zero, row, stack);
}

/* The general way of ht_alloc_miss(). Re-entered (a signal handler in our
 * slow path, the unwinder's own allocation): counted at the immediate
 * caller, with no unwind, as ht_alloc_general() would. caller: the site the
 * chain cache gave (0: none); asked: whether the chain cache was asked. */
static __attribute__((noinline)) void *alloc_miss_general(struct ht_block *b, size_t size,
                                                          uint64_t site, uint64_t cfa,
                                                          uint64_t caller, int asked)
{
    struct ht_thread *t = &ht_self;
    uint32_t row;
    ht_ages_sync_inline(t); /* the clock, every HT_AGE_EVERY allocations */
    int inside = ht_inside(t);
    if (!ht_rows_cached(t, site, &row)) { /* cached: a thread without a slot, or the clock */
        if (!asked && !inside)
            caller = ht_hops_cached(site, cfa);
        if (caller && !inside)
            row = ht_rows_lookup_at(t, caller);
        else /* the unwinder's own allocation (not a signal handler's): not the program's */
            row = inside && ht_own_code(site) ? HT_ROW_NONE
                                               : ht_rows_lookup_slow(t, site, !inside, cfa);
    }
    ht_block_set(b, size, row, 0);
    /* the row's peak is sampled there, by the thread's byte budget (a
     * thread's first allocation samples): summing a row over every set on
     * each miss cost a large program's start-up, whose misses are many (new
     * sites, each C++ allocation unwound) */
    ht_count_alloc_off(t, ht_row_off(row), size);
    return b + 1;
}

/* A call site of a wrapper the chain cache knows (std:: code, libstdc++):
 * the cache finds the caller from the stack, the site caches its row (the
 * thread's, then its slot's), and the rest is a hit's, the clock's
 * countdown included. A site the chain cache does not know may be one the
 * thread's cache lost (more hot sites than it holds, or two sharing an
 * entry): the slot's cache may have it. Else the general way, told what the
 * chain cache said. */
static __attribute__((noinline)) void *alloc_miss_chain(struct ht_block *b, size_t size,
                                                        uint64_t site, uint64_t cfa)
{
    struct ht_thread *t = &ht_self;
    uint64_t word, caller = ht_hops_cached(site, cfa);
    if (caller ? ht_rows_cached_word(t, caller, &word) || ht_rows_slot_cached(t, caller, &word)
               : ht_rows_slot_cached(t, site, &word)) {
        t->age_count--;
        ht_block_set_word(b, size, word);
        ht_count_alloc_off(t, (uint32_t)word & HT_OFF_MASK, size);
        return b + 1;
    }
    return alloc_miss_general(b, size, site, cfa, caller, 1);
}

/* The fast path after a cache miss, or for a thread without a counter slot.
 * The hooks tail-call it (malloc, calloc, operator new: their last call on a
 * miss), so its return address slot holds theirs: when it holds site, cfa is
 * where site's frame begins, the first hop's start (callers/hops.h); else
 * (another caller between) 0, and the walk finds the caller. A thread with a
 * slot, outside the shim, not due to look at the clock, asks the chain cache
 * first; anything else goes the general way. */
__attribute__((noinline)) void *ht_alloc_miss(struct ht_block *b, size_t size, uint64_t site)
{
    struct ht_thread *t = &ht_self;
    uint64_t cfa = (uint64_t)(uintptr_t)__builtin_dwarf_cfa();
    if (((const uint64_t *)(uintptr_t)cfa)[-1] != site)
        cfa = 0;
    if (cfa && t->ctr && t->depth == 0 && t->age_count - 2 < HT_AGE_EVERY - 1)
        return alloc_miss_chain(b, size, site, cfa);
    return alloc_miss_general(b, size, site, cfa, 0, 0);
}




static __attribute__((noinline)) void free_foreign(void *p)
{
    if (ht_boot_owns(p) || ht_next_resolve() != 0)
        return; /* the arena's blocks are never given back */
    if (unlikely(flags_now() & HT_FLAG_hpc) && !ht_check_foreign(p, HT_OP_FREE))
        return;
    if (ht_state.seg)
        ht_fetch_add_relaxed(&ht_state.seg->untracked_frees, 1);
    ht_real_free(p);
}

static __attribute__((noinline)) void free_stack(uint32_t stack, uint64_t size)
{
    ht_stacks_count_free(stack, size);
}

/* A header that can be read and is the shim's. A pointer at the start of a
 * page has its header on the page before, which another allocator need not
 * have mapped (jemalloc's page-aligned blocks); glibc's free, realloc and
 * malloc_usable_size read there themselves (ht_next_glibc), on that same page
 * when p is aligned as glibc's blocks are, so over glibc the kernel is not
 * asked for those: one free in 256 would pay two system calls. */
static int header_ours(void *p)
{
    if (ht_header_near_page(p) && !(ht_next_glibc && ((uintptr_t)p & 15) == 0) &&
        !ht_unw_heap_readable((uint64_t)(uintptr_t)p - HT_BLOCK_HDR, HT_BLOCK_HDR))
        return 0;
    return ht_block_valid(ht_block_of(p));
}

/* Every free but the plain counted block's by a thread with a slot: foreign
 * pointers, checked, aligned and ust blocks, rows counted nowhere, threads
 * counting on a shared shard. */
__attribute__((noinline)) void ht_free_cold(void *p)
{
    if (!p) /* the fast path sends NULL here: its page test catches it */
        return;
    struct ht_block *b = ht_block_of(p);
    if (!header_ours(p)) {
        free_foreign(p);
        return;
    }
    if (b->meta & HT_META_CHECKED) {
        ht_check_free(p, b, HT_OP_FREE);
        return;
    }
    struct ht_thread *t = &ht_self;
    if (unlikely(t->slot_state == HT_SLOT_NEW) && t->depth == 0 && ht_state.seg) {
        ht_ages_sync(t);
        ht_slots_attach(t); /* a thread whose first call is a free */
    }
    /* read once: the counting atomics would make the compiler read again */
    uint64_t size = ht_block_size(b);
    uint32_t off = b->off;
    uint16_t meta = b->meta;
    ht_count_free_off(t, off, meta, size);
    void *base = ht_block_base(b);
    if (meta & HT_META_STACK)
        free_stack(ht_block_stack(b), size);
    b->check = 0; /* a second free of this block must not look like ours */
    ht_real_free(base);
}


/* realloc of a block that needs more than the real realloc: alignment kept
 * by copying into a fresh block. */
static void *realloc_by_copy(void *p, struct ht_block *b, size_t size, uint64_t site)
{
    void *q = ht_alloc_general(size, 0, 0, site);
    if (!q)
        return NULL;
    uint64_t had = ht_block_size(b);
    memcpy(q, p, had < size ? had : size);
    if (b->meta & HT_META_CHECKED)
        ht_check_free(p, b, HT_OP_REALLOC); /* guards verified at realloc too */
    else
        ht_free_cold(p);
    return q;
}

/* realloc of a block from the bootstrap arena: into a real block. */
static __attribute__((noinline)) void *realloc_boot(void *p, size_t size, uint64_t site)
{
    size_t old = ht_boot_size(p);
    void *q = ht_alloc_general(size, 0, 0, site);
    if (q)
        memcpy(q, p, old < size ? old : size);
    return q;
}

/* The row (and under ust the stack) an allocation at site is charged to, as
 * ht_alloc_general() chooses it. */
static uint32_t realloc_row(struct ht_thread *t, uint32_t flags, uint64_t site, uint32_t *stack)
{
    *stack = HT_STACK_NONE;
    if ((flags & (HT_FLAG_ptg | HT_FLAG_INTERNAL_PENDING)) != HT_FLAG_ptg)
        return HT_ROW_NONE;
    if (ht_inside(t))
        return reentered_row(t, site);
    if (flags & HT_FLAG_ust)
        return ust_lookup(t, site, 0, stack);
    if ((flags & HT_FLAG_htd) && !t->tag[0])
        return ht_rows_lookup_module(t, site);
    return ht_rows_lookup(t, site);
}

/* hfc: a checked block that must move is copied into a block with half as
 * much again of room, so growing it step by step copies O(log n) times. */
static void *realloc_checked_copy(void *p, struct ht_block *b, size_t size, uint64_t site,
                                  uint32_t row, uint32_t flags)
{
    void *q = ht_check_alloc_room(size, size / 2, 0, 0, site, row, flags, HT_STACK_NONE);
    if (!q)
        return NULL;
    memcpy(q, p, b->size < size ? b->size : size);
    ht_check_free(p, b, HT_OP_REALLOC);
    return q;
}

/* realloc of a block with a prefix (aligned, ust, checked) or under a flag
 * off the fast path (ust, htd, the checks): grown through the next
 * allocator's realloc, in place where it can, the prefix moving with the
 * block, so growth stays amortised as it is without the shim. Copies only
 * when the block's layout must change (the flags changed since it was
 * allocated) or hfc must keep the old block to quarantine it. */
static __attribute__((noinline)) void *realloc_cold(void *p, struct ht_block *b, size_t size,
                                                    uint64_t site, uint32_t flags)
{
    struct ht_thread *t = &ht_self;
    if (flags & HT_FLAG_INTERNAL_PENDING)
        return realloc_by_copy(p, b, size, site);
    if (b->meta & HT_META_CHECKED) {
        if ((b->meta & HT_META_FREE_CHECK) && !(flags & HT_FLAG_hfc))
            return realloc_by_copy(p, b, size, site);
        uint32_t stack;
        uint32_t row = realloc_row(t, flags, site, &stack); /* checked: no stack kept */
        void *q = ht_check_realloc(p, b, size, site, row, flags);
        if (q != HT_CHECK_COPY)
            return q;
        if ((flags & HT_CHECK_FLAGS) && (b->meta & HT_META_FREE_CHECK))
            return realloc_checked_copy(p, b, size, site, row, flags);
        return realloc_by_copy(p, b, size, site);
    }
    if (flags & HT_CHECK_FLAGS)
        return realloc_by_copy(p, b, size, site); /* becomes a checked block */

    unsigned lg = (b->meta & HT_META_ALIGN_MASK) >> HT_META_ALIGN_SHIFT;
    size_t pad = lg ? (size_t)1 << lg : HT_BLOCK_HDR;
    uint32_t stack;
    uint32_t row = realloc_row(t, flags, site, &stack);
    stack = stack_room(stack, size);
    if (unlikely(size > HT_SIZE_LIMIT - pad)) {
        errno = ENOMEM;
        return NULL;
    }
    struct ht_block old = *b;
    uint64_t old_size = ht_block_size(&old);
    uint32_t old_stack = (old.meta & HT_META_STACK) ? ht_block_stack(&old) : HT_STACK_NONE;
    char *base = ht_block_base(b);
    char *nbase = ht_real_realloc(base, pad + size);
    if (unlikely(!nbase))
        return NULL; /* the old block is untouched and still counted */
    ht_count_free_off(t, old.off, old.meta, old_size);
    if (old_stack != HT_STACK_NONE)
        free_stack(old_stack, old_size);
    uint16_t meta = (uint16_t)(pad > HT_BLOCK_HDR ? lg << HT_META_ALIGN_SHIFT : 0);
    uint64_t size_word = size;
    if (stack != HT_STACK_NONE) {
        meta |= HT_META_STACK;
        size_word = ht_block_stack_word(size, stack);
        ht_stacks_count_alloc(stack, size);
    }
    struct ht_block *nb = (struct ht_block *)(nbase + pad) - 1;
    ht_block_set(nb, size_word, row, meta);
    ht_count_alloc_off(t, ht_row_off(row), size);
    return nb + 1;
}

/* Every realloc the fast path (alloc_fast.h) does not take. */
__attribute__((noinline)) void *ht_realloc_general(void *p, size_t size, uint64_t site)
{
    if (!p)
        return ht_alloc_general(size, 0, 0, site);
    if (unlikely(ht_boot_owns(p)))
        return realloc_boot(p, size, site);
    if (ht_next_passive())
        return ht_real_realloc(p, size);
    struct ht_block *b = ht_block_of(p);
    if (unlikely(!header_ours(p))) {
        if (ht_next_resolve() != 0) {
            errno = ENOMEM;
            return NULL;
        }
        if ((flags_now() & HT_FLAG_hpc) && !ht_check_foreign(p, HT_OP_REALLOC)) {
            errno = EINVAL;
            return NULL;
        }
        if (ht_state.seg)
            ht_fetch_add_relaxed(&ht_state.seg->untracked_reallocs, 1);
        return ht_real_realloc(p, size);
    }
    if (unlikely(b->meta & HT_META_CHECKED) && ht_check_usable(p, b, HT_OP_REALLOC) != 0) {
        errno = EINVAL;
        return NULL;
    }
    if (size == 0) { /* glibc: realloc(p, 0) frees p and returns NULL */
        ht_free_cold(p);
        return NULL;
    }
    if (unlikely(size > HT_SIZE_LIMIT - HT_BLOCK_HDR)) {
        errno = ENOMEM;
        return NULL;
    }
    uint32_t flags = flags_now();
    if (unlikely((b->meta & (HT_META_ALIGN_MASK | HT_META_CHECKED | HT_META_STACK)) ||
                 (flags & (HT_FLAGS_COLD & ~HT_FLAG_INTERNAL_PENDING))))
        return realloc_cold(p, b, size, site, flags);
    struct ht_block old = *b;
    struct ht_thread *t = &ht_self;
    uint32_t row = HT_ROW_NONE;
    if ((flags & (HT_FLAG_ptg | HT_FLAG_INTERNAL_PENDING)) == HT_FLAG_ptg)
        row = !ht_inside(t) ? ht_rows_lookup(t, site) : reentered_row(t, site);

    struct ht_block *nb = ht_real_realloc(b, size + HT_BLOCK_HDR);
    if (unlikely(!nb))
        return NULL; /* the old block is untouched and still counted */
    ht_count_free_off(t, old.off, old.meta, old.size);
    ht_block_set(nb, size, row, 0);
    ht_count_alloc_off(t, ht_row_off(row), size);
    return nb + 1;
}


size_t ht_block_usable(void *p)
{
    if (!p)
        return 0;
    if (unlikely(ht_boot_owns(p)))
        return ht_boot_size(p);
    if (ht_next_resolve() != 0)
        return 0;
    if (ht_next_passive())
        return ht_real_usable_size(p);
    struct ht_block *b = ht_block_of(p);
    if (!header_ours(p)) {
        if ((flags_now() & HT_FLAG_hpc) && !ht_check_foreign(p, HT_OP_SIZE))
            return 0;
        return ht_real_usable_size(p);
    }
    if (unlikely(b->meta & HT_META_CHECKED) && ht_check_usable(p, b, HT_OP_SIZE) != 0)
        return 0;
    return ht_block_size(b);
}
