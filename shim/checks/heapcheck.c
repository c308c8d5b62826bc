/* SPDX-License-Identifier: MIT
 * heapcheck.c - htc guards, hfc poison and quarantine, hpc pointer checks.
 * Runs inside malloc/free of a program that may already have damaged its heap:
 * never allocates (reports go through report.c), never takes a lock, and
 * reads no memory but the block it was handed, the bytes just before a
 * pointer (as the fast path already does) and blocks the registry vouches for.
 *
 * checks/ - the heap checks behind htc, hfc and hpc: guards and poison
 * (heapcheck), the freed-block quarantine, the live-block registry, and the
 * reports they write. Uses base/, callers/ and accounting/; core/ calls it on
 * its cold paths.
 */
#include "checks/heapcheck.h"

#include <errno.h>
#include <string.h>

#include "checks/quarantine.h"
#include "checks/registry.h"
#include "checks/report.h"
#include "accounting/rows.h"
#include "callers/stacks.h"
#include "base/state.h"
#include "ht_atomic.h"
#include "base/next.h"

#define HT_EXT_MAGIC 0x48744578u
#define CHECK_PREFIX 64 /* ext + header, rounded to a power of two */
#define INTERIOR_WALK 4096 /* 16-byte steps searched back for a containing block: 64 KiB */
#define QUARANTINE_BUDGET ((uint64_t)64 << 20) /* bytes held before extra evictions */

_Static_assert(sizeof(struct ht_check_ext) + HT_BLOCK_HDR <= CHECK_PREFIX, "prefix holds ext");

/* meta and check as one word, so a free claims a block with one CAS. */
typedef uint32_t __attribute__((may_alias)) meta_word_t;

static uint64_t quarantined_bytes;

static const char *op_name(enum ht_check_op op)
{
    return op == HT_OP_FREE ? "free" : op == HT_OP_REALLOC ? "realloc" : "malloc_usable_size";
}

static struct ht_check_ext *ext_of(void *user)
{
    return (struct ht_check_ext *)((char *)user - HT_BLOCK_HDR) - 1;
}

static uint32_t ext_magic(const void *user)
{
    return HT_EXT_MAGIC ^ (uint32_t)((uintptr_t)user >> 4);
}

static uint8_t guard_byte(size_t i) { return (uint8_t)(0xc5u + 7u * (unsigned)i); }

static unsigned log2_of(size_t pow2) { return (unsigned)__builtin_ctzl(pow2); }

/* The ring's record of a report about the block at user (size bytes): its
 * tag, stack, and the site its row was charged to (the first frame outside
 * the allocation wrappers), else the immediate caller the ext remembers. */
static void info_block(struct ht_report_info *r, void *user, uint64_t size)
{
    const struct ht_check_ext *x = ext_of(user);
    uint32_t off = ht_off_clean(ht_block_of(user)->off);
    r->size = size;
    if (x->magic != ext_magic(user))
        return;
    r->tag[0] = x->tag[0];
    r->tag[1] = x->tag[1];
    r->site = x->site;
    r->stack = x->stack;
    if (off < ht_state.off_limit) { /* HT_ROW_NONE is above any */
        const struct ht_row *row = &ht_state.rows[ht_off_row(off)];
        uint32_t kind = ht_load_relaxed(&row->kind);
        uint64_t site = ht_load_relaxed(&row->site);
        if ((kind == HT_KIND_SITE || kind == HT_KIND_TAG) && site)
            r->site = site;
    }
}

static struct ht_report_info info_new(unsigned kind, enum ht_check_op op, const void *addr)
{
    struct ht_report_info r;
    memset(&r, 0, sizeof r);
    r.kind = kind;
    r.op = op == HT_OP_FREE ? HT_REPORT_OP_FREE
         : op == HT_OP_REALLOC ? HT_REPORT_OP_REALLOC : HT_REPORT_OP_SIZE;
    r.addr = (uintptr_t)addr;
    r.stack = HT_STACK_NONE;
    return r;
}

/* "block of N bytes at 0x.. (tag T, allocated at S (mod+off))" */
static void msg_block(struct ht_msg *m, void *user, uint64_t size)
{
    const struct ht_check_ext *x = ext_of(user);
    ht_msg_str(m, "a block of ");
    ht_msg_u64(m, size);
    ht_msg_str(m, " bytes at ");
    ht_msg_hex(m, (uintptr_t)user);
    ht_msg_str(m, " (");
    if (x->magic == ext_magic(user))
        ht_msg_origin(m, x->tag, x->site);
    else
        ht_msg_str(m, "origin unknown");
    ht_msg_str(m, ")");
}

