/* SPDX-License-Identifier: MIT
 * modules.c - fills the segment's module table from dl_iterate_phdr.
 * Called at start and again when an address falls outside every known module
 * (dlopen, dlclose): no allocation, no stdio. Writers bump modules_seq to odd
 * while changing the table, even when done; one writer at a time (a try-lock,
 * never a wait, so a rescan from inside malloc cannot deadlock).
 */
#include "callers/modules.h"
#include "ht_atomic.h"

#include <elf.h>
#include <link.h>
#include <string.h>

#define MOD_LOADED   1u
#define MOD_UNLOADED 2u

struct scan {
    struct ht_seg_header *h;
    struct ht_module *table;
    uint32_t mark;    /* this scan's mark, kept in reserved0 of modules seen */
    int changed;
};

static int scan_busy;
static uint32_t scan_mark;
static uint32_t generation;

static void copy_build_id(struct ht_module *m, const struct dl_phdr_info *info, const ElfW(Phdr) *ph)
{
    const char *p = (const char *)(info->dlpi_addr + ph->p_vaddr);
    const char *end = p + ph->p_memsz;
    while (p + sizeof(ElfW(Nhdr)) <= end) {
        const ElfW(Nhdr) *n = (const ElfW(Nhdr) *)p;
        const char *name = p + sizeof *n;
        const char *desc = name + ((n->n_namesz + 3) & ~3u);
        const char *next = desc + ((n->n_descsz + 3) & ~3u);
        if (next > end)
            return;
        if (n->n_type == NT_GNU_BUILD_ID && n->n_namesz == 4 && memcmp(name, "GNU", 4) == 0) {
            uint32_t len = n->n_descsz < HT_BUILD_ID_MAX ? n->n_descsz : HT_BUILD_ID_MAX;
            memcpy(m->build_id, desc, len);
            m->build_id_len = len;
            return;
        }
        p = next;
    }
}

/* The loaded entry with this base and path, or NULL. */
static struct ht_module *known(struct scan *s, uint64_t base, const char *path, size_t len)
{
    for (uint32_t i = 0; i < s->h->modules_used; i++) {
        struct ht_module *m = &s->table[i];
        if (m->state == MOD_LOADED && m->base == base && strncmp(m->path, path, len) == 0 &&
            m->path[len] == '\0')
            return m;
    }
    return NULL;
}

static int on_object(struct dl_phdr_info *info, size_t size, void *arg)
{
    struct scan *s = arg;
    (void)size;
    uint64_t lo = UINT64_MAX, hi = 0;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD)
            continue;
        if (ph->p_vaddr < lo)
            lo = ph->p_vaddr;
        if (ph->p_vaddr + ph->p_memsz > hi)
            hi = ph->p_vaddr + ph->p_memsz;
    }
    if (lo >= hi)
        return 0;
    const char *name = info->dlpi_name;
    if (!name || !*name)
        name = s->h->exe; /* the main program */
    size_t len = strnlen(name, HT_PATH_MAX - 1);
    struct ht_module *m = known(s, info->dlpi_addr + lo, name, len);
    if (m) {
        m->reserved0 = s->mark;
        return 0;
    }
    if (s->h->modules_used >= s->h->module_capacity)
        return 0; /* full: the object stays unknown, its sites unsymbolised */
    m = &s->table[s->h->modules_used];
    memset(m, 0, sizeof *m);
    m->bias = info->dlpi_addr;
    m->base = info->dlpi_addr + lo;
    m->size = hi - lo;
    memcpy(m->path, name, len); /* m was zeroed: stays NUL-terminated */
    for (int i = 0; i < info->dlpi_phnum; i++)
        if (info->dlpi_phdr[i].p_type == PT_NOTE)
            copy_build_id(m, info, &info->dlpi_phdr[i]);
    m->state = MOD_LOADED;
    m->reserved0 = s->mark;
    ht_store_release(&s->h->modules_used, s->h->modules_used + 1);
    s->changed = 1;
    return 0;
}

int ht_modules_scan(struct ht_seg_header *h)
{
    if (ht_exchange_acquire(&scan_busy, 1))
        return -1;
    struct scan s = { h, (struct ht_module *)((char *)h + h->modules_offset), ++scan_mark, 0 };
    if (s.mark == 0)
        s.mark = ++scan_mark;
    ht_fetch_add_acq_rel(&h->modules_seq, 1);
    dl_iterate_phdr(on_object, &s);
    for (uint32_t i = 0; i < h->modules_used; i++)
        if (s.table[i].state == MOD_LOADED && s.table[i].reserved0 != s.mark) {
            s.table[i].state = MOD_UNLOADED;
            s.changed = 1;
        }
    ht_fetch_add_acq_rel(&h->modules_seq, 1);
    if (s.changed)
        ht_fetch_add_release(&generation, 1);
    ht_store_release(&scan_busy, 0);
    return s.changed;
}

int ht_modules_find(const struct ht_seg_header *h, uint64_t addr)
{
    const struct ht_module *t = (const struct ht_module *)((const char *)h + h->modules_offset);
    uint32_t used = ht_load_acquire(&h->modules_used);
    for (uint32_t i = 0; i < used && i < h->module_capacity; i++)
        if (ht_load_relaxed(&t[i].state) == MOD_LOADED &&
            addr - t[i].base < t[i].size)
            return (int)i;
    return -1;
}

uint32_t ht_modules_generation(void)
{
    return ht_load_acquire(&generation);
}

void ht_modules_fork_child(void)
{
    /* a rescan another thread was running at fork never ends in the child */
    ht_store_release(&scan_busy, 0);
}
