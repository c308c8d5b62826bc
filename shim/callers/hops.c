/* SPDX-License-Identifier: MIT
 * hops.c - the site of an allocation made in a wrapper, from the hook's own
 * frame (hops.h): the hops that fill the per-thread cache of wrapper chains
 * (read inline, hops.h). Runs on the allocation slow path: no lock, no
 * allocation, errno kept; the cache is the thread's own (initial-exec TLS),
 * read without the guard, written under it.
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

__thread struct ht_chains ht_chains __attribute__((tls_model("initial-exec")));

#ifdef HT_ORACLE
void ht_hops_oracle(uint64_t r, uint64_t site)
{
    ht_enter();
    ORACLE_HOP(r, site);
    ht_leave();
}
#endif

/* Files the chain r -> via[0, n) -> site, the slots of its return addresses
 * in slots[0, n], learnt at epoch and generation gen. Under the guard. */
static void file_chain(uint64_t r, uint64_t epoch, uint32_t gen, const uint64_t *slots,
                       const uint64_t *via, int n, uint64_t site)
{
    struct ht_chains *c = &ht_chains;
    if (c->writing)
        return;
    uint64_t shape = (uint64_t)(gen & HT_CHAIN_GEN_MASK) << 48;
    for (int k = 0; k <= n; k++) {
        if (slots[k] > HT_CHAIN_SLOT_MAX)
            return;
        shape |= slots[k] << (HT_CHAIN_SLOT_BITS * k);
    }
    /* a class another thread's table build left undecided is not kept
     * (only an application's can be: it reads as its own site meanwhile) */
    if (ht_sites_class_cached(site) != HT_SITE_DIRECT)
        return;
    uint32_t i = ht_chain_set(r) + (c->next_way++ & (HT_CHAIN_WAYS - 1));
    c->writing = 1;
    ht_signal_fence();
    c->fills++;
    ht_signal_fence();
    c->match[i] = 0;
    ht_signal_fence();
    c->shape[i] = shape;
    for (int k = 0; k < HT_CHAIN_VIAS; k++)
        c->via[k][i] = k < n ? via[k] : 0;
    c->site[i] = site;
    ht_signal_fence();
    c->match[i] = r ^ epoch;
    ht_signal_fence();
    c->writing = 0;
}

uint64_t ht_hops_resolve(uint64_t r, uint64_t cfa)
{
    if (!ht_unw_hook_frame(r, cfa))
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
            if (i <= HT_CHAIN_VIAS)
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
    ht_chains.writing = 0;
}