/* The ext, the guard and the header of a checked block at user, from flags. */
static void check_fill(char *user, size_t size, size_t prefix, uint64_t site, uint32_t row,
                       uint32_t flags, uint32_t stack)
{
    size_t guard = (flags & HT_FLAG_htc) ? HT_GUARD_BYTES : 0;
    struct ht_check_ext *x = ext_of(user);
    x->tag[0] = ht_self.tag[0];
    x->tag[1] = ht_self.tag[1];
    x->site = site;
    x->flags = flags;
    x->magic = ext_magic(user);
    x->stack = stack;
    x->reserved = 0;
    for (size_t i = 0; i < guard; i++)
        user[size + i] = (char)guard_byte(i);

    uint16_t meta = (uint16_t)(log2_of(prefix) << HT_META_ALIGN_SHIFT | HT_META_CHECKED);
    if (flags & HT_FLAG_htc)
        meta |= HT_META_TAIL;
    if (flags & HT_FLAG_hfc)
        meta |= HT_META_FREE_CHECK;
    if ((flags & HT_FLAG_hpc) && ht_registry_add((uintptr_t)user) == 0)
        meta |= HT_META_PARAM;
    ht_block_set(ht_block_of(user), size, row, meta);
    ht_count_alloc(row, size);
    if (stack != HT_STACK_NONE)
        ht_stacks_count_alloc(stack, size);
}

void *ht_check_alloc(size_t size, size_t align, int zero, uint64_t site, uint32_t row,
                     uint32_t flags, uint32_t stack)
{
    return ht_check_alloc_room(size, 0, align, zero, site, row, flags, stack);
}

void *ht_check_alloc_room(size_t size, size_t room, size_t align, int zero, uint64_t site,
                          uint32_t row, uint32_t flags, uint32_t stack)
{
    size_t prefix = align > CHECK_PREFIX ? align : CHECK_PREFIX;
    size_t guard = (flags & HT_FLAG_htc) ? HT_GUARD_BYTES : 0;
    if (unlikely(size > HT_SIZE_LIMIT - prefix - guard)) {
        errno = ENOMEM;
        return NULL;
    }
    if (room > HT_SIZE_LIMIT - prefix - guard - size)
        room = 0;
    size_t total = prefix + size + guard + room;
    char *base;
    if (align > 16)
        base = ht_real_memalign(align > CHECK_PREFIX ? align : CHECK_PREFIX, total);
    else if (zero)
        base = ht_real_calloc(1, total);
    else
        base = ht_real_malloc(total);
    if (unlikely(!base))
        return NULL;
    char *user = base + prefix;
    if (zero && align > 16)
        memset(user, 0, size);
    check_fill(user, size, prefix, site, row, flags, stack);
    return user;
}

static void check_tail(void *user, uint64_t size, enum ht_check_op op);

/* The checks a block carries, as flags. */
static uint32_t block_checks(uint16_t meta)
{
    return ((meta & HT_META_TAIL) ? HT_FLAG_htc : 0) |
           ((meta & HT_META_FREE_CHECK) ? HT_FLAG_hfc : 0) |
           ((meta & HT_META_PARAM) ? HT_FLAG_hpc : 0);
}

void *ht_check_realloc(void *p, struct ht_block *b, size_t size, uint64_t site, uint32_t row,
                       uint32_t flags)
{
    uint16_t meta = b->meta;
    uint64_t old = b->size;
    uint32_t line = b->off;
    if (block_checks(meta) != (flags & HT_CHECK_FLAGS))
        return HT_CHECK_COPY; /* the flags changed since: a block of the new kind */
    size_t prefix = (size_t)1 << ((meta & HT_META_ALIGN_MASK) >> HT_META_ALIGN_SHIFT);
    size_t guard = (meta & HT_META_TAIL) ? HT_GUARD_BYTES : 0;
    if (unlikely(size > HT_SIZE_LIMIT - prefix - guard)) {
        errno = ENOMEM;
        return NULL;
    }
    char *base = ht_block_base(b);
    size_t need = prefix + size + guard;
    if (guard)
        check_tail(p, old, HT_OP_REALLOC); /* reported; the realloc goes on */
    char *nbase;
    if (need <= ht_real_usable_size(base))
        nbase = base; /* fits what the allocator already gave: in place */
    else if (!(meta & HT_META_FREE_CHECK))
        nbase = ht_real_realloc(base, need); /* in place where it can, else moved */
    else
        return HT_CHECK_COPY; /* hfc: a moved-from block must be quarantined */
    if (!nbase)
        return NULL; /* the old block is untouched and still counted */
    char *user = nbase + prefix;
    /* the block keeps its ust stack, counted at its new size */
    const struct ht_check_ext *x = ext_of(nbase + prefix);
    uint32_t stack = x->magic == ext_magic(p) ? x->stack : HT_STACK_NONE;
    if (stack != HT_STACK_NONE)
        ht_stacks_count_free(stack, old);
    if (meta & HT_META_PARAM)
        ht_registry_remove((uintptr_t)p); /* check_fill registers the new address */
    ht_count_free_off(&ht_self, line, meta, old);
    check_fill(user, size, prefix, site, row, flags, stack);
    return user;
}

