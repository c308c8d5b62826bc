/* SPDX-License-Identifier: MIT
 * hops.c - the site of an allocation made in a wrapper, from the hook's own
 * frame (hops.h): a per-thread cache of wrapper chains, and the hops that
 * fill it. Runs on the allocation slow path: no lock, no allocation, errno
 * kept; the cache is the thread's own (initial-exec TLS), read without the
 * guard, written under it.
 */
#include "callers/hops.h"

#include "base/state.h"
#include "callers/modules.h"
#include "callers/sites.h"
#include "callers/unwind.h"
#include "ht_atomic.h"

#ifdef HT_ORACLE /* the test build that checks every site against libunwind */
#include "oracle.h"
#define ORACLE_HOP(r, site) ht_oracle_hop(r, site)
#else
#define ORACLE_HOP(r, site) ((void)0)
#endif

#define HOP_FRAMES 6  /* wrapper frames hopped before the walk takes over */
#define CHAIN_VIAS 3  /* wrappers above r a cached chain may pass through */
#define CHAIN_BITS 5  /* 32 entries, 1.5 KB of every thread's static TLS */
#define CHAIN_SIZE (1u << CHAIN_BITS)
#define CHAIN_WAYS 4  /* r's entries: one set, for its different callers */
#define SLOT_BITS 12  /* a return address slot's distance from cfa, in words */
#define SLOT_MAX ((1u << SLOT_BITS) - 1)
#define GEN_MASK 0xffffu

/* Entry i, by column: filed under match = r ^ epoch (the epoch moves on
 * dlclose: code at r may be another's then; 0 is empty, written last);
 * shape = the module generation's low 16 bits << 48 | the slot of each
 * return address read, SLOT_BITS each from bit 0 (a slot: where the return
 * address sits, in words above cfa; the generation moves when a module is
 * added, and an address's class may change with it); via[k]: the wrapper's
 * return address found in slot k + 1, 0 past the chain's end; site: the
 * return address in the chain's last slot, the first outside the wrappers.
 * A chain holds for a stack whose slots hold its vias and its site: each
 * frame's size is fixed by its return address, so slot k + 1 is read only
 * once slot k held via[k - 1], whose frame it is in. */
struct chains {
    uint64_t match[CHAIN_SIZE];
    uint64_t shape[CHAIN_SIZE];
    uint64_t via[CHAIN_VIAS][CHAIN_SIZE];
    uint64_t site[CHAIN_SIZE];
};

static __thread struct chains chains __attribute__((tls_model("initial-exec")));
/* fills: moves before every write, so a reader a signal handler interrupted
 * (and filled meanwhile) never pairs one entry's fields with another's;
 * writing: a write is under way, a handler over it does not write; next:
 * the way the next write replaces */
static __thread uint32_t fills __attribute__((tls_model("initial-exec")));
static __thread uint32_t writing __attribute__((tls_model("initial-exec")));
static __thread uint32_t next_way __attribute__((tls_model("initial-exec")));

static uint32_t chain_set(uint64_t r)
{
    return ((uint32_t)r * 0x9e3779b1u >> (32 - CHAIN_BITS)) & ~(CHAIN_WAYS - 1u);
}

/* cfa as a hook's: aligned, and r in its return address slot. */
static int hook_frame(uint64_t r, uint64_t cfa)
{
    return cfa && !(cfa & 7) && ((const uint64_t *)(uintptr_t)cfa)[-1] == r;
}

/* Whether the stack above cfa holds the chain of an entry whose fields are
 * shape, via0..2 and site: each slot read only once the one before held
 * the wrapper whose frame it lies in. */
static inline int chain_holds(const uint64_t *above, uint64_t shape, uint64_t via0,
                              uint64_t via1, uint64_t via2, uint64_t site)
{
    uint64_t w = above[shape & SLOT_MAX];
    if (via0) {
        if (w != via0)
            return 0;
        w = above[(shape >> SLOT_BITS) & SLOT_MAX];
        if (via1) {
            if (w != via1)
                return 0;
            w = above[(shape >> 2 * SLOT_BITS) & SLOT_MAX];
            if (via2) {
                if (w != via2)
                    return 0;
                w = above[(shape >> 3 * SLOT_BITS) & SLOT_MAX];
            }
        }
    }
    return w == site;
}

