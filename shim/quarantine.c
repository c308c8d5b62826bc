/*
 * quarantine.c - a ring of freed blocks, filled round-robin with atomic
 * exchanges: every push evicts the oldest occupant of its slot. No lock, no
 * allocation; a block is in at most one slot because only its single
 * successful free (see heapcheck.c's claim) pushes it.
 */
#include "quarantine.h"

#include <stdint.h>

static void *ring[HT_QUARANTINE_SLOTS];
static uint64_t next_slot;

void *ht_quarantine_push(void *user)
{
    uint64_t i = __atomic_fetch_add(&next_slot, 1, __ATOMIC_RELAXED);
    return __atomic_exchange_n(&ring[i % HT_QUARANTINE_SLOTS], user, __ATOMIC_ACQ_REL);
}