/* htc: the guard must be as written; report how far an overrun reached. */
static void check_tail(void *user, uint64_t size, enum ht_check_op op)
{
    const uint8_t *g = (const uint8_t *)user + size;
    size_t reach = 0;
    for (size_t i = 0; i < HT_GUARD_BYTES; i++)
        if (g[i] != guard_byte(i))
            reach = i + 1;
    if (!reach)
        return;
    struct ht_msg m = { .len = 0 };
    ht_msg_str(&m, "heap overrun: ");
    if (reach == HT_GUARD_BYTES)
        ht_msg_str(&m, "at least ");
    ht_msg_u64(&m, reach);
    ht_msg_str(&m, reach == 1 ? " byte" : " bytes");
    ht_msg_str(&m, " written past the end of ");
    msg_block(&m, user, size);
    ht_msg_str(&m, "; found by ");
    ht_msg_str(&m, op_name(op));
    struct ht_report_info r = info_new(HT_CORRUPT_OVERRUN, op, user);
    info_block(&r, user, size);
    r.detail = reach;
    ht_report(&m, &r);
}

static void report_freed(void *user, uint64_t size, enum ht_check_op op)
{
    struct ht_msg m = { .len = 0 };
    if (op == HT_OP_FREE)
        ht_msg_str(&m, "double free of ");
    else {
        ht_msg_str(&m, op_name(op));
        ht_msg_str(&m, " of a freed block: ");
    }
    msg_block(&m, user, size);
    ht_msg_str(&m, op == HT_OP_FREE ? "; second free skipped" : "; refused");
    struct ht_report_info r = info_new(op == HT_OP_FREE ? HT_CORRUPT_DOUBLE_FREE
                                                        : HT_CORRUPT_USE_AFTER_FREE, op, user);
    info_block(&r, user, size);
    ht_report(&m, &r);
}

static void report_invalid(void *p, const char *why, enum ht_check_op op)
{
    struct ht_msg m = { .len = 0 };
    ht_msg_str(&m, "invalid ");
    ht_msg_str(&m, op_name(op));
    ht_msg_str(&m, " of ");
    ht_msg_hex(&m, (uintptr_t)p);
    ht_msg_str(&m, ": ");
    ht_msg_str(&m, why);
    ht_msg_str(&m, "; refused");
    struct ht_report_info r = info_new(HT_CORRUPT_INVALID_PTR, op, p);
    ht_report(&m, &r);
}

/* hfc: a block leaving quarantine must still hold its poison. */
static void release_evicted(void *user)
{
    struct ht_block *b = ht_block_of(user);
    uint64_t size = b->size;
    size_t n = size < HT_POISON_MAX ? (size_t)size : HT_POISON_MAX;
    const uint8_t *u = user;
    for (size_t i = 0; i < n; i++)
        if (u[i] != HT_POISON_BYTE) {
            struct ht_msg m = { .len = 0 };
            ht_msg_str(&m, "use after free: byte ");
            ht_msg_u64(&m, i);
            ht_msg_str(&m, " of ");
            msg_block(&m, user, size);
            ht_msg_str(&m, " was written after it was freed");
            struct ht_report_info r = info_new(HT_CORRUPT_USE_AFTER_FREE, HT_OP_FREE, user);
            r.op = HT_REPORT_OP_EVICT;
            info_block(&r, user, size);
            r.detail = i;
            ht_report(&m, &r);
            break;
        }
    ht_sub_fetch_relaxed(&quarantined_bytes, size);
    void *base = ht_block_base(b);
    b->check = 0;
    ht_real_free(base);
}

static void quarantine(void *user, uint64_t size)
{
    memset(user, HT_POISON_BYTE, size < HT_POISON_MAX ? (size_t)size : HT_POISON_MAX);
    ht_add_fetch_relaxed(&quarantined_bytes, size);
    void *out = ht_quarantine_push(user);
    if (out)
        release_evicted(out);
    /* Over budget: push holes to evict the oldest few. */
    for (int i = 0; i < 8 && ht_load_relaxed(&quarantined_bytes) >
                                 QUARANTINE_BUDGET; i++) {
        out = ht_quarantine_push(NULL);
        if (out)
            release_evicted(out);
    }
}

