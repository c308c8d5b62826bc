/* SPDX-License-Identifier: MIT
 * wrapsyms.c - the address ranges of one module's allocation wrappers, read
 * once from its ELF file (.symtab, else .dynsym) and kept sorted, so that
 * classifying a new call site is a binary search. The file is mapped, read and
 * unmapped; its descriptor is closed before anything else happens. Never
 * allocates from the heap: the table lives in a mapping of its own.
 */
#include "callers/wrapsyms.h"

#include <elf.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

struct span {
    uint64_t lo, hi;
};

static int sym_section(const Elf64_Ehdr *e, uint64_t size, uint32_t type,
                       const Elf64_Shdr **sym, const Elf64_Shdr **str)
{
    const Elf64_Shdr *sh = (const Elf64_Shdr *)((const char *)e + e->e_shoff);
    for (uint32_t i = 0; i < e->e_shnum; i++) {
        if (sh[i].sh_type != type || sh[i].sh_link >= e->e_shnum ||
            sh[i].sh_entsize != sizeof(Elf64_Sym))
            continue;
        const Elf64_Shdr *s = &sh[sh[i].sh_link];
        if (sh[i].sh_offset > size || sh[i].sh_size > size - sh[i].sh_offset ||
            (sh[i].sh_offset & 7) || /* Elf64_Sym is read in place */
            s->sh_offset > size || s->sh_size > size - s->sh_offset || s->sh_size == 0)
            continue;
        *sym = &sh[i];
        *str = s;
        return 1;
    }
    return 0;
}

/* Fills out[] with the wrapper spans; returns their count. A large module
 * (node: 109,000 functions) has every name looked at: a string table that
 * ends in a NUL ends every name, so only another one pays a search per name. */
static uint64_t collect(const char *base, const Elf64_Shdr *sym, const Elf64_Shdr *str,
                        uint64_t bias, int (*is_wrapper)(const char *), struct span *out)
{
    const Elf64_Sym *s = (const Elf64_Sym *)(base + sym->sh_offset);
    uint64_t n = sym->sh_size / sizeof *s, k = 0;
    const char *names = base + str->sh_offset;
    int ended = names[str->sh_size - 1] == '\0';
    for (uint64_t i = 0; i < n; i++) {
        unsigned type = ELF64_ST_TYPE(s[i].st_info);
        if ((type != STT_FUNC && type != STT_GNU_IFUNC) || s[i].st_shndx == SHN_UNDEF ||
            s[i].st_size == 0 || s[i].st_name >= str->sh_size)
            continue;
        uint64_t lo = s[i].st_value + bias, hi = lo + s[i].st_size;
        if (lo < bias || hi < lo)
            continue; /* wraps around: not a function of this module */
        const char *name = names + s[i].st_name;
        if ((!ended && !memchr(name, '\0', str->sh_size - s[i].st_name)) || !is_wrapper(name))
            continue;
        out[k++] = (struct span){ lo, hi };
    }
    return k;
}

static void sift(struct span *a, uint64_t i, uint64_t n)
{
    for (;;) {
        uint64_t c = 2 * i + 1;
        if (c >= n)
            return;
        if (c + 1 < n && a[c + 1].lo > a[c].lo)
            c++;
        if (a[i].lo >= a[c].lo)
            return;
        struct span t = a[i];
        a[i] = a[c];
        a[c] = t;
        i = c;
    }
}

/* Heapsort by start, then overlapping spans merged: no allocation, no recursion. */
static uint64_t sort_merge(struct span *a, uint64_t n)
{
    for (uint64_t i = n / 2; i-- > 0;)
        sift(a, i, n);
    for (uint64_t end = n; end-- > 1;) {
        struct span t = a[0];
        a[0] = a[end];
        a[end] = t;
        sift(a, 0, end);
    }
    uint64_t k = 0;
    for (uint64_t i = 0; i < n; i++) {
        if (k && a[i].lo <= a[k - 1].hi) {
            if (a[i].hi > a[k - 1].hi)
                a[k - 1].hi = a[i].hi;
        } else {
            a[k++] = a[i];
        }
    }
    return k;
}

int ht_wrapsyms_build(const char *path, uint64_t bias, int (*is_wrapper)(const char *),
                      struct ht_wrapsyms *out)
{
    out->spans = NULL;
    out->n = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return -1;
    struct stat st;
    void *m = MAP_FAILED;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size >= (off_t)sizeof(Elf64_Ehdr))
        m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (m == MAP_FAILED)
        return -1;
    uint64_t size = (uint64_t)st.st_size;
    const Elf64_Ehdr *e = m;
    const Elf64_Shdr *sym, *str;
    int rc = -1;
    if (memcmp(e->e_ident, ELFMAG, SELFMAG) != 0 || e->e_ident[EI_CLASS] != ELFCLASS64 ||
        e->e_shentsize != sizeof(Elf64_Shdr) || e->e_shoff > size || (e->e_shoff & 7) ||
        (uint64_t)e->e_shnum * sizeof(Elf64_Shdr) > size - e->e_shoff)
        goto done;
    if (!sym_section(e, size, SHT_SYMTAB, &sym, &str) &&
        !sym_section(e, size, SHT_DYNSYM, &sym, &str))
        goto done;
    /* one pass into room for every symbol: pages never written cost nothing,
     * and those past the spans kept go back */
    uint64_t room = sym->sh_size / sizeof(Elf64_Sym) * sizeof(struct span);
    if (room == 0) {
        rc = 0;
        goto done;
    }
    struct span *a = mmap(NULL, room, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (a == MAP_FAILED)
        goto done;
    rc = 0;
    uint64_t n = collect(m, sym, str, bias, is_wrapper, a);
    n = n ? sort_merge(a, n) : 0;
    uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
    uint64_t used = (n * sizeof *a + page - 1) / page * page;
    if (used < room)
        munmap((char *)a + used, room - used);
    if (n == 0)
        goto done;
    out->n = n;
    out->spans = (const uint64_t *)a;
done:
    munmap(m, (size_t)size);
    return rc;
}

int ht_wrapsyms_has(const struct ht_wrapsyms *w, uint64_t addr)
{
    const struct span *a = (const struct span *)w->spans;
    uint64_t lo = 0, hi = w->n;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (a[mid].hi <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < w->n && a[lo].lo <= addr;
}
