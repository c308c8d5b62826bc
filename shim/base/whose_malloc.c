/* SPDX-License-Identifier: MIT
 * whose_malloc.c - does the program call the shim's malloc? The passive test.
 *
 * dlsym(RTLD_DEFAULT, "malloc") alone cannot say: a non-PIE executable that
 * takes malloc's address (Debian's python3 and node do) carries a canonical
 * PLT entry, an UNDEFINED symbol with a non-zero value, and the loader hands
 * out that entry's address as "malloc" while every call through it still
 * reaches the first real definition after the executable. So the answer is
 * read from the objects themselves: walking the link map from the executable
 * to the shim, the first object whose dynamic symbol table DEFINES malloc
 * (st_shndx != SHN_UNDEF) is the allocator the program calls.
 *
 * Runs once, inside the program's first malloc (from next.c): no allocation,
 * no stdio; dladdr1 takes the loader's lock as dlsym does.
 */
#include "base/whose_malloc.h"

#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <stdint.h>
#include <string.h>

/* A dynamic-section address: glibc relocates them in place on x86-64, but a
 * read-only dynamic section keeps file values (below the load base). */
static const void *dyn_ptr(const struct link_map *l, ElfW(Addr) v)
{
    return (const void *)(v < l->l_addr ? v + l->l_addr : v);
}

static uint32_t gnu_hash(const char *s)
{
    uint32_t h = 5381;
    for (; *s; s++)
        h = h * 33 + (unsigned char)*s;
    return h;
}

static uint32_t sysv_hash(const char *s)
{
    uint32_t h = 0, g;
    for (; *s; s++) {
        h = (h << 4) + (unsigned char)*s;
        g = h & 0xf0000000u;
        if (g)
            h ^= g >> 24;
        h &= ~g;
    }
    return h;
}

/* The dynamic symbol `name` of object l, or NULL when its tables do not have it. */
static const ElfW(Sym) *find_dynsym(const struct link_map *l, const char *name)
{
    const ElfW(Sym) *symtab = NULL;
    const char *strtab = NULL;
    const uint32_t *gnu = NULL, *sysv = NULL;
    if (!l->l_ld)
        return NULL;
    for (const ElfW(Dyn) *d = l->l_ld; d->d_tag != DT_NULL; d++) {
        if (d->d_tag == DT_SYMTAB)
            symtab = dyn_ptr(l, d->d_un.d_ptr);
        else if (d->d_tag == DT_STRTAB)
            strtab = dyn_ptr(l, d->d_un.d_ptr);
        else if (d->d_tag == DT_GNU_HASH)
            gnu = dyn_ptr(l, d->d_un.d_ptr);
        else if (d->d_tag == DT_HASH)
            sysv = dyn_ptr(l, d->d_un.d_ptr);
    }
    if (!symtab || !strtab)
        return NULL;
    if (gnu) {
        uint32_t nbuckets = gnu[0], symoffset = gnu[1], bloom_size = gnu[2];
        if (!nbuckets)
            return NULL;
        const ElfW(Addr) *bloom = (const ElfW(Addr) *)(gnu + 4);
        const uint32_t *buckets = (const uint32_t *)(bloom + bloom_size);
        const uint32_t *chain = buckets + nbuckets;
        uint32_t h = gnu_hash(name);
        uint32_t i = buckets[h % nbuckets];
        if (i < symoffset)
            return NULL;
        for (;; i++) {
            uint32_t ch = chain[i - symoffset];
            if ((ch | 1) == (h | 1) && !strcmp(strtab + symtab[i].st_name, name))
                return &symtab[i];
            if (ch & 1)
                return NULL;
        }
    }
    if (sysv) {
        uint32_t nbucket = sysv[0];
        const uint32_t *bucket = sysv + 2, *chain = bucket + nbucket;
        if (!nbucket)
            return NULL;
        for (uint32_t i = bucket[sysv_hash(name) % nbucket]; i != STN_UNDEF; i = chain[i])
            if (!strcmp(strtab + symtab[i].st_name, name))
                return &symtab[i];
    }
    return NULL;
}

/* 1 when l defines `name` itself (not a reference, not a canonical PLT entry). */
static int defines(const struct link_map *l, const char *name)
{
    const ElfW(Sym) *s = find_dynsym(l, name);
    return s && s->st_shndx != SHN_UNDEF && s->st_value != 0 &&
           (ELF64_ST_TYPE(s->st_info) == STT_FUNC || ELF64_ST_TYPE(s->st_info) == STT_GNU_IFUNC);
}

enum ht_whose_malloc ht_whose_malloc(void *ours, const char **who)
{
    *who = "";
    /* The common answer, at the price of one look-up. */
    if (dlsym(RTLD_DEFAULT, "malloc") == ours)
        return HT_MALLOC_OURS;
    Dl_info info;
    struct link_map *self = NULL;
    if (!dladdr1(ours, &info, (void **)&self, RTLD_DL_LINKMAP) || !self)
        return HT_MALLOC_OURS; /* cannot tell: count, as before this test */
    /* Objects before ours in load order, the executable first: the global
     * scope looks them up in that order. */
    struct link_map *first = self;
    while (first->l_prev)
        first = first->l_prev;
    for (struct link_map *l = first; l && l != self; l = l->l_next) {
        if (!defines(l, "malloc"))
            continue;
        *who = l->l_name && l->l_name[0] ? l->l_name : "the executable";
        return l == first ? HT_MALLOC_EXECUTABLE : HT_MALLOC_LOADED_BEFORE;
    }
    return HT_MALLOC_OURS;
}
