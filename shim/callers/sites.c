/* SPDX-License-Identifier: MIT
 * sites.c - classifying code addresses as application code or allocation
 * wrapper (per module: a sorted table of its wrapper functions, built once),
 * and finding the first application frame with the shim's own unwinder.
 * Runs on the allocation slow path: no locks, no heap allocation, errno kept;
 * every walk is made under the recursion guard.
 *
 * callers/ - who asked: the shim's own unwinder (unwind), the module map
 * (modules), the allocation wrappers of each module (wrapsyms), the shim's
 * own code (own_code), the first frame that is the program's (sites), the
 * ust stack table (stacks) and each thread's remembered walks (walk_memo).
 * Uses base/ only.
 */
#include "callers/sites.h"

#include <errno.h>
#include <string.h>

#include "callers/modules.h"
#include "base/state.h"
#include "callers/unwind.h"
#include "callers/walk_memo.h"
#include "callers/wrapsyms.h"
#include "ht_atomic.h"

#ifdef HT_ORACLE /* the test build that checks every walk against libunwind */
#include "oracle.h"
#define ORACLE_WALK(r, f, n, max, rep) ht_oracle_walk(r, f, n, max, ht_sites_pick(f, n), rep)
#define ORACLE_SITE(r, site) ht_oracle_site(r, site)
#else
#define ORACLE_WALK(r, f, n, max, rep) ((void)(rep))
#define ORACLE_SITE(r, site) ((void)0)
#endif

#define RESOLVE_FRAMES 24
#define SELF_FRAMES 16 /* the shim's own frames a walk may start under */

enum role { ROLE_UNKNOWN = 0, ROLE_APP, ROLE_WRAPPER, ROLE_CXX, ROLE_SELF };

/* sites.h: one word per entry, stored whole */
uint64_t ht_class_cache[HT_CLASS_CACHE];

static char user_wrappers[HT_WRAPPERS_MAX][HT_WRAPPER_NAME_MAX];
static int n_user_wrappers;

static uint8_t roles[HT_DEFAULT_MODULES];
static uint32_t roles_gen = UINT32_MAX;
static int cxx_loaded;

/* Per module index (the segment's table only appends): its wrapper spans,
 * built by the first thread that needs them. */
enum { WT_NONE = 0, WT_BUILDING, WT_READY };
static struct {
    uint32_t state;
    struct ht_wrapsyms w;
} wtabs[HT_DEFAULT_MODULES];

