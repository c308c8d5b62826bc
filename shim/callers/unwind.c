/* SPDX-License-Identifier: MIT
 * unwind.c - the shim's stack walker for x86-64. Each code address gets one
 * rule (where its frame's CFA is, where the caller's rbp and return address
 * sit), learnt once from the object's .eh_frame (found with _dl_find_object,
 * lock-free) and cached in a fixed lock-free table. A step is then a cache hit
 * and two loads. Stack memory is read only once known readable: a per-thread
 * pair of verified ranges, extended a page at a time with process_vm_readv on
 * ourselves (no descriptor, no write, no signal). Never a lock, an allocation,
 * a file descriptor or errno changed; small frames only (signal stacks).
 */
#include "callers/unwind.h"
#include "ht_atomic.h"

#include <dlfcn.h>
#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#if !defined(__x86_64__)
#error "the shim's unwinder reads x86-64 frames"
#endif

/* ---- readable memory ------------------------------------------------- */

#define PAGE 4096ull

/* [0] the range used last, [1] the one before (a signal stack and the stack
 * it interrupted). Used only under the shim's recursion guard, so a signal
 * handler never sees them half written. */
__thread struct ht_unw_range ht_unw_ok[2] __attribute__((tls_model("initial-exec")));

static long raw_syscall6(long n, long a, long b, long c, long d, long e, long f)
{
    long ret;
    register long r10 __asm__("r10") = d;
    register long r8 __asm__("r8") = e;
    register long r9 __asm__("r9") = f;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
    return ret;
}

/* One byte of the page read through the kernel: fails cleanly (EFAULT) where
 * a load would fault. Raw syscalls: errno is never touched. */
static long page_read(uint64_t page)
{
    char byte;
    struct iovec local = { &byte, 1 };
    struct iovec remote = { (void *)page, 1 };
    long pid = raw_syscall6(SYS_getpid, 0, 0, 0, 0, 0, 0);
    return raw_syscall6(SYS_process_vm_readv, pid, (long)&local, 1, (long)&remote, 1, 0);
}

static int page_ok(uint64_t page)
{
    return page_read(page) == 1;
}

/* Outside the last verified range (ht_unw_readable() looked there): the one
 * before, else the kernel asked page by page and the range kept. */
__attribute__((noinline)) int ht_unw_readable_slow(uint64_t a, uint64_t len)
{
    uint64_t end = a + len;
    if (end < a)
        return 0;
    struct ht_unw_range *r = ht_unw_ok;
    if (a >= r[1].lo && end <= r[1].hi) {
        struct ht_unw_range t = r[0];
        r[0] = r[1];
        r[1] = t;
        return 1;
    }
    uint64_t lo = a & ~(PAGE - 1), hi = (end + PAGE - 1) & ~(PAGE - 1);
    for (uint64_t p = lo; p < hi; p += PAGE)
        if (!page_ok(p))
            return 0;
    /* join a range it touches; else it replaces the older one */
    for (int i = 0; i < 2; i++)
        if (r[i].hi > r[i].lo && lo <= r[i].hi && hi >= r[i].lo) {
            struct ht_unw_range n = { lo < r[i].lo ? lo : r[i].lo, hi > r[i].hi ? hi : r[i].hi };
            r[i] = r[0];
            r[0] = n;
            return 1;
        }
    r[1] = r[0];
    r[0] = (struct ht_unw_range){ lo, hi };
    return 1;
}

static int read_word(uint64_t a, uint64_t *out)
{
    if ((a & 7) || !ht_unw_readable(a, 8))
        return 0;
    *out = *(const uint64_t *)a;
    return 1;
}

int ht_unw_code_readable(uint64_t a, uint64_t len)
{
    if (a + len < a || len == 0)
        return 0;
    for (uint64_t p = a & ~(PAGE - 1); p < a + len; p += PAGE)
        if (!page_ok(p))
            return 0;
    return 1;
}

int ht_unw_heap_readable(uint64_t a, uint64_t len)
{
    if (a + len < a || len == 0)
        return 0;
    for (uint64_t p = a & ~(PAGE - 1); p < a + len; p += PAGE) {
        long r = page_read(p);
        if (r == 1)
            continue;
        unsigned char in_core;
        if (r == -EFAULT || raw_syscall6(SYS_mincore, (long)p, PAGE, (long)&in_core, 0, 0, 0) != 0)
            return 0;
    }
    return 1;
}

void ht_unw_thread_reset(void)
{
    /* a jump out of ht_unw_readable_slow() may have left a range half written */
    ht_unw_ok[0] = (struct ht_unw_range){ 0, 0 };
    ht_unw_ok[1] = (struct ht_unw_range){ 0, 0 };
}

