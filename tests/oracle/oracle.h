/* SPDX-License-Identifier: MIT
 * oracle.h - the libunwind oracle, in the test build of the shim only
 * (build/oracle/libheaptag-oracle.so, -DHT_ORACLE): beside every walk the
 * shim makes, libunwind walks the same stack and the two are compared frame
 * by frame, and the caller ptg charges. Totals at exit (oracle.c).
 */
#ifndef HT_ORACLE_H
#define HT_ORACLE_H

#include <stdint.h>

#include "base/glue.h"

/* A ust walk: frames[0, n) the shim found from r (frames[0] == r), at most
 * max; picked, the caller ptg charges from them; repeated: a remembered walk
 * repeated (callers/walk_memo.h), not made (counted apart as well). */
HT_HIDDEN void ht_oracle_walk(uint64_t r, const uint64_t *frames, int n, int max,
                              uint64_t picked, int repeated);

/* A ptg resolve: site, the caller the shim found for an allocation whose
 * immediate return address r lies in a wrapper. */
HT_HIDDEN void ht_oracle_site(uint64_t r, uint64_t site);

/* The same for a site found by hops from the hook's frame or from the
 * thread's chain cache (callers/hops.c), counted apart as well. */
HT_HIDDEN void ht_oracle_hop(uint64_t r, uint64_t site);

#endif
