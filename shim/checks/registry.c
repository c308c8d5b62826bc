/* SPDX-License-Identifier: MIT
 * registry.c - the hpc live-block set: open addressing with tombstones, every
 * slot changed by compare-and-swap. Runs inside malloc and free: no locks, no
 * allocation (the table is one mmap made once, on the first hpc allocation).
 */
#include "checks/registry.h"
#include "ht_atomic.h"

#include <sys/mman.h>

#define REG_BITS   20               /* 1M slots, 8 MiB of address space */
#define REG_SLOTS  (1u << REG_BITS)
#define REG_PROBES 256              /* a key lives within this many slots of home */
#define REG_EMPTY  ((uintptr_t)0)
#define REG_TOMB   ((uintptr_t)1)   /* block addresses are 16-aligned: never 1 */

enum { REG_NONE, REG_MAKING, REG_READY, REG_FAILED };
static int reg_state = REG_NONE;
static uintptr_t *reg_slots;

static uintptr_t *reg_table(void)
{
    int s = ht_load_acquire(&reg_state);
    if (s == REG_READY)
        return reg_slots;
    if (s != REG_NONE)
        return NULL; /* being made by another thread, or impossible */
    if (!ht_cas_acq_rel(&reg_state, &s, REG_MAKING))
        return NULL;
    void *m = mmap(NULL, (size_t)REG_SLOTS * sizeof(uintptr_t), PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (m == MAP_FAILED) {
        ht_store_release(&reg_state, REG_FAILED);
        ht_warn("hpc: no memory for the live block registry; parameter checks limited");
        return NULL;
    }
    reg_slots = m;
    ht_store_release(&reg_state, REG_READY);
    return reg_slots;
}

static uint32_t reg_home(uintptr_t p)
{
    return (uint32_t)(((uint64_t)(p >> 4) * 0x9e3779b97f4a7c15ull) >> (64 - REG_BITS));
}

int ht_registry_add(uintptr_t p)
{
    uintptr_t *t = reg_table();
    if (!t)
        return -1;
    uint32_t h = reg_home(p);
    for (uint32_t i = 0; i < REG_PROBES; i++) {
        uintptr_t *slot = &t[(h + i) & (REG_SLOTS - 1)];
        uintptr_t v = ht_load_relaxed(slot);
        /* A live address is never in the set twice: it was removed when freed. */
        if ((v == REG_EMPTY || v == REG_TOMB) &&
            ht_cas_release(slot, &v, p))
            return 0;
    }
    return -1;
}

static uintptr_t *reg_find(uintptr_t p)
{
    uintptr_t *t = ht_load_acquire(&reg_state) == REG_READY ? reg_slots : NULL;
    if (!t)
        return NULL;
    uint32_t h = reg_home(p);
    for (uint32_t i = 0; i < REG_PROBES; i++) {
        uintptr_t *slot = &t[(h + i) & (REG_SLOTS - 1)];
        uintptr_t v = ht_load_acquire(slot);
        if (v == p)
            return slot;
        if (v == REG_EMPTY)
            return NULL;
    }
    return NULL;
}

int ht_registry_remove(uintptr_t p)
{
    uintptr_t *slot = reg_find(p);
    uintptr_t v = p;
    if (!slot || !ht_cas_acq_rel_relaxed(slot, &v, REG_TOMB))
        return -1;
    return 0;
}

int ht_registry_has(uintptr_t p)
{
    return reg_find(p) != NULL;
}