/* ---- rules ------------------------------------------------------------ */

/* A rule in 32 bits:
 *   kind (2)      RULE_FRAME, RULE_STOP, RULE_SIGRET
 *   NOINFO (1)    no unwind info: follow the frame pointer chain
 *   CFA_BP (1)    CFA = rbp + off, else rsp + off
 *   bp mode (2)   caller's rbp: unchanged, saved at CFA + bp_off, unknown
 *   bp_off/8 (8)  signed
 *   cfa_off (18)  unsigned */
enum { RULE_FRAME = 1, RULE_STOP = 2, RULE_SIGRET = 3 };
enum { BP_SAME = 0, BP_SAVED = 1, BP_LOST = 2 };
#define R_NOINFO 0x4u
#define R_CFA_BP 0x8u
#define R_BP_SHIFT 4
#define R_BPOFF_SHIFT 6
#define R_CFA_SHIFT 14
#define R_CFA_MAX ((1u << 18) - 1)

static uint32_t rule_frame(int cfa_bp, uint64_t cfa_off, int bp_mode, int64_t bp_off)
{
    if (cfa_off > R_CFA_MAX || cfa_off < 8 || (bp_mode == BP_SAVED &&
        ((bp_off & 7) || bp_off < -1024 || bp_off > 1016)))
        return RULE_STOP;
    return RULE_FRAME | (cfa_bp ? R_CFA_BP : 0) | (uint32_t)bp_mode << R_BP_SHIFT |
           (uint32_t)(uint8_t)(int8_t)(bp_off / 8) << R_BPOFF_SHIFT |
           (uint32_t)cfa_off << R_CFA_SHIFT;
}

/* ---- DWARF call frame information ------------------------------------- */

#define DW_EH_PE_omit 0xff
#define DW_EH_PE_pcrel 0x10
#define DW_EH_PE_datarel 0x30
#define DW_EH_PE_indirect 0x80

#define REG_BP 6
#define REG_SP 7
#define REG_RA 16

struct cur {
    const uint8_t *p, *end;
    int bad;
};

/* One LEB128 number; *last gets its final byte (sleb needs its sign bit)
 * and *shift the bits read. Marks c bad when the data ends inside it. */
static uint64_t leb(struct cur *c, unsigned *shift, uint8_t *last)
{
    uint64_t v = 0;
    *shift = 0;
    *last = 0; /* data ends inside the number: 0, as unsigned */
    while (c->p < c->end) {
        uint8_t b = *c->p++;
        if (*shift < 64)
            v |= (uint64_t)(b & 0x7f) << *shift;
        *shift += 7;
        if (!(b & 0x80)) {
            *last = b;
            return v;
        }
    }
    c->bad = 1;
    return 0;
}

static uint64_t uleb(struct cur *c)
{
    unsigned shift;
    uint8_t last;
    return leb(c, &shift, &last);
}

static int64_t sleb(struct cur *c)
{
    unsigned shift;
    uint8_t last;
    uint64_t v = leb(c, &shift, &last);
    if (shift < 64 && (last & 0x40))
        v |= ~0ull << shift;
    return (int64_t)v;
}

static uint64_t fixed(struct cur *c, unsigned n)
{
    if ((uint64_t)(c->end - c->p) < n) {
        c->bad = 1;
        return 0;
    }
    uint64_t v = 0;
    memcpy(&v, c->p, n);
    c->p += n;
    return v;
}

/* A pointer in encoding enc; datarel against dbase. */
static uint64_t encoded(struct cur *c, uint8_t enc, uint64_t dbase)
{
    if (enc == DW_EH_PE_omit)
        return 0;
    uint64_t at = (uint64_t)c->p, v;
    switch (enc & 0x0f) {
    case 0x00: v = fixed(c, 8); break;
    case 0x01: v = uleb(c); break;
    case 0x02: v = fixed(c, 2); break;
    case 0x03: v = fixed(c, 4); break;
    case 0x04: v = fixed(c, 8); break;
    case 0x09: v = (uint64_t)sleb(c); break;
    case 0x0a: v = (uint64_t)(int64_t)(int16_t)fixed(c, 2); break;
    case 0x0b: v = (uint64_t)(int64_t)(int32_t)fixed(c, 4); break;
    case 0x0c: v = fixed(c, 8); break;
    default: c->bad = 1; return 0;
    }
    switch (enc & 0x70) {
    case 0: break;
    case DW_EH_PE_pcrel: v += at; break;
    case DW_EH_PE_datarel: v += dbase; break;
    default: c->bad = 1; return 0;
    }
    if (enc & DW_EH_PE_indirect)
        c->bad = 1; /* never used for code ranges */
    return v;
}

