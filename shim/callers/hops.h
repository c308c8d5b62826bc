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

/* The site of an allocation whose immediate return address r sits at
 * cfa - 8, from this thread's chain cache alone: 0 when it holds none for
 * this stack (a miss: ht_hops_resolve() then). No lock, no guard, no write;
 * every word it reads lies in frames still on the stack. */
HT_HIDDEN uint64_t ht_hops_cached(uint64_t r, uint64_t cfa);

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
