/* SPDX-License-Identifier: MIT
 * hops.h - the caller of an allocation made in a wrapper (std:: code,
 * libstdc++, a user's xmalloc), found from the hook's own frame instead of a
 * walk from the shim's: the hook's canonical frame address (cfa) holds the
 * wrapper's return address r at cfa - 8, and a wrapper frame whose learnt
 * rule is "CFA = rsp + k" holds its own return address at a fixed place
 * above. A thread remembers the chains it met, (r, the words read) -> site,
 * so a repeated C++ call site costs a few loads. The site is always the one
 * the full walk (sites.h, ht_sites_resolve()) gives.
 */
#ifndef HT_HOPS_H
#define HT_HOPS_H

#include <stdint.h>

#include "base/glue.h"
#include "base/state.h"
#include "callers/modules.h"
#include "ht_atomic.h"

#define HT_CHAIN_VIAS 3  /* wrappers above r a cached chain may pass through */
#define HT_CHAIN_BITS 5  /* 32 entries, 1.5 KB of every thread's static TLS */
#define HT_CHAIN_SIZE (1u << HT_CHAIN_BITS)
#define HT_CHAIN_WAYS 8  /* r's entries: one set, for its different callers */
#define HT_CHAIN_SLOT_BITS 12 /* a return address slot's distance from cfa, in words */
#define HT_CHAIN_SLOT_MAX ((1u << HT_CHAIN_SLOT_BITS) - 1)
#define HT_CHAIN_GEN_MASK 0xffffu

/* The thread's chains. Entry i, by column: filed under match = r ^ epoch
 * (the epoch moves on dlclose: code at r may be another's then; 0 is empty,
 * written last); shape = the module generation's low 16 bits << 48 | the
 * slot of each return address read, HT_CHAIN_SLOT_BITS each from bit 0 (a
 * slot: where the return address sits, in words above cfa; the generation
 * moves when a module is added, and an address's class may change with it);
 * via[k]: the wrapper's return address found in slot k + 1, 0 past the
 * chain's end; site: the return address in the chain's last slot, the first
 * outside the wrappers. A chain holds for a stack whose slots hold its vias
 * and its site: each frame's size is fixed by its return address, so slot
 * k + 1 is read only once slot k held via[k - 1], whose frame it is in.
 * fills moves before every write, so a reader a signal handler interrupted
 * (and filled meanwhile) never pairs one entry's fields with another's;
 * writing: a write is under way, a handler over it does not write;
 * next_way: the way the next write replaces. */
struct ht_chains {
    uint64_t match[HT_CHAIN_SIZE];
    uint64_t shape[HT_CHAIN_SIZE];
    uint64_t via[HT_CHAIN_VIAS][HT_CHAIN_SIZE];
    uint64_t site[HT_CHAIN_SIZE];
    uint32_t fills, writing, next_way;
};

extern HT_HIDDEN __thread struct ht_chains ht_chains __attribute__((tls_model("initial-exec")));

/* r's set: its HT_CHAIN_WAYS entries from here. */
static inline uint32_t ht_chain_set(uint64_t r)
{
    return ((uint32_t)r * 0x9e3779b1u >> (32 - HT_CHAIN_BITS)) & ~(HT_CHAIN_WAYS - 1u);
}

/* Whether the stack above cfa holds the chain of an entry whose fields are
 * shape, via0..2 and site: each slot read only once the one before held
 * the wrapper whose frame it lies in. */
static inline int ht_chain_holds(const uint64_t *above, uint64_t shape, uint64_t via0,
                                 uint64_t via1, uint64_t via2, uint64_t site)
{
    uint64_t w = above[shape & HT_CHAIN_SLOT_MAX];
    if (via0) {
        if (w != via0)
            return 0;
        w = above[(shape >> HT_CHAIN_SLOT_BITS) & HT_CHAIN_SLOT_MAX];
        if (via1) {
            if (w != via1)
                return 0;
            w = above[(shape >> 2 * HT_CHAIN_SLOT_BITS) & HT_CHAIN_SLOT_MAX];
            if (via2) {
                if (w != via2)
                    return 0;
                w = above[(shape >> 3 * HT_CHAIN_SLOT_BITS) & HT_CHAIN_SLOT_MAX];
            }
        }
    }
    return w == site;
}

#ifdef HT_ORACLE
HT_HIDDEN void ht_hops_oracle(uint64_t r, uint64_t site);
#endif

/* The site of an allocation whose immediate return address r sits at
 * cfa - 8 (cfa: the canonical frame address of the hook r returns to, as
 * the hook computed it; 0: none), from this thread's chain cache alone: 0 when it
 * holds none for this stack (a miss: ht_hops_resolve() then). No lock, no
 * guard, no write; every word it reads lies in frames still on the stack.
 * Inline: the miss path's first test, a few loads. */
static inline __attribute__((always_inline)) uint64_t ht_hops_cached(uint64_t r, uint64_t cfa)
{
    const struct ht_chains *c = &ht_chains;
    if (!cfa)
        return 0;
    uint64_t want = r ^ ht_load_relaxed(&ht_state.epoch);
    uint64_t gen = ht_load_acquire(&ht_modules_gen) & HT_CHAIN_GEN_MASK;
    uint32_t seen = c->fills;
    ht_signal_fence();
    for (uint32_t i = ht_chain_set(r), end = i + HT_CHAIN_WAYS; i < end; i++) {
        if (c->match[i] != want)
            continue;
        /* every field before the stack is read by them */
        uint64_t shape = c->shape[i], site = c->site[i];
        uint64_t via0 = c->via[0][i], via1 = c->via[1][i], via2 = c->via[2][i];
        ht_signal_fence();
        if (c->fills != seen)
            return 0; /* a handler wrote meanwhile: the fields may not be one entry's */
        if ((shape >> 48) != gen ||
            !ht_chain_holds((const uint64_t *)(uintptr_t)cfa, shape, via0, via1, via2, site))
            continue;
#ifdef HT_ORACLE
        ht_hops_oracle(r, site);
#endif
        return site;
    }
    return 0;
}

/* The same for a wrapper's return address r (ht_sites_class() said so)
 * without the cache: wrapper frames hopped while each rule is learnt and
 * stack-pointer based, every word inside the thread's verified stack; the
 * chain then enters the cache. Anything else walks (ht_sites_resolve()).
 * cfa 0, or r not at cfa - 8: the walk. Called with the guard not held. */
HT_HIDDEN uint64_t ht_hops_resolve(uint64_t r, uint64_t cfa);

/* A jump out of the shim may have left a cache write half done: the next
 * write may go ahead (ht_depth_held(), with the other thread resets). */
HT_HIDDEN void ht_hops_thread_reset(void);

#endif