enum { RR_SAME = 0, RR_OFFSET, RR_UNDEF, RR_OTHER };

struct regrule {
    uint8_t how;
    int64_t off;
};

struct cfa_state {
    uint64_t cfa_reg;
    int64_t cfa_off;
    int cfa_expr;
    struct regrule bp, ra;
    uint64_t rip; /* the code address the rule is for (a PLT's expression reads it) */
};

/* The CFA expression the linker writes for a PLT entry: rsp + 8, plus 8
 * once the entry has pushed its index (rip & 15 at or past lit's value):
 * DW_OP_breg7 8; DW_OP_breg16 0; DW_OP_lit15; DW_OP_and; DW_OP_litN;
 * DW_OP_ge; DW_OP_lit3; DW_OP_shl; DW_OP_plus. 1 with s's CFA set from it
 * at s->rip; 0 for any other expression. A signal can interrupt a PLT entry. */
static int plt_cfa(const uint8_t *e, uint64_t n, struct cfa_state *s)
{
    static const uint8_t plt[11] = { 0x77, 0x08, 0x80, 0x00, 0x3f, 0x1a, 0x00, 0x2a, 0x33, 0x24, 0x22 };
    if (n != sizeof plt || memcmp(e, plt, 6) != 0 || memcmp(e + 7, plt + 7, 4) != 0 ||
        e[6] < 0x30 || e[6] > 0x3f)
        return 0;
    s->cfa_reg = REG_SP;
    s->cfa_off = 8 + ((s->rip & 15) >= (uint64_t)(e[6] - 0x30) ? 8 : 0);
    s->cfa_expr = 0;
    return 1;
}

#define REMEMBER_MAX 8

struct cie {
    uint64_t code_align;
    int64_t data_align;
    uint64_t ra_reg;
    uint8_t fde_enc;
    int has_z, signal;
    const uint8_t *insns, *end;
};

static int parse_cie(const uint8_t *p, struct cie *ci, uint64_t dbase)
{
    struct cur c = { p, p + 4, 0 };
    uint64_t len = fixed(&c, 4);
    if (len == 0 || len >= 0xfffffff0u)
        return -1;
    c.end = p + 4 + len;
    if (fixed(&c, 4) != 0)
        return -1; /* not a CIE */
    uint8_t version = (uint8_t)fixed(&c, 1);
    if (version != 1 && version != 3)
        return -1;
    const char *aug = (const char *)c.p;
    size_t alen = strnlen(aug, (size_t)(c.end - c.p));
    if (aug + alen >= (const char *)c.end)
        return -1;
    c.p += alen + 1;
    if (aug[0] && aug[0] != 'z')
        return -1;
    ci->code_align = uleb(&c);
    ci->data_align = sleb(&c);
    ci->ra_reg = version == 1 ? fixed(&c, 1) : uleb(&c);
    ci->fde_enc = 0;
    ci->has_z = aug[0] == 'z';
    ci->signal = 0;
    if (ci->has_z) {
        uint64_t zlen = uleb(&c);
        const uint8_t *zend = c.p + zlen;
        if (zend > c.end)
            return -1;
        for (size_t i = 1; i < alen && !c.bad; i++) {
            switch (aug[i]) {
            case 'R': ci->fde_enc = (uint8_t)fixed(&c, 1); break;
            case 'L': fixed(&c, 1); break;
            case 'P': {
                uint8_t enc = (uint8_t)fixed(&c, 1);
                /* the personality pointer: read past, never used */
                if ((enc & 0x70) == DW_EH_PE_pcrel || (enc & 0x70) == 0 ||
                    (enc & 0x70) == DW_EH_PE_datarel)
                    encoded(&c, (uint8_t)(enc & ~DW_EH_PE_indirect), dbase);
                else
                    c.p = zend;
                c.bad = 0;
                break;
            }
            case 'S': ci->signal = 1; break;
            default: i = alen; break; /* unknown: the z length skips the rest */
            }
        }
        c.p = zend;
    }
    if (c.bad || ci->ra_reg != REG_RA || ci->code_align == 0)
        return -1;
    ci->insns = c.p;
    ci->end = c.end;
    return 0;
}

static void set_reg(struct cfa_state *s, uint64_t reg, uint8_t how, int64_t off)
{
    struct regrule r = { how, off };
    if (reg == REG_BP)
        s->bp = r;
    else if (reg == REG_RA)
        s->ra = r;
}

/* Runs instructions until the row covering target is reached: 1 when it was
 * (or the program ended before it), 0 on an instruction we cannot follow. */
