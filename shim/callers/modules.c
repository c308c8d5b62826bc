/* SPDX-License-Identifier: MIT
 * modules.c - the segment's module table. A full scan (dl_iterate_phdr, which
 * takes the loader's lock) runs only at start and after dlclose, in the
 * program's own call, never inside malloc: a child forked while a parent
 * thread held the loader's lock would wait for it forever. On the allocation
 * path an address outside every known module asks _dl_find_object (lock-free):
 * an object loaded since is appended from its link map, code outside every
 * object (JIT) is just that. No allocation, no stdio. Writers bump
 * modules_seq to odd while changing the table, even when done; one writer at
 * a time (a try-lock, never a wait inside malloc).
 */
#include "callers/modules.h"
#include "ht_atomic.h"

#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <sched.h>
#include <string.h>

#include "callers/unwind.h"

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
uint32_t ht_modules_gen;

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

/* The span of an object's PT_LOAD segments, as file addresses. */
static int load_span(const struct dl_phdr_info *info, uint64_t *lo, uint64_t *hi)
{
    *lo = UINT64_MAX;
    *hi = 0;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD)
            continue;
        if (ph->p_vaddr < *lo)
            *lo = ph->p_vaddr;
        if (ph->p_vaddr + ph->p_memsz > *hi)
            *hi = ph->p_vaddr + ph->p_memsz;
    }
    return *lo < *hi ? 0 : -1;
}

/* A new loaded entry at the end of the table (the writer holds scan_busy),
 * or NULL when the table is full. */
static struct ht_module *append(struct ht_seg_header *h, struct ht_module *table,
                                const struct dl_phdr_info *info, uint64_t base, uint64_t size,
                                const char *name, size_t len)
{
    if (h->modules_used >= h->module_capacity)
        return NULL;
    struct ht_module *m = &table[h->modules_used];
    memset(m, 0, sizeof *m);
    m->bias = info->dlpi_addr;
    m->base = base;
    m->size = size;
    memcpy(m->path, name, len); /* m was zeroed: stays NUL-terminated */
    for (int i = 0; i < info->dlpi_phnum; i++)
        if (info->dlpi_phdr[i].p_type == PT_NOTE)
            copy_build_id(m, info, &info->dlpi_phdr[i]);
    m->state = MOD_LOADED;
    ht_store_release(&h->modules_used, h->modules_used + 1);
    return m;
}

static int on_object(struct dl_phdr_info *info, size_t size, void *arg)
{
    struct scan *s = arg;
    (void)size;
    uint64_t lo, hi;
    if (load_span(info, &lo, &hi) != 0)
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
    m = append(s->h, s->table, info, info->dlpi_addr + lo, hi - lo, name, len);
    if (!m)
        return 0; /* full: the object stays unknown, its sites unsymbolised */
    m->reserved0 = s->mark;
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
        ht_fetch_add_release(&ht_modules_gen, 1);
    ht_store_release(&scan_busy, 0);
    return s.changed;
}

int ht_modules_scan_wait(struct ht_seg_header *h)
{
    int r;
    /* the try-lock's holders never block while holding it */
    for (int i = 0; (r = ht_modules_scan(h)) < 0 && i < 100000; i++)
        sched_yield();
    return r;
}

/* The program headers of the object whose link map is l, mapped from start:
 * found through its ELF header, each byte checked readable first. */
static int object_phdrs(uint64_t start, uint64_t end, const struct link_map *l,
                        struct dl_phdr_info *info)
{
    const ElfW(Ehdr) *e = (const ElfW(Ehdr) *)start;
    if (end - start < sizeof *e || !ht_unw_code_readable(start, sizeof *e) ||
        memcmp(e->e_ident, ELFMAG, SELFMAG) != 0 || e->e_phentsize != sizeof(ElfW(Phdr)) ||
        e->e_phnum == 0)
        return -1;
    uint64_t ph = start + e->e_phoff, len = (uint64_t)e->e_phnum * sizeof(ElfW(Phdr));
    if (e->e_phoff >= end - start || len > end - ph || !ht_unw_code_readable(ph, len))
        return -1;
    memset(info, 0, sizeof *info);
    info->dlpi_addr = l->l_addr;
    info->dlpi_name = l->l_name;
    info->dlpi_phdr = (const ElfW(Phdr) *)ph;
    info->dlpi_phnum = e->e_phnum;
    return 0;
}

int ht_modules_lookup(struct ht_seg_header *h, uint64_t addr)
{
    int m = ht_modules_find(h, addr);
    if (m >= 0)
        return m;
    struct dl_find_object fo;
    if (_dl_find_object((void *)(uintptr_t)addr, &fo) != 0 || !fo.dlfo_link_map)
        return -1; /* outside every object: JIT or other generated code */
    if (ht_exchange_acquire(&scan_busy, 1))
        return -2;
    m = ht_modules_find(h, addr); /* appended meanwhile */
    if (m < 0) {
        uint64_t start = (uint64_t)(uintptr_t)fo.dlfo_map_start;
        uint64_t end = (uint64_t)(uintptr_t)fo.dlfo_map_end;
        const struct link_map *l = fo.dlfo_link_map;
        struct dl_phdr_info info;
        const char *name = l->l_name && *l->l_name ? l->l_name : h->exe;
        struct ht_module *t = (struct ht_module *)((char *)h + h->modules_offset);
        uint64_t lo, hi;
        if (end > start && object_phdrs(start, end, l, &info) == 0 &&
            load_span(&info, &lo, &hi) == 0 && addr - (info.dlpi_addr + lo) < hi - lo) {
            ht_fetch_add_acq_rel(&h->modules_seq, 1);
            struct ht_module *e = append(h, t, &info, info.dlpi_addr + lo, hi - lo, name,
                                         strnlen(name, HT_PATH_MAX - 1));
            ht_fetch_add_acq_rel(&h->modules_seq, 1);
            if (e) {
                ht_fetch_add_release(&ht_modules_gen, 1);
                m = (int)(e - t);
            }
        }
    }
    ht_store_release(&scan_busy, 0);
    return m < 0 ? -2 : m;
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
    return ht_load_acquire(&ht_modules_gen);
}

void ht_modules_fork_child(void)
{
    /* a rescan another thread was running at fork never ends in the child */
    ht_store_release(&scan_busy, 0);
}
