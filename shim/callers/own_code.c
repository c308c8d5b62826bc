/* SPDX-License-Identifier: MIT
 * own_code.c - where the shim's own code is mapped (own_code.h): the span of
 * the PT_LOAD segments of the object holding this file, found once with
 * dl_iterate_phdr. Read lock-free afterwards.
 */
#include "callers/own_code.h"
#include "ht_atomic.h"

#include <link.h>

#define OWN_MAX 1

static uint64_t own_lo[OWN_MAX], own_hi[OWN_MAX];
static int own_n;

struct own_find {
    uintptr_t addr;
    uint64_t lo, hi;
};

static int on_object(struct dl_phdr_info *info, size_t size, void *arg)
{
    (void)size;
    struct own_find *f = arg;
    uint64_t lo = UINT64_MAX, hi = 0;
    int inside = 0;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD)
            continue;
        uint64_t a = info->dlpi_addr + ph->p_vaddr, b = a + ph->p_memsz;
        lo = a < lo ? a : lo;
        hi = b > hi ? b : hi;
        inside |= f->addr >= a && f->addr < b;
    }
    if (!inside)
        return 0;
    f->lo = lo;
    f->hi = hi;
    return 1;
}

static void add(void *sym)
{
    struct own_find f = { (uintptr_t)sym, 0, 0 };
    if (!sym || own_n == OWN_MAX || !dl_iterate_phdr(on_object, &f))
        return;
    own_lo[own_n] = f.lo;
    own_hi[own_n] = f.hi;
    ht_store_release(&own_n, own_n + 1);
}

void ht_own_code_init(void)
{
    if (ht_load_acquire(&own_n))
        return;
    add((void *)ht_own_code_init);
}

int ht_own_code(uint64_t site)
{
    int n = ht_load_acquire(&own_n);
    for (int i = 0; i < n; i++)
        if (site - own_lo[i] < own_hi[i] - own_lo[i])
            return 1;
    return 0;
}