void ht_check_free(void *p, struct ht_block *b, enum ht_check_op op)
{
    meta_word_t *w = (meta_word_t *)&b->meta;
    uint32_t old = ht_load_acquire(w);
    uint16_t meta = (uint16_t)old;
    uint64_t size = b->size;
    uint32_t line = b->off;
    if ((uint16_t)(old >> 16) != ht_block_check(size, line, meta) || (meta & HT_META_FREED)) {
        report_freed(p, size, op);
        return;
    }
    if ((meta & HT_META_PARAM) && !ht_registry_has((uintptr_t)p)) {
        report_invalid(p, "looks like a block but the heap never gave it out", op);
        return;
    }
    /* Claim the block: of two frees racing, exactly one wins. */
    uint16_t nmeta = (meta & HT_META_FREE_CHECK) ? (uint16_t)(meta | HT_META_FREED) : meta;
    uint16_t ncheck = (meta & HT_META_FREE_CHECK) ? ht_block_check(size, line, nmeta) : 0;
    if (!ht_cas_acq_rel(w, &old, (uint32_t)nmeta | (uint32_t)ncheck << 16)) {
        report_freed(p, size, op);
        return;
    }
    if (meta & HT_META_PARAM)
        ht_registry_remove((uintptr_t)p);
    if (meta & HT_META_TAIL)
        check_tail(p, size, op);
    ht_count_free_off(&ht_self, line, meta, size);
    const struct ht_check_ext *x = ext_of(p);
    if (x->magic == ext_magic(p) && x->stack != HT_STACK_NONE)
        ht_stacks_count_free(x->stack, size);
    if (meta & HT_META_FREE_CHECK)
        quarantine(p, size);
    else
        ht_real_free(ht_block_base(b));
}

int ht_check_usable(void *p, struct ht_block *b, enum ht_check_op op)
{
    if (b->meta & HT_META_FREED) {
        report_freed(p, b->size, op);
        return -1;
    }
    if ((b->meta & HT_META_PARAM) && !ht_registry_has((uintptr_t)p)) {
        report_invalid(p, "looks like a block but the heap never gave it out", op);
        return -1;
    }
    return 0;
}

/* A registered block that contains a, searched back over at most 64 KiB. Reads
 * only the registry and headers of blocks the registry holds as live. */
static void *containing_block(uintptr_t a)
{
    uintptr_t u = a & ~(uintptr_t)15;
    for (unsigned k = 0; k < INTERIOR_WALK && u >= 4096; k++, u -= 16) {
        if (!ht_registry_has(u))
            continue;
        struct ht_block *b = ht_block_of((void *)u);
        if (u == a || (ht_block_valid(b) && a - u < b->size + (b->size == 0)))
            return (void *)u;
    }
    return NULL;
}

/* Could libc have handed out p? Its chunk header must be sane: a size that is
 * a multiple of 16 and plausible, and for an mmapped chunk page-aligned ends. */
static int libc_chunk_sane(uintptr_t a)
{
    const uint64_t *w = (const uint64_t *)a;
    uint64_t word = w[-1], size = word & ~(uint64_t)7;
    if (size < 32 || (size & 15) || size >= ((uint64_t)1 << 40))
        return 0;
    if (word & 2) { /* IS_MMAPPED: glibc's munmap_chunk checks */
        uint64_t prev = w[-2];
        if ((word & 4) || ((a - 16 - prev) & 4095) || ((prev + size) & 4095))
            return 0;
    }
    return 1;
}

int ht_check_foreign(void *p, enum ht_check_op op)
{
    uintptr_t a = (uintptr_t)p;
    void *in = containing_block(a);
    if (in) {
        struct ht_msg m = { .len = 0 };
        ht_msg_str(&m, "invalid ");
        ht_msg_str(&m, op_name(op));
        ht_msg_str(&m, " of ");
        ht_msg_hex(&m, a);
        if (in == p)
            ht_msg_str(&m, ": the header of ");
        else {
            ht_msg_str(&m, ": ");
            ht_msg_u64(&m, a - (uintptr_t)in);
            ht_msg_str(&m, " bytes into ");
        }
        msg_block(&m, in, ht_block_of(in)->size);
        ht_msg_str(&m, in == p ? " was overwritten; refused" : "; refused");
        struct ht_report_info r = info_new(HT_CORRUPT_INVALID_PTR, op, p);
        info_block(&r, in, ht_block_of(in)->size);
        r.detail = a - (uintptr_t)in;
        ht_report(&m, &r);
        return 0;
    }
    if (a & 15) {
        report_invalid(p, "misaligned, not a block the heap gave out", op);
        return 0;
    }
    if (!libc_chunk_sane(a)) {
        report_invalid(p, "not a block the heap gave out (or one already freed)", op);
        return 0;
    }
    return 1;
}