static int run_cfa(struct cur *c, const struct cie *ci, struct cfa_state *s,
                   const struct cfa_state *init, uint64_t *loc, uint64_t target, uint64_t dbase)
{
    struct cfa_state saved[REMEMBER_MAX];
    int nsaved = 0;
    while (c->p < c->end && !c->bad) {
        uint8_t op = *c->p++;
        uint64_t delta = 0, reg;
        switch (op & 0xc0) {
        case 0x40:
            delta = (op & 0x3f) * ci->code_align;
            goto advance;
        case 0x80:
            set_reg(s, op & 0x3f, RR_OFFSET, (int64_t)uleb(c) * ci->data_align);
            continue;
        case 0xc0:
            reg = op & 0x3f;
            if (reg == REG_BP)
                s->bp = init->bp;
            else if (reg == REG_RA)
                s->ra = init->ra;
            continue;
        }
        switch (op) {
        case 0x00: break;
        case 0x01: {
            uint64_t to = encoded(c, ci->fde_enc, dbase);
            if (target < to)
                return 1;
            *loc = to;
            break;
        }
        case 0x02: delta = fixed(c, 1) * ci->code_align; goto advance;
        case 0x03: delta = fixed(c, 2) * ci->code_align; goto advance;
        case 0x04: delta = fixed(c, 4) * ci->code_align; goto advance;
        case 0x05: reg = uleb(c); set_reg(s, reg, RR_OFFSET, (int64_t)uleb(c) * ci->data_align); break;
        case 0x06:
            reg = uleb(c);
            if (reg == REG_BP)
                s->bp = init->bp;
            else if (reg == REG_RA)
                s->ra = init->ra;
            break;
        case 0x07: set_reg(s, uleb(c), RR_UNDEF, 0); break;
        case 0x08: set_reg(s, uleb(c), RR_SAME, 0); break;
        case 0x09: reg = uleb(c); uleb(c); set_reg(s, reg, RR_OTHER, 0); break;
        case 0x0a:
            if (nsaved == REMEMBER_MAX)
                return 0;
            saved[nsaved++] = *s;
            break;
        case 0x0b:
            if (nsaved == 0)
                return 0;
            {
                /* the CFA is not part of the remembered state's restore in
                 * GCC's reading either way; restore all, as libgcc does */
                *s = saved[--nsaved];
            }
            break;
        case 0x0c: s->cfa_reg = uleb(c); s->cfa_off = (int64_t)uleb(c); s->cfa_expr = 0; break;
        case 0x0d: s->cfa_reg = uleb(c); s->cfa_expr = 0; break;
        case 0x0e: s->cfa_off = (int64_t)uleb(c); break;
        case 0x0f: {
            uint64_t n = uleb(c);
            if (n > (uint64_t)(c->end - c->p))
                return 0;
            if (!plt_cfa(c->p, n, s))
                s->cfa_expr = 1;
            c->p += n;
            break;
        }
        case 0x10:
        case 0x16: {
            reg = uleb(c);
            uint64_t n = uleb(c);
            if (n > (uint64_t)(c->end - c->p))
                return 0;
            c->p += n;
            set_reg(s, reg, RR_OTHER, 0);
            break;
        }
        case 0x11: reg = uleb(c); set_reg(s, reg, RR_OFFSET, sleb(c) * ci->data_align); break;
        case 0x12: s->cfa_reg = uleb(c); s->cfa_off = sleb(c) * ci->data_align; s->cfa_expr = 0; break;
        case 0x13: s->cfa_off = sleb(c) * ci->data_align; break;
        case 0x14: reg = uleb(c); uleb(c); set_reg(s, reg, RR_OTHER, 0); break;
        case 0x15: reg = uleb(c); sleb(c); set_reg(s, reg, RR_OTHER, 0); break;
        case 0x2e: uleb(c); break; /* GNU_args_size */
        case 0x2f: reg = uleb(c); set_reg(s, reg, RR_OFFSET, -(int64_t)uleb(c) * ci->data_align); break;
        default: return 0;
        }
        continue;
    advance:
        if (target < *loc + delta)
            return 1;
        *loc += delta;
    }
    return !c->bad;
}

