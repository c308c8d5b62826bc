/*
 * alloc.c - allocation, free and realloc with per-row accounting.
 *
 * Runs inside every malloc of the host program: no locks, no allocation of its
 * own, no stdio. The common case (counting on, no checks) stays in the first
 * branch; everything rare goes through ht_alloc_general().
 */
#include "alloc.h"
#include "alloc_fast.h"

#include <errno.h>
#include <string.h>

#include "block.h"
#include "heapcheck.h"
#include "rows.h"
#include "sites.h"
#include "stacks.h"
#include "state.h"

__thread struct ht_thread ht_self __attribute__((tls_model("initial-exec")));

/* Until ht_init() points ht_state.flags at the segment, flags read as PENDING. */
static inline uint32_t flags_now(void)
{
    uint32_t *f = __atomic_load_n(&ht_state.flags, __ATOMIC_RELAXED);
    return likely(f != NULL) ? __atomic_load_n(f, __ATOMIC_RELAXED) : HT_FLAG_INTERNAL_PENDING;
}

/* A block's counter line free may count on (HT_ROW_NONE is above any). */
static inline int line_ok(uint32_t line)
{
    return line < ht_state.line_limit;
}

static unsigned log2_of(size_t pow2) { return (unsigned)__builtin_ctzl(pow2); }

/* ust's frames: per thread, off the caller's stack (signal stacks are small).
 * Used only under the recursion guard, so a handler never shares it. */
static __thread uint64_t ust_frames[HT_STACK_DEPTH_MAX] __attribute__((tls_model("initial-exec")));

/* ust: the allocation's stack, the row of its first frame outside wrappers,
 * and the stack's index in the table (HT_STACK_NONE when not recorded). */
static uint32_t ust_lookup(struct ht_thread *t, uint64_t site, uint32_t *stack)
{
    uint32_t depth = ht_state.seg->stack_depth;
    if (depth == 0 || depth > HT_STACK_DEPTH_MAX)
        depth = HT_STACK_DEPTH_MAX;
    ht_enter();
    int n = ht_sites_backtrace(site, ust_frames, (int)depth);
    uint32_t row = ht_rows_lookup_at(t, ht_sites_pick(ust_frames, n));
    *stack = ht_stacks_intern(row, ust_frames, (uint32_t)n);
    ht_leave();
    return row;
}

/* Every allocation that is not the plain counted malloc. */
__attribute__((noinline)) void *ht_alloc_general(size_t size, size_t align, int zero,
                                                 uint64_t site)
{
    uint32_t flags = flags_now();
    if (unlikely(flags & HT_FLAG_INTERNAL_PENDING)) {
        ht_init();
        flags = flags_now();
    }
    if (align <= HT_BLOCK_HDR)
        align = 0;

    struct ht_thread *t = &ht_self;
    uint32_t row = HT_ROW_NONE;
    uint32_t stack = HT_STACK_NONE;
    int started = !(flags & HT_FLAG_INTERNAL_PENDING) && t->depth == 0;
    if ((flags & HT_FLAG_ptg) && !(flags & HT_FLAG_INTERNAL_PENDING) && t->depth != 0) {
        /* Re-entered: a signal handler that interrupted our slow path, or the
         * unwinder's own allocation. Counted at the immediate caller, with no
         * unwind and no check, so nothing recurses and no handler goes uncounted. */
        row = ht_rows_lookup_at(t, site);
    } else if ((flags & HT_FLAG_ptg) && started) {
        if (flags & HT_FLAG_ust)
            row = ust_lookup(t, site, &stack);
        else if (flags & HT_FLAG_htd)
            row = ht_rows_lookup_module(t, site);
        else
            row = ht_rows_lookup(t, site);
    }
    /* Checked blocks have a layout of their own; their stacks go unrecorded. */
    if ((flags & HT_CHECK_FLAGS) && started)
        return ht_check_alloc(size, align, zero, site, row, t->shard, flags);
    /* pad: bytes in front of the user pointer, the header's among them */
    size_t pad = align ? align : HT_BLOCK_HDR;
    if (stack != HT_STACK_NONE && (size > HT_STACK_SIZE_MAX || stack > HT_STACK_INDEX_MAX)) {
        stack = HT_STACK_NONE; /* no room in the header: the block goes without */
        __atomic_fetch_add(&ht_state.seg->stacks_dropped, 1, __ATOMIC_RELAXED);
    }
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
    uint16_t meta = (uint16_t)(t->shard | (pad > HT_BLOCK_HDR ? log2_of(pad) << HT_META_ALIGN_SHIFT : 0));
    uint64_t size_word = size;
    if (stack != HT_STACK_NONE) {
        meta |= HT_META_STACK;
        size_word = ht_block_stack_word(size, stack);
        ht_stacks_count_alloc(stack, size);
    }
    ht_block_set(b, size_word, row, meta);
    if (row != HT_ROW_NONE)
        ht_count_alloc(row, t->shard, size);
    return b + 1;
}

/* The fast path after a cache miss. Re-entered (a signal handler in our slow
 * path, the unwinder's own allocation): counted at the immediate caller, with
 * no unwind, as ht_alloc_general() would. */
