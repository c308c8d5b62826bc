/* SPDX-License-Identifier: MIT
 * quarantine.c - a ring of freed blocks, filled round-robin with atomic
 * exchanges: every push evicts the oldest occupant of its slot. No lock, no
 * allocation; a block is in at most one slot because only its single
 * successful free (see heapcheck.c's claim) pushes it.
 */
#include "checks/quarantine.h"
#include "ht_atomic.h"

#include <stdint.h>

static void *ring[HT_QUARANTINE_SLOTS];
static uint64_t next_slot;

void *ht_quarantine_push(void *user)
{
    uint64_t i = ht_fetch_add_relaxed(&next_slot, 1);
    return ht_exchange_acq_rel(&ring[i % HT_QUARANTINE_SLOTS], user);
}