/* The FDE covering q in the object's .eh_frame_hdr search table, or NULL. */
static const uint8_t *find_fde(const uint8_t *hdr, uint64_t q, uint64_t dbase)
{
    if (hdr[0] != 1 || hdr[3] != 0x3b) /* version 1, datarel sdata4 table */
        return NULL;
    struct cur c = { hdr + 4, hdr + 4 + 32, 0 };
    encoded(&c, hdr[1], (uint64_t)hdr);
    uint64_t count = encoded(&c, hdr[2], (uint64_t)hdr);
    if (c.bad || count == 0 || count > (1u << 28))
        return NULL;
    const int32_t *t = (const int32_t *)c.p;
    uint64_t lo = 0, hi = count;
    while (hi - lo > 1) {
        uint64_t mid = lo + (hi - lo) / 2;
        if ((uint64_t)hdr + (int64_t)t[2 * mid] <= q)
            lo = mid;
        else
            hi = mid;
    }
    if ((uint64_t)hdr + (int64_t)t[2 * lo] > q)
        return NULL;
    (void)dbase;
    return hdr + (int64_t)t[2 * lo + 1];
}

/* The kernel's signal return, mov $15,%rax; syscall: the code a signal
 * handler returns to. */
static const uint8_t sigret[9] = { 0x48, 0xc7, 0xc0, 0x0f, 0x00, 0x00, 0x00, 0x0f, 0x05 };

/* RULE_SIGRET when pc, in fo's object but in no FDE's range, is a signal
 * return, else otherwise. An object's span has PROT_NONE holes between its
 * segments, and a stale or bogus return address may point into one: read
 * once the kernel says it can be (two system calls, so only here, where no
 * FDE answers). */
static uint32_t undescribed(uint64_t pc, const struct dl_find_object *fo, uint32_t otherwise)
{
    if (pc + sizeof sigret <= (uint64_t)fo->dlfo_map_end && pc >= (uint64_t)fo->dlfo_map_start &&
        ht_unw_code_readable(pc, sizeof sigret) &&
        memcmp((const void *)pc, sigret, sizeof sigret) == 0)
        return RULE_SIGRET;
    return otherwise;
}

/* The rule for code address q (a return address less one, or an exact pc). */
static uint32_t derive(uint64_t q, int exact)
{
    struct dl_find_object fo;
    if (_dl_find_object((void *)q, &fo) != 0)
        return RULE_FRAME | R_NOINFO; /* JIT or unknown code: frame pointers */
    uint64_t pc = exact ? q : q + 1;
    if (!fo.dlfo_eh_frame)
        return undescribed(pc, &fo, RULE_FRAME | R_NOINFO);
    uint64_t dbase = 0; /* x86-64 .eh_frame uses no datarel pointers */
    const uint8_t *fde = find_fde(fo.dlfo_eh_frame, q, dbase);
    if (!fde)
        return undescribed(pc, &fo, RULE_FRAME | R_NOINFO);
    struct cur c = { fde, fde + 8, 0 };
    uint64_t len = fixed(&c, 4);
    if (len == 0 || len >= 0xfffffff0u)
        return undescribed(pc, &fo, RULE_STOP);
    c.end = fde + 4 + len;
    const uint8_t *idp = c.p;
    uint32_t cie_off = (uint32_t)fixed(&c, 4);
    if (cie_off == 0)
        return undescribed(pc, &fo, RULE_STOP);
    struct cie ci;
    if (parse_cie(idp - cie_off, &ci, dbase) != 0)
        return undescribed(pc, &fo, RULE_STOP);
    uint64_t start = encoded(&c, ci.fde_enc, dbase);
    uint64_t range = encoded(&c, ci.fde_enc & 0x0f, dbase);
    if (c.bad || q < start || q - start >= range)
        return undescribed(pc, &fo, RULE_FRAME | R_NOINFO); /* in a gap between functions */
    /* code an FDE describes is mapped: read as libgcc's unwinder reads it
     * (glibc's restorer has one, from the nop before it) */
    if (pc + sizeof sigret > start + range || pc + sizeof sigret > (uint64_t)fo.dlfo_map_end) {
        if (undescribed(pc, &fo, 0) == RULE_SIGRET)
            return RULE_SIGRET;
    } else if (memcmp((const void *)pc, sigret, sizeof sigret) == 0) {
        return RULE_SIGRET;
    }
    if (ci.has_z) {
        uint64_t zlen = uleb(&c);
        if (zlen > (uint64_t)(c.end - c.p))
            return RULE_STOP;
        c.p += zlen;
    }
    struct cfa_state s = { REG_SP, 8, 0, { RR_SAME, 0 }, { RR_OFFSET, -8 }, pc };
    uint64_t loc = start;
    struct cur ic = { ci.insns, ci.end, 0 };
    if (!run_cfa(&ic, &ci, &s, &s, &loc, UINT64_MAX, dbase))
        return RULE_STOP;
    struct cfa_state init = s;
    if (!run_cfa(&c, &ci, &s, &init, &loc, q, dbase))
        return RULE_STOP;
    if (s.ra.how == RR_UNDEF)
        return RULE_STOP; /* the outermost frame */
    if (s.cfa_expr || (s.cfa_reg != REG_SP && s.cfa_reg != REG_BP) || s.cfa_off < 0 ||
        s.ra.how != RR_OFFSET || s.ra.off != -8)
        return RULE_STOP;
    int bp_mode = s.bp.how == RR_SAME ? BP_SAME : s.bp.how == RR_OFFSET ? BP_SAVED : BP_LOST;
    return rule_frame(s.cfa_reg == REG_BP, (uint64_t)s.cfa_off, bp_mode, s.bp.off);
}