__attribute__((noinline)) void *ht_alloc_miss(struct ht_block *b, size_t size, uint64_t site)
{
    struct ht_thread *t = &ht_self;
    uint32_t row = ht_rows_lookup_slow(t, site, t->depth == 0);
    ht_block_set(b, size, row, (uint16_t)t->shard);
    ht_count_alloc(row, t->shard, size);
    return b + 1;
}

/* The hot path (alloc_fast.h): the plain counted malloc. The row is looked up
 * after the real malloc; a failed malloc counts nothing either way. */
void *ht_alloc(size_t size, uint64_t site)
{
    HT_ALLOC_FAST_RETURN(size, site);
}

void *ht_alloc_zeroed(size_t count, size_t size, uint64_t site)
{
    size_t total;
    if (unlikely(__builtin_mul_overflow(count, size, &total))) {
        errno = ENOMEM;
        return NULL;
    }
    return ht_alloc_general(total, 0, 1, site);
}

void *ht_alloc_aligned(size_t align, size_t size, uint64_t site)
{
    return ht_alloc_general(size, align, 0, site);
}

static __attribute__((noinline)) void free_foreign(void *p)
{
    if (unlikely(flags_now() & HT_FLAG_hpc) && !ht_check_foreign(p, HT_OP_FREE))
        return;
    if (ht_state.seg)
        __atomic_fetch_add(&ht_state.seg->untracked_frees, 1, __ATOMIC_RELAXED);
    ht_real_free(p);
}

static __attribute__((noinline)) void free_stack(uint32_t stack, uint64_t size)
{
    ht_stacks_count_free(stack, size);
}

/* Every free but the plain counted block's: foreign pointers, checked,
 * aligned and ust blocks. */
__attribute__((noinline)) void ht_free_cold(void *p)
{
    struct ht_block *b = ht_block_of(p);
    if (!ht_block_valid(b)) {
        free_foreign(p);
        return;
    }
    if (b->meta & HT_META_CHECKED) {
        ht_check_free(p, b, HT_OP_FREE);
        return;
    }
    /* read once: the counting atomics would make the compiler read again */
    uint64_t size = ht_block_size(b);
    uint32_t line = b->line;
    uint16_t meta = b->meta;
    if (line_ok(line))
        ht_count_free_at(ht_shard_of_line(line), size);
    void *base = ht_block_base(b);
    if (meta & HT_META_STACK)
        free_stack(ht_block_stack(b), size);
    b->check = 0; /* a second free of this block must not look like ours */
    ht_real_free(base);
}

void ht_free(void *p)
{
    ht_free_fast(p);
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
        ht_free(p);
    return q;
}

void *ht_realloc(void *p, size_t size, uint64_t site)
{
    if (!p)
        return ht_alloc(size, site);
    struct ht_block *b = ht_block_of(p);
    if (unlikely(!ht_block_valid(b))) {
        if ((flags_now() & HT_FLAG_hpc) && !ht_check_foreign(p, HT_OP_REALLOC)) {
            errno = EINVAL;
            return NULL;
        }
        if (ht_state.seg)
            __atomic_fetch_add(&ht_state.seg->untracked_reallocs, 1, __ATOMIC_RELAXED);
        return ht_real_realloc(p, size);
    }
    if (unlikely(b->meta & HT_META_CHECKED) && ht_check_usable(p, b, HT_OP_REALLOC) != 0) {
        errno = EINVAL;
        return NULL;
    }
    if (size == 0) { /* glibc: realloc(p, 0) frees p and returns NULL */
        ht_free(p);
        return NULL;
    }
    if (unlikely(size > HT_SIZE_LIMIT - HT_BLOCK_HDR)) {
        errno = ENOMEM;
        return NULL;
    }
    if (b->meta & (HT_META_ALIGN_MASK | HT_META_CHECKED | HT_META_STACK))
        return realloc_by_copy(p, b, size, site);

    uint32_t flags = flags_now();
    if (unlikely(flags & (HT_FLAGS_COLD & ~HT_FLAG_INTERNAL_PENDING)))
        return realloc_by_copy(p, b, size, site);
    struct ht_block old = *b;
    struct ht_thread *t = &ht_self;
    uint32_t row = HT_ROW_NONE;
    if ((flags & (HT_FLAG_ptg | HT_FLAG_INTERNAL_PENDING)) == HT_FLAG_ptg)
        row = t->depth == 0 ? ht_rows_lookup(t, site) : ht_rows_lookup_at(t, site);

    struct ht_block *nb = ht_real_realloc(b, size + HT_BLOCK_HDR);
    if (unlikely(!nb))
        return NULL; /* the old block is untouched and still counted */
    if (line_ok(old.line))
        ht_count_free_at(ht_shard_of_line(old.line), old.size);
    ht_block_set(nb, size, row, (uint16_t)t->shard);
    if (row != HT_ROW_NONE)
        ht_count_alloc(row, t->shard, size);
    return nb + 1;
}

size_t ht_usable_size(void *p)
{
    if (!p)
        return 0;
    struct ht_block *b = ht_block_of(p);
    if (!ht_block_valid(b)) {
        if ((flags_now() & HT_FLAG_hpc) && !ht_check_foreign(p, HT_OP_SIZE))
            return 0;
        return ht_real_usable_size(p);
    }
    if (unlikely(b->meta & HT_META_CHECKED) && ht_check_usable(p, b, HT_OP_SIZE) != 0)
        return 0;
    return ht_block_size(b);
}
