/*
 * modules.c - fills the segment's module table from dl_iterate_phdr.
 * Called at start (and again when objects come and go): no allocation, no stdio.
 * Writers bump modules_seq to odd while changing the table, even when done.
 */
#include "modules.h"

#include <elf.h>
#include <link.h>
#include <string.h>

struct scan {
    struct ht_seg_header *h;
    struct ht_module *table;
};

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

static int on_object(struct dl_phdr_info *info, size_t size, void *arg)
{
    struct scan *s = arg;
    (void)size;
    if (s->h->modules_used >= s->h->module_capacity)
        return 1;
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
    struct ht_module *m = &s->table[s->h->modules_used];
    memset(m, 0, sizeof *m);
    m->bias = info->dlpi_addr;
    m->base = info->dlpi_addr + lo;
    m->size = hi - lo;
    const char *name = info->dlpi_name;
    if (!name || !*name)
        name = s->h->exe; /* the main program */
    size_t len = strnlen(name, sizeof m->path - 1);
    memcpy(m->path, name, len); /* m was zeroed: stays NUL-terminated */
    for (int i = 0; i < info->dlpi_phnum; i++)
        if (info->dlpi_phdr[i].p_type == PT_NOTE)
            copy_build_id(m, info, &info->dlpi_phdr[i]);
    m->state = 1;
    s->h->modules_used++;
    return 0;
}

void ht_modules_scan(struct ht_seg_header *h)
{
    struct scan s = { h, (struct ht_module *)((char *)h + h->modules_offset) };
    __atomic_fetch_add(&h->modules_seq, 1, __ATOMIC_ACQ_REL);
    h->modules_used = 0;
    dl_iterate_phdr(on_object, &s);
    __atomic_fetch_add(&h->modules_seq, 1, __ATOMIC_ACQ_REL);
}

uint64_t ht_modules_find(const struct ht_seg_header *h, uint64_t addr, uint32_t *index)
{
    if (!h || !addr)
        return 0;
    const struct ht_module *t = (const struct ht_module *)((const char *)h + h->modules_offset);
    uint32_t used = __atomic_load_n(&h->modules_used, __ATOMIC_ACQUIRE);
    if (used > h->module_capacity)
        used = h->module_capacity;
    for (uint32_t i = 0; i < used; i++)
        if (t[i].state == 1 && addr >= t[i].base && addr - t[i].base < t[i].size) {
            *index = i;
            return t[i].base;
        }
    return 0;
}