/* ---- the cache: code address -> rule ---------------------------------- */

#define CACHE_BITS 13
#define CACHE_SIZE (1u << CACHE_BITS)

/* key: the address; val: rule | check << 32, the check a hash of the key, so
 * a reader racing a writer of another key sees a mismatch, never a mix. */
static struct {
    uint64_t key, val;
} rule_cache[CACHE_SIZE];

static uint32_t key_check(uint64_t q)
{
    return (uint32_t)((q * 0xd6e8feb86659fd93ull) >> 32) | 1u;
}

static uint32_t rule_of(uint64_t q, int exact)
{
    uint64_t k = q << 1 | (uint64_t)exact;
    uint32_t slot = (uint32_t)((k * 0x9e3779b97f4a7c15ull) >> (64 - CACHE_BITS));
    uint32_t chk = key_check(k);
    uint64_t key = ht_load_acquire(&rule_cache[slot].key);
    uint64_t val = ht_load_acquire(&rule_cache[slot].val);
    if (key == k && (uint32_t)(val >> 32) == chk)
        return (uint32_t)val;
    uint32_t r = derive(q, exact);
    ht_store_release(&rule_cache[slot].key, k);
    ht_store_release(&rule_cache[slot].val, (uint64_t)chk << 32 | r);
    return r;
}

/* The learnt rule of return address pc from the cache alone (nothing
 * derived): 1 and *r when it holds one. */
static inline __attribute__((always_inline)) int rule_cached(uint64_t pc, uint32_t *r)
{
    uint64_t key = (pc - 1) << 1;
    uint32_t slot = (uint32_t)((key * 0x9e3779b97f4a7c15ull) >> (64 - CACHE_BITS));
    uint64_t kk = ht_load_acquire(&rule_cache[slot].key);
    uint64_t val = ht_load_acquire(&rule_cache[slot].val);
    *r = (uint32_t)val;
    return kk == key && (uint32_t)(val >> 32) == key_check(key);
}

/* How many times the rules were forgotten. */
uint32_t ht_unw_flush_gen;

void ht_unw_flush(void)
{
    ht_fetch_add_release(&ht_unw_flush_gen, 1);
    for (uint32_t i = 0; i < CACHE_SIZE; i++)
        ht_store_relaxed(&rule_cache[i].val, 0);
}

/* ---- hopping ----------------------------------------------------------- */

int ht_unw_hop(uint64_t pc, uint64_t *sp, uint64_t *next)
{
    if (pc < 4096 || pc >> 47)
        return 0;
    uint32_t r;
    /* only a learnt rule with the CFA at the stack pointer: rbp's value at
     * a wrapper's frame is not known here, and an unknown rule is learnt by
     * the walk, not on this path */
    if (!rule_cached(pc, &r) || (r & (3u | R_NOINFO | R_CFA_BP)) != RULE_FRAME)
        return 0;
    uint64_t cfa = *sp + (r >> R_CFA_SHIFT);
    if (cfa <= *sp || (cfa & 7) || cfa - 8 < ht_unw_ok[0].lo || cfa > ht_unw_ok[0].hi)
        return 0;
    *next = *(const uint64_t *)(cfa - 8);
    *sp = cfa;
    return 1;
}

/* ---- walking ----------------------------------------------------------- */