uint64_t ht_hops_cached(uint64_t r, uint64_t cfa)
{
    if (!hook_frame(r, cfa))
        return 0;
    uint64_t want = r ^ ht_load_relaxed(&ht_state.epoch);
    uint64_t gen = ht_load_acquire(&ht_modules_gen) & GEN_MASK;
    uint32_t seen = fills;
    ht_signal_fence();
    for (uint32_t i = chain_set(r), end = i + CHAIN_WAYS; i < end; i++) {
        if (chains.match[i] != want)
            continue;
        /* every field before the stack is read by them */
        uint64_t shape = chains.shape[i], site = chains.site[i];
        uint64_t via0 = chains.via[0][i], via1 = chains.via[1][i], via2 = chains.via[2][i];
        ht_signal_fence();
        if (fills != seen)
            return 0; /* a handler wrote meanwhile: the fields may not be one entry's */
        if ((shape >> 48) != gen ||
            !chain_holds((const uint64_t *)(uintptr_t)cfa, shape, via0, via1, via2, site))
            continue;
#ifdef HT_ORACLE
        ht_enter();
        ORACLE_HOP(r, site);
        ht_leave();
#endif
        return site;
    }
    return 0;
}

/* Files the chain r -> via[0, n) -> site, the slots of its return addresses
 * in slots[0, n], learnt at epoch and generation gen. Under the guard. */
static void file_chain(uint64_t r, uint64_t epoch, uint32_t gen, const uint64_t *slots,
                       const uint64_t *via, int n, uint64_t site)
{
    if (writing)
        return;
    uint64_t shape = (uint64_t)(gen & GEN_MASK) << 48;
    for (int k = 0; k <= n; k++) {
        if (slots[k] > SLOT_MAX)
            return;
        shape |= slots[k] << (SLOT_BITS * k);
    }
    /* classes that another thread's table build left undecided are not
     * kept: the walk gives the decided one later */
    if (ht_sites_class_cached(site) != HT_SITE_DIRECT)
        return;
    for (int k = 0; k < n; k++)
        if (ht_sites_class_cached(via[k]) != HT_SITE_WRAPPER)
            return;
    uint32_t i = chain_set(r) + (next_way++ & (CHAIN_WAYS - 1));
    writing = 1;
    ht_signal_fence();
    fills++;
    ht_signal_fence();
    chains.match[i] = 0;
    ht_signal_fence();
    chains.shape[i] = shape;
    for (int k = 0; k < CHAIN_VIAS; k++)
        chains.via[k][i] = k < n ? via[k] : 0;
    chains.site[i] = site;
    ht_signal_fence();
    chains.match[i] = r ^ epoch;
    ht_signal_fence();
    writing = 0;
}

uint64_t ht_hops_resolve(uint64_t r, uint64_t cfa)
{
    if (!hook_frame(r, cfa))
        return ht_sites_resolve(r);
    /* read first: a chain learnt across a dlclose or a new module is filed
     * under the old values, and never answers */
    uint64_t epoch = ht_load_relaxed(&ht_state.epoch);
    uint32_t gen = ht_modules_generation();
    uint64_t site = 0, pc = r, sp = cfa, via[HOP_FRAMES], slots[HOP_FRAMES];
    ht_enter();
    for (int i = 0; i < HOP_FRAMES; i++) {
        if (!ht_unw_hop(pc, &sp, &pc) || pc < 4096 || pc >> 47)
            break; /* the walk decides */
        slots[i] = (sp - 8 - cfa) / 8;
        if (ht_sites_class(pc) != HT_SITE_WRAPPER) {
            site = pc;
            ORACLE_HOP(r, site);
            if (i <= CHAIN_VIAS)
                file_chain(r, epoch, gen, slots, via, i, site);
            break;
        }
        via[i] = pc;
    }
    ht_leave();
    return site ? site : ht_sites_resolve(r);
}

void ht_hops_thread_reset(void)
{
    writing = 0;
}