int ht_sites_add_wrappers(const char *list, size_t len)
{
    int taken = 0;
    size_t i = 0;
    while (i < len) {
        while (i < len && (list[i] == ',' || list[i] == ':' || list[i] == ' '))
            i++;
        size_t start = i;
        while (i < len && list[i] != ',' && list[i] != ':' && list[i] != ' ' && list[i])
            i++;
        size_t n = i - start;
        if (n == 0 || n >= HT_WRAPPER_NAME_MAX || n_user_wrappers >= HT_WRAPPERS_MAX) {
            if (i < len && !list[i])
                break;
            continue;
        }
        memcpy(user_wrappers[n_user_wrappers], list + start, n);
        user_wrappers[n_user_wrappers][n] = '\0';
        n_user_wrappers++;
        taken++;
    }
    return taken;
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static int starts(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* What each module is, from its name: recomputed after a rescan. Threads
 * may refresh at once; they write the same values, each store atomic. */
static void roles_refresh(const struct ht_seg_header *h, uint32_t gen)
{
    const struct ht_module *t = (const struct ht_module *)((const char *)h + h->modules_offset);
    uint32_t used = ht_load_acquire(&h->modules_used);
    uint64_t self = (uint64_t)(uintptr_t)ht_sites_class;
    int cxx = 0;
    for (uint32_t i = 0; i < used && i < h->module_capacity && i < HT_DEFAULT_MODULES; i++) {
        const char *b = base_name(t[i].path);
        uint8_t r = ROLE_APP;
        if (self - t[i].base < t[i].size)
            r = ROLE_SELF;
        else if (starts(b, "libc.so") || starts(b, "ld-linux") || starts(b, "ld64.so"))
            r = ROLE_WRAPPER;
        else if (starts(b, "libstdc++"))
            r = ROLE_CXX;
        if (r == ROLE_CXX && t[i].state == 1)
            cxx = 1;
        ht_store_relaxed(&roles[i], r);
    }
    ht_store_relaxed(&cxx_loaded, cxx);
    ht_store_release(&roles_gen, gen);
}

/* Mangled names of code that allocates on its caller's behalf: operator new
 * and new[] in every variant, anything in namespace std or __gnu_cxx (the
 * containers' templates, instantiated in the application), the C++ runtime's
 * exception allocation. */
static int cxx_wrapper_name(const char *n)
{
    /* decided on the first bytes: a table build reads every name of a large
     * module (node: hundreds of thousands), most of them turned away at once */
    if (n[0] != '_')
        return 0;
    if (n[1] == '_')
        return strncmp(n, "__cxa_allocate", 14) == 0;
    if (n[1] != 'Z')
        return 0;
    switch (n[2]) {
    case 'n': /* _Znwm, _Znam: operator new, new[] */
        return (n[3] == 'w' || n[3] == 'a') && n[4] == 'm';
    case 'S': /* _ZSt: std:: functions */
        return n[3] == 't';
    case 'N': { /* nested names: std::, __gnu_cxx::, __cxxabiv1:: (const too) */
        const char *r = n + 3;
        int konst = *r == 'K';
        if (konst)
            r++;
        if (r[0] == 'S')
            return r[1] == 't' || r[1] == 'a' || r[1] == 's';
        if (r[0] == '9')
            return strncmp(r, "9__gnu_cxx", 10) == 0;
        return !konst && strncmp(r, "10__cxxabiv1", 12) == 0;
    }
    default:
        return 0;
    }
}

static int user_wrapper_name(const char *n)
{
    for (int i = 0; i < n_user_wrappers; i++)
        if (strcmp(n, user_wrappers[i]) == 0)
            return 1;
    return 0;
}

static int wrapper_name(const char *n)
{
    return cxx_wrapper_name(n) || user_wrapper_name(n);
}

/* Whether code address addr (a return address) lies in one of module m's
 * wrapper functions; -1 while another thread is still reading the module. */
static int in_wrapper_fn(const struct ht_seg_header *h, int m, uint64_t addr)
{
    uint32_t st = ht_load_acquire(&wtabs[m].state);
    if (st == WT_NONE) {
        if (ht_cas_acquire(&wtabs[m].state, &st, WT_BUILDING)) {
            const struct ht_module *t =
                (const struct ht_module *)((const char *)h + h->modules_offset);
            ht_wrapsyms_build(t[m].path, t[m].bias, wrapper_name, &wtabs[m].w);
            ht_store_release(&wtabs[m].state, WT_READY);
            st = WT_READY;
        }
    }
    if (st != WT_READY)
        return -1;
    return ht_wrapsyms_has(&wtabs[m].w, addr - 1);
}

/* The class of addr, and whether it may be cached (not while a module's
 * table is being built by another thread). */
static int classify(uint64_t addr, int *cacheable)
{
    struct ht_seg_header *h = ht_state.seg;
    *cacheable = 1;
    if (!h)
        return HT_SITE_DIRECT;
    /* never a rescan here (the loader's lock): an object loaded since is
     * found lock-free, code outside every object is its own site, once */
    int m = ht_modules_lookup(h, addr);
    if (m == -2)
        *cacheable = 0;
    uint32_t gen = ht_modules_generation();
    if (ht_load_acquire(&roles_gen) != gen)
        roles_refresh(h, gen);
    if (m < 0 || m >= HT_DEFAULT_MODULES)
        return HT_SITE_DIRECT; /* JIT or unknown code: its own site */
    switch (ht_load_relaxed(&roles[m])) {
    case ROLE_SELF:
        return HT_SITE_SELF;
    case ROLE_WRAPPER:
        return HT_SITE_WRAPPER;
    case ROLE_CXX:
        break;
    default:
        if (!n_user_wrappers && !ht_load_relaxed(&cxx_loaded))
            return HT_SITE_DIRECT;
    }
    int w = in_wrapper_fn(h, m, addr);
    if (w < 0) {
        *cacheable = 0;
        return HT_SITE_DIRECT;
    }
    return w ? HT_SITE_WRAPPER : HT_SITE_DIRECT;
}

int ht_sites_class_slow(uint64_t addr)
{
    uint64_t *slot = &ht_class_cache[ht_class_slot(addr)];
    if (addr >> (64 - HT_CLASS_ADDR_SHIFT))
        return HT_SITE_DIRECT; /* not a user-space code address */
    int saved = errno, cacheable;
    ht_enter();
    int c = classify(addr, &cacheable);
    ht_leave();
    errno = saved;
    uint32_t gen = ht_modules_generation() & HT_CLASS_GEN_MASK;
    if (cacheable)
        ht_store_relaxed(slot, addr << HT_CLASS_ADDR_SHIFT | (uint64_t)gen << 2 | (uint64_t)c);
    return c;
}

/* Where the frame of return address r sits, learnt once per (r, walk start):
 * the shim's own frames between the walk's start and the allocation's entry
 * have fixed sizes, so the offset from the start's sp is the same each time.
 * key: r ^ start pc; val: check << 40 | bp slot offset << 20 | sp offset
 * (offsets in bytes, 20 bits each; bp offset 0: bp as at the start). Two
 * ways a key (slots i and i ^ 1): a program whose loop allocates from
 * hundreds of sites would otherwise have a pair of them take turns in one
 * slot, each walk through the shim's frames again. */
#define HINTS 4096
static struct {
    uint64_t key, val;
} hints[HINTS];

static uint64_t hint_key(uint64_t r, uint64_t start) { return r * 31 ^ start; }

static uint32_t hint_slot(uint64_t key)
{
    return (uint32_t)((key * 0x9e3779b97f4a7c15ull) >> 52);
}

static uint64_t hint_check(uint64_t key) { return ((key * 0xd6e8feb86659fd93ull) >> 40) | 1; }

static void learn(uint64_t r, const struct ht_unw_cursor *start, const struct ht_unw_cursor *at)
{
    uint64_t dsp = at->sp - start->sp;
    uint64_t dbp = at->bp_from ? at->bp_from - start->sp : 0;
    if (at->sp <= start->sp || dsp >= (1u << 20) || (at->bp_from && (at->bp_from <= start->sp ||
                                                                     dbp >= (1u << 20))))
        return;
    uint64_t key = hint_key(r, start->pc);
    uint32_t i = hint_slot(key);
    /* its own slot, else a free one, else either (by the key's low bit) */
    uint64_t k0 = ht_load_relaxed(&hints[i].key), k1 = ht_load_relaxed(&hints[i ^ 1].key);
    if (k0 != key && (k1 == key || (k0 != 0 && (k1 == 0 || (key & 1)))))
        i ^= 1;
    ht_store_relaxed(&hints[i].key, key);
    ht_store_relaxed(&hints[i].val, hint_check(key) << 40 | dbp << 20 | dsp);
}

/* The frame of r from a learnt hint, verified: its return address slot
 * holds r. */
static int use_hint(struct ht_unw_cursor *c, uint64_t r)
{
    uint64_t key = hint_key(r, c->pc);
    uint32_t i = hint_slot(key);
    if (ht_load_relaxed(&hints[i].key) != key)
        i ^= 1;
    uint64_t k = ht_load_relaxed(&hints[i].key);
    uint64_t v = ht_load_relaxed(&hints[i].val);
    if (k != key || v >> 40 != hint_check(key))
        return 0;
    uint64_t sp = c->sp + (v & 0xfffff), dbp = (v >> 20) & 0xfffff, bp = c->bp;
    if (!ht_unw_readable(sp - 8, 8) || *(const uint64_t *)(sp - 8) != r)
        return 0;
    if (dbp) {
        if (!ht_unw_readable(c->sp + dbp, 8))
            return 0;
        bp = *(const uint64_t *)(c->sp + dbp);
    }
    c->pc = r;
    c->sp = sp;
    c->bp = bp;
    c->bp_from = dbp ? c->sp + dbp : 0;
    c->exact = 0;
    return 1;
}

/* Walks from here to the frame whose return address is r (the shim's own
 * frames in between); 1 with c there, 0 when r is not met. always_inline:
 * the walk starts in the caller's frame, one fixed place per caller. */
static inline __attribute__((always_inline)) int walk_to(struct ht_unw_cursor *c, uint64_t r)
{
    ht_unw_init(c);
    if (use_hint(c, r))
        return 1;
    struct ht_unw_cursor start = *c;
    for (int i = 0; i < SELF_FRAMES; i++) {
        if (c->pc == r) {
            learn(r, &start, c);
            return 1;
        }
        if (!ht_unw_step(c))
            return 0;
    }
    return 0;
}

int ht_sites_backtrace(uint64_t r, uint64_t *frames, int max)
{
    struct ht_unw_cursor c;
    int k = 0;
    ht_enter();
    if (walk_to(&c, r)) {
        frames[k++] = r;
        k += ht_unw_trace(&c, frames + 1, max - 1);
    }
    ORACLE_WALK(r, frames, k ? k : 1, max, 0);
    ht_leave();
    if (k == 0) /* unwinding lost the way: the immediate caller alone */
        frames[k++] = r;
    return k;
}

#ifdef HT_ORACLE
void ht_sites_oracle_repeat(uint64_t r, const struct ht_memo_walk *w, int max)
{
    ORACLE_WALK(r, w->walk.pc, (int)w->walk.n, max, 1);
}
#endif

int ht_sites_backtrace_memo(uint64_t r, uint64_t cfa, struct ht_memo_walk *at, int max,
                            struct ht_walk_memo *m, const uint64_t **frames,
                            struct ht_memo_walk **walk)
{
    static __thread uint64_t alone __attribute__((tls_model("initial-exec")));
    struct ht_unw_cursor c;
    int k = 0, repeated = 0;
    *walk = NULL;
    *frames = &alone;
    ht_enter();
    if (at && !at->walk.need_bp0) { /* told to the oracle where it was found */
        *walk = at;
        *frames = at->walk.pc;
        k = (int)at->walk.n;
        repeated = 2;
    } else if (walk_to(&c, r)) {
        /* from cfa (c is there), the walk found needed the start's rbp,
         * now known: it is the walk when that rbp is its own, else another
         * may be; none was found, none is there */
        struct ht_memo_walk *w;
        if (cfa && c.sp == cfa)
            w = !at ? NULL : at->bp0 == c.bp ? at : ht_memo_find(m, c.pc, c.sp, c.bp, max);
        else
            w = ht_memo_find(m, c.pc, c.sp, c.bp, max);
        if (w) {
            *walk = w;
            repeated = 1;
        } else {
            uint32_t gen = ht_unw_generation();
            uint64_t pc = c.pc, sp = c.sp, bp = c.bp;
            w = ht_memo_claim(m, pc, sp);
            ht_unw_trace_kept(&c, max, &w->walk);
            *walk = ht_memo_commit(w, pc, sp, bp, max, gen);
        }
        *frames = w->walk.pc;
        k = (int)w->walk.n;
    }
    if (k == 0) { /* unwinding lost the way: the immediate caller alone */
        alone = r;
        *frames = &alone;
        k = 1;
    }
    if (repeated < 2)
        ORACLE_WALK(r, *frames, k, max, repeated);
    ht_leave();
    return k;
}

uint64_t ht_sites_pick(const uint64_t *frames, int n)
{
    for (int i = 0; i < n; i++)
        if (ht_sites_class(frames[i]) != HT_SITE_WRAPPER)
            return frames[i];
    return frames[0];
}

uint64_t ht_sites_resolve(uint64_t r)
{
    if (ht_sites_class(r) != HT_SITE_WRAPPER)
        return r;
    struct ht_unw_cursor c;
    uint64_t site = r;
    ht_enter();
    uint64_t pc;
    if (walk_to(&c, r))
        for (int i = 0; i < RESOLVE_FRAMES && ht_unw_trace(&c, &pc, 1) == 1; i++)
            if (ht_sites_class(pc) != HT_SITE_WRAPPER) {
                site = pc;
                break;
            }
    ORACLE_SITE(r, site);
    ht_leave();
    return site;
}

void ht_sites_fork_child(void)
{
    /* tables another thread was building at fork are built again */
    for (int i = 0; i < HT_DEFAULT_MODULES; i++)
        if (ht_load_relaxed(&wtabs[i].state) == WT_BUILDING)
            ht_store_relaxed(&wtabs[i].state, WT_NONE);
    ht_modules_fork_child();
}