int ht_unw_step(struct ht_unw_cursor *c)
{
    if (c->pc < 4096 || c->pc >> 47)
        return 0;
    uint64_t q = c->exact ? c->pc : c->pc - 1;
    uint32_t r = rule_of(q, c->exact);
    uint64_t cfa, ra, bp = c->bp, bp_from = c->bp_from;
    switch (r & 3) {
    case RULE_FRAME:
        if (r & R_NOINFO) {
            /* code without unwind info (JIT): a frame-pointer frame, if the
             * chain looks like one; bp == sp is a frame without locals */
            if (bp < c->sp || bp - c->sp > (1u << 24) || !ht_unw_readable(bp, 16))
                return 0;
            cfa = bp + 16;
            bp_from = bp;
            bp = *(const uint64_t *)bp;
        } else {
            cfa = ((r & R_CFA_BP) ? c->bp : c->sp) + (r >> R_CFA_SHIFT);
            int mode = (r >> R_BP_SHIFT) & 3;
            if (mode == BP_SAVED) {
                int64_t off = (int64_t)(int8_t)(uint8_t)(r >> R_BPOFF_SHIFT) * 8;
                bp_from = cfa + (uint64_t)off;
                if (!read_word(bp_from, &bp))
                    return 0;
            } else if (mode == BP_LOST) {
                bp = 0;
            }
        }
        if (cfa <= c->sp || !read_word(cfa - 8, &ra))
            return 0;
        c->sp = cfa;
        c->bp = bp;
        c->bp_from = bp_from;
        c->pc = ra;
        c->exact = 0;
        return ra != 0;
    case RULE_SIGRET: {
        /* rsp is the ucontext_t the kernel pushed: its gregs start at 40 */
        uint64_t g = c->sp + 40, nsp, npc, nbp;
        if (!read_word(g + 8 * 10, &nbp) || !read_word(g + 8 * 15, &nsp) ||
            !read_word(g + 8 * 16, &npc))
            return 0;
        c->sp = nsp;
        c->bp = nbp;
        c->bp_from = g + 8 * 10;
        c->pc = npc;
        c->exact = 1;
        return npc != 0;
    }
    default:
        return 0;
    }
}

/* One step of the common frame, inline: pc's learnt rule is an SP- or
 * BP-relative CFA (or, when jit, code without unwind information followed
 * by its frame pointer, as ht_unw_step() does) and every word it reads lies
 * in [lo, hi]. STEP_MOVED: *pc, *sp, *bp are the caller's, *r the rule, *mode
 * and *off how the caller's rbp was found (BP_SAVED: at the new sp + 8 *
 * off). STEP_FULL: the full step is needed; STEP_END: the return address
 * read ends the chain. Nothing moves unless STEP_MOVED. */
enum { STEP_FULL, STEP_MOVED, STEP_END };

static inline __attribute__((always_inline)) int step_learnt(int jit, uint64_t *pc, uint64_t *sp,
                                                            uint64_t *bp, uint64_t lo, uint64_t hi,
                                                            uint32_t *r, unsigned *mode, int8_t *off)
{
    uint64_t cfa;
    if (!rule_cached(*pc, r) || (*r & 3u) != RULE_FRAME)
        return STEP_FULL;
    if (*r & R_NOINFO) {
        if (!jit || *bp < *sp || *bp - *sp > (1u << 24) || (*bp & 7) || *bp < lo ||
            *bp + 16 > hi)
            return STEP_FULL;
        cfa = *bp + 16;
        *mode = BP_SAVED;
        *off = -2;
    } else {
        cfa = ((*r & R_CFA_BP) ? *bp : *sp) + (*r >> R_CFA_SHIFT);
        if (cfa <= *sp || (cfa & 7) || cfa - 8 < lo || cfa > hi)
            return STEP_FULL;
        *mode = (*r >> R_BP_SHIFT) & 3;
        *off = (int8_t)(uint8_t)(*r >> R_BPOFF_SHIFT);
    }
    uint64_t nbp = *bp;
    if (*mode == BP_SAVED) {
        uint64_t a = cfa + (uint64_t)((int64_t)*off * 8);
        if (a < lo || a + 8 > hi)
            return STEP_FULL;
        nbp = *(const uint64_t *)a;
    } else if (*mode == BP_LOST) {
        nbp = 0;
    }
    uint64_t npc = *(const uint64_t *)(cfa - 8);
    if (!npc || npc < 4096 || npc >> 47)
        return STEP_END;
    *pc = npc;
    *sp = cfa;
    *bp = nbp;
    return STEP_MOVED;
}

int ht_unw_trace(struct ht_unw_cursor *c, uint64_t *frames, int max)
{
    int k = 0;
    uint64_t pc = c->pc, sp = c->sp, bp = c->bp;
    uint64_t lo = ht_unw_ok[0].lo, hi = ht_unw_ok[0].hi;
    while (k < max) {
        /* the common frame inline; anything else takes the full step */
        uint32_t r;
        unsigned mode;
        int8_t off;
        int how = c->exact ? STEP_FULL : step_learnt(0, &pc, &sp, &bp, lo, hi, &r, &mode, &off);
        if (how == STEP_END)
            break;
        if (how == STEP_FULL)
            goto slow;
        frames[k++] = pc;
        continue;
    slow:
        c->pc = pc;
        c->sp = sp;
        c->bp = bp;
        if (!ht_unw_step(c))
            return k;
        pc = c->pc;
        sp = c->sp;
        bp = c->bp;
        lo = ht_unw_ok[0].lo;
        hi = ht_unw_ok[0].hi;
        frames[k++] = pc;
    }
    c->pc = pc;
    c->sp = sp;
    c->bp = bp;
    c->bp_from = 0; /* not followed here */
    return k;
}

