/* SPDX-License-Identifier: MIT
 * registry.h - hpc: the set of live block addresses handed out while heap
 * parameter checking was on, so free() can tell a block it gave out from an
 * interior, foreign or stale pointer that happens to look like one.
 *
 * Lock-free open addressing over a fixed private mapping (made on first use);
 * probes are bounded, so when the set is crowded a block is simply not
 * registered (its header then says so) rather than anything waiting.
 */
#ifndef HT_REGISTRY_H
#define HT_REGISTRY_H

#include <stdint.h>

#include "base/glue.h"

/* 0 when p is now registered, -1 when it could not be (no room, no memory). */
HT_HIDDEN int ht_registry_add(uintptr_t p);
/* 0 when p was registered and is no longer, -1 when it was not there. */
HT_HIDDEN int ht_registry_remove(uintptr_t p);
HT_HIDDEN int ht_registry_has(uintptr_t p);

#endif
