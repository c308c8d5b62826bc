/*
 * symbolize.c - libdwfl, offline: one Dwfl per module file, reported at bias
 * 0 and asked for file addresses, so processes with different layouts share
 * it. Lookups are memoised in a hash table; everything is freed with the
 * cache. Never trusts the snapshot's paths beyond opening them read-only.
 */
#include "symbolize.h"

#include <elfutils/libdwfl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* From the C++ runtime: demangles Itanium ABI names. */
extern char *__cxa_demangle(const char *mangled, char *out, size_t *len, int *status);

#define SYM_BUCKETS 4096

struct sym_file {
    struct sym_file *next;
    char *path;
    uint8_t build_id[HT_BUILD_ID_MAX];
    uint32_t build_id_len;
    Dwfl *dwfl;       /* NULL when the file cannot be used */
    Dwfl_Module *mod;
};

struct sym_entry {
    struct sym_entry *next;
    const struct sym_file *file;
    uint64_t offset;
    char *function;
    char *src;
    int line;
    const char *module;
};

struct sym_cache {
    struct sym_file *files;
    struct sym_entry *buckets[SYM_BUCKETS];
};

static char *debuginfo_path;
static const Dwfl_Callbacks offline_callbacks = {
    .find_elf = dwfl_build_id_find_elf,
    .find_debuginfo = dwfl_standard_find_debuginfo,
    .section_address = dwfl_offline_section_address,
    .debuginfo_path = &debuginfo_path,
};

struct sym_cache *sym_cache_new(void)
{
    return calloc(1, sizeof(struct sym_cache));
}

void sym_cache_free(struct sym_cache *c)
{
    if (!c)
        return;
    for (int i = 0; i < SYM_BUCKETS; i++)
        for (struct sym_entry *e = c->buckets[i], *n; e; e = n) {
            n = e->next;
            free(e->function);
            free(e->src);
            free(e);
        }
    for (struct sym_file *f = c->files, *n; f; f = n) {
        n = f->next;
        if (f->dwfl)
            dwfl_end(f->dwfl);
        free(f->path);
        free(f);
    }
    free(c);
}

/* Opens path once; a file whose build id differs from the recorded one is
 * not the code that ran, and is not used. */
static struct sym_file *file_for(struct sym_cache *c, const struct segread_module *m)
{
    for (struct sym_file *f = c->files; f; f = f->next)
        if (strcmp(f->path, m->path) == 0 && f->build_id_len == m->build_id_len &&
            memcmp(f->build_id, m->build_id, m->build_id_len) == 0)
            return f;
    struct sym_file *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->path = strdup(m->path);
    if (!f->path) {
        free(f);
        return NULL;
    }
    memcpy(f->build_id, m->build_id, m->build_id_len);
    f->build_id_len = m->build_id_len;
    f->next = c->files;
    c->files = f;
    if (m->path[0] != '/')
        return f;
    f->dwfl = dwfl_begin(&offline_callbacks);
    if (!f->dwfl)
        return f;
    dwfl_report_begin(f->dwfl);
    f->mod = dwfl_report_elf(f->dwfl, m->path, m->path, -1, 0, false);
    dwfl_report_end(f->dwfl, NULL, NULL);
    const unsigned char *bits;
    GElf_Addr vaddr;
    int len = f->mod ? dwfl_module_build_id(f->mod, &bits, &vaddr) : -1;
    if (!f->mod || (m->build_id_len &&
                    (len != (int)m->build_id_len || memcmp(bits, m->build_id, (size_t)len) != 0))) {
        dwfl_end(f->dwfl);
        f->dwfl = NULL;
        f->mod = NULL;
    }
    return f;
}

static const struct segread_module *module_of(const struct segread_snap *snap, uint64_t addr)
{
    const struct segread_module *best = NULL;
    for (size_t i = 0; i < snap->n_modules; i++) {
        const struct segread_module *m = &snap->modules[i];
        if (m->state != 0 && addr - m->base < m->size && (!best || m->state == 1))
            best = m; /* a loaded module wins over an unloaded one at the same place */
    }
    return best;
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s && s[1] ? s + 1 : path;
}

static char *demangle(const char *name)
{
    int status = -1;
    char *d = NULL;
    if (name[0] == '_' && name[1] == 'Z')
        d = __cxa_demangle(name, NULL, NULL, &status);
    return status == 0 && d ? d : strdup(name);
}

static void resolve(struct sym_entry *e, const struct sym_file *f)
{
    if (!f->mod)
        return;
    /* offline modules are reported at their file addresses (bias 0) */
    Dwarf_Addr a = (Dwarf_Addr)e->offset;
    const char *name = dwfl_module_addrname(f->mod, a);
    if (name)
        e->function = demangle(name);
    Dwfl_Line *l = dwfl_module_getsrc(f->mod, a);
    int line = 0;
    const char *src = l ? dwfl_lineinfo(l, NULL, &line, NULL, NULL, NULL) : NULL;
    if (src) {
        e->src = strdup(src);
        e->line = line;
    }
}

int sym_lookup(struct sym_cache *c, const struct segread_snap *snap, uint64_t addr,
               struct sym_info *out)
{
    memset(out, 0, sizeof *out);
    const struct segread_module *m = module_of(snap, addr);
    if (!m)
        return -1;
    const char *path = m->path[0] ? m->path : snap->exe;
    out->module = NULL;
    out->offset = addr - m->bias;
    struct segread_module copy = *m;
    if (!m->path[0]) {
        strncpy(copy.path, snap->exe, sizeof copy.path - 1);
        copy.path[sizeof copy.path - 1] = '\0';
    }
    struct sym_file *f = file_for(c, &copy);
    if (!f) {
        out->module = base_name(path); /* out of memory: the snapshot's string */
        return 0;
    }
    out->module = base_name(f->path);
    uint64_t h = ((uintptr_t)f * 31 + out->offset) * 0x9e3779b97f4a7c15ull;
    struct sym_entry **b = &c->buckets[(h >> 40) % SYM_BUCKETS];
    struct sym_entry *e;
    for (e = *b; e; e = e->next)
        if (e->file == f && e->offset == out->offset)
            break;
    if (!e && (e = calloc(1, sizeof *e)) != NULL) {
        e->file = f;
        e->offset = out->offset;
        resolve(e, f);
        e->next = *b;
        *b = e;
    }
    if (e) {
        out->function = e->function;
        out->file = e->src;
        out->line = e->line;
    }
    return 0;
}