/* ---- walking, kept ------------------------------------------------------ */

_Static_assert(HT_UNW_KEPT_MAX <= 32, "the frames whose rbp was used are bits of a word");

/* Lists frame i's loaded rbp as used (struct ht_unw_kept); 0 when its
 * place does not fit 32 bits. */
static inline int keep_bp(struct ht_unw_kept *kp, int i)
{
    int64_t at = (int64_t)kp->up[i] + (int64_t)kp->bpoff[i] * 8;
    if (at > INT32_MAX - 8) /* up[] is unsigned, bpoff at least -128: never below */
        return 0;
    kp->bp_lo = at < kp->bp_lo ? at : kp->bp_lo;
    kp->bp_hi = at + 8 > kp->bp_hi ? at + 8 : kp->bp_hi;
    kp->bp_at[kp->nbp] = (int32_t)at;
    kp->bp_was[kp->nbp++] = kp->bp[i];
    return 1;
}

int ht_unw_trace_kept(struct ht_unw_cursor *c, int max, struct ht_unw_kept *kept)
{
    if (max > HT_UNW_KEPT_MAX)
        max = HT_UNW_KEPT_MAX;
    kept->n = 0;
    kept->repeatable = 0;
    kept->nbp = 0;
    kept->bp_lo = INT64_MAX;
    kept->bp_hi = INT64_MIN;
    kept->need_bp0 = 0;
    if (max <= 0)
        return 0;
    struct ht_unw_kept *restrict kp = kept;
    uint64_t pc = c->pc, sp = c->sp, bp = c->bp, sp0 = c->sp;
    uint64_t lo = ht_unw_ok[0].lo, hi = ht_unw_ok[0].hi;
    /* bp_from: the frame whose loaded rbp is bp now (0: the start's own,
     * -1: none, a rule lost it); a step that uses bp makes it a check
     * (bit 0: the start's rbp) */
    int k = 0, stopped = 0, exact = c->exact, fast = !exact, bp_from = 0;
    uint32_t checks = 0;
    kp->pc[k] = pc;
    kp->up[k++] = 0;
    while (k < max) {
        uint32_t r;
        unsigned mode;
        int8_t off;
        int how = exact ? STEP_FULL : step_learnt(1, &pc, &sp, &bp, lo, hi, &r, &mode, &off);
        if (how == STEP_END) {
            fast = 0; /* the end read from a word: not kept */
            break;
        }
        if (how == STEP_FULL)
            goto slow;
        if (unlikely(r & (R_CFA_BP | R_NOINFO)) && bp_from >= 0 && !(checks >> bp_from & 1)) {
            checks |= 1u << bp_from;
            if (bp_from > 0 && !keep_bp(kp, bp_from))
                fast = 0; /* its place does not fit the list: not kept */
        }
        if (mode == BP_SAVED) {
            bp_from = k;
            kp->bp[k] = bp;
            kp->bpoff[k] = off;
        } else if (mode == BP_LOST) {
            bp_from = -1;
        }
        kp->pc[k] = pc;
        kp->up[k++] = (uint32_t)(sp - sp0);
        continue;
    slow:
        c->pc = pc;
        c->sp = sp;
        c->bp = bp;
        c->exact = exact;
        if (!ht_unw_step(c)) {
            /* the outermost frame ends every walk that reaches it alike */
            stopped = !exact && rule_cached(pc, &r) && (r & 3) == RULE_STOP;
            break;
        }
        fast = 0; /* not repeated: the walk goes on, only to find the frames */
        pc = c->pc;
        sp = c->sp;
        bp = c->bp;
        exact = c->exact;
        lo = ht_unw_ok[0].lo;
        hi = ht_unw_ok[0].hi;
        kp->pc[k] = pc;
        kp->up[k++] = 0;
    }
    c->pc = pc;
    c->sp = sp;
    c->bp = bp;
    c->exact = exact;
    c->bp_from = 0;
    kept->n = (uint32_t)k;
    kept->need_bp0 = checks & 1u;
    /* the stack pointers are kept as 32 bits above the start's */
    kept->repeatable = fast && (stopped || k == max) && sp - sp0 <= UINT32_MAX;
    return k;
}
