/*
 * sym/symbolize.c - the symbol cache over elfutils' libdwfl, offline: each module
 * file is reported on its own at bias 0, so a file address is the segment's
 * address minus the recorded bias. Failures are cached like successes, so a
 * missing file costs one open per run. Never reads the target's memory.
 */
#include "sym/symbolize.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <err.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uthash.h>

#include "sym/site_name.h"
#include "util/open_regular.h"
#include "util/text_safe.h"

/* One module file, keyed by path and recorded build id. */
struct sym_mod {
    char key[HT_PATH_MAX + 2 * HT_BUILD_ID_MAX + 2];
    Dwfl *dwfl;          /* NULL when the file could not be used */
    Dwfl_Module *mod;
    UT_hash_handle hh;
};

struct sym_addr_key {
    const struct sym_mod *mod;
    uint64_t file_addr;
};

struct sym_addr {
    struct sym_addr_key key;
    char func[256];
    char file[512];
    int line;
    UT_hash_handle hh;
};

struct sym_cache {
    struct sym_mod *mods;
    struct sym_addr *addrs;
    /* the module of the previous look-up: rows of one segment come in runs */
    const struct segread_module *last_m;
    struct segread_module last_copy;
    struct sym_mod *last;
};

/* libdwfl's standard search opens each candidate with a plain open(): a FIFO
 * named like a debug file would block the tool. The same places (build id
 * under /usr/lib/debug, then the debuglink beside the file, in .debug/, and
 * under /usr/lib/debug), each through open_regular. libdwfl checks that the
 * file found has the module's build id. */
static int sym_try_debug(const char *path, char **found)
{
    int fd = open_regular(path);
    if (fd < 0)
        return -1;
    if (!(*found = strdup(path))) {
        close(fd);
        return -1;
    }
    return fd;
}

static int sym_find_debuginfo(Dwfl_Module *mod, void **userdata, const char *modname,
                              Dwarf_Addr base, const char *file_name, const char *debuglink,
                              GElf_Word crc, char **found)
{
    (void)userdata, (void)base, (void)file_name, (void)crc;
    char path[PATH_MAX];
    const unsigned char *bits;
    GElf_Addr vaddr;
    int fd, len = dwfl_module_build_id(mod, &bits, &vaddr);
    if (len > 1 && len <= HT_BUILD_ID_MAX) {
        int o = snprintf(path, sizeof path, "/usr/lib/debug/.build-id/%02x/", bits[0]);
        for (int i = 1; i < len; i++)
            o += snprintf(path + o, sizeof path - (size_t)o, "%02x", bits[i]);
        snprintf(path + o, sizeof path - (size_t)o, ".debug");
        if ((fd = sym_try_debug(path, found)) >= 0)
            return fd;
    }
    /* modname is the module's real path (file_name is /proc/self/fd/N) */
    const char *slash = modname ? strrchr(modname, '/') : NULL;
    if (!debuglink || !*debuglink || strchr(debuglink, '/') || !slash)
        return -1;
    int dlen = (int)(slash - modname);
    static const char *const forms[] = { "%.*s/%s", "%.*s/.debug/%s", "/usr/lib/debug%.*s/%s" };
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        if ((size_t)snprintf(path, sizeof path, forms[i], dlen, modname, debuglink) >= sizeof path)
            continue;
        if (!strcmp(path, modname))
            continue; /* the file itself */
        if ((fd = sym_try_debug(path, found)) >= 0)
            return fd;
    }
    return -1;
}

static const Dwfl_Callbacks sym_callbacks = {
    .find_elf = dwfl_build_id_find_elf,
    .find_debuginfo = sym_find_debuginfo,
    .section_address = dwfl_offline_section_address,
};

struct sym_cache *sym_cache_new(void)
{
    struct sym_cache *c = calloc(1, sizeof *c);
    if (!c)
        err(1, "malloc");
    return c;
}

void sym_cache_free(struct sym_cache *c)
{
    if (!c)
        return;
    struct sym_mod *m, *mt;
    struct sym_addr *a, *at;
    HASH_ITER(hh, c->addrs, a, at) {
        HASH_DEL(c->addrs, a);
        free(a);
    }
    HASH_ITER(hh, c->mods, m, mt) {
        HASH_DEL(c->mods, m);
        if (m->dwfl)
            dwfl_end(m->dwfl);
        free(m);
    }
    free(c);
}

/* The file is only believed when its build id is the one the process loaded. */
static int sym_build_id_ok(Dwfl_Module *mod, const struct segread_module *m)
{
    const unsigned char *bits;
    GElf_Addr vaddr;
    if (m->build_id_len == 0)
        return 1;
    int len = dwfl_module_build_id(mod, &bits, &vaddr);
    return len == (int)m->build_id_len && memcmp(bits, m->build_id, (size_t)len) == 0;
}

static void sym_open(struct sym_mod *e, const char *path, const struct segread_module *m)
{
    /* the path comes from a segment: only a regular file (a FIFO would block).
     * libdwfl opens the very file we checked, by its descriptor's name. */
    char byfd[64];
    int fd = open_regular(path);
    if (fd < 0)
        return;
    snprintf(byfd, sizeof byfd, "/proc/self/fd/%d", fd);
    Dwfl *d = dwfl_begin(&sym_callbacks);
    if (!d) {
        close(fd);
        return;
    }
    Dwfl_Module *mod = dwfl_report_elf(d, path, byfd, -1, 0, false);
    dwfl_report_end(d, NULL, NULL);
    close(fd);
    if (!mod || !sym_build_id_ok(mod, m)) {
        dwfl_end(d);
        return;
    }
    e->dwfl = d;
    e->mod = mod;
}

static struct sym_mod *sym_module(struct sym_cache *c, const char *path,
                                  const struct segread_module *m)
{
    struct sym_mod *e;
    char key[sizeof e->key];
    size_t n = strlen(path);
    memset(key, 0, sizeof key);
    memcpy(key, path, n < HT_PATH_MAX ? n : HT_PATH_MAX - 1);
    char *p = key + strlen(key) + 1;
    for (uint32_t i = 0; i < m->build_id_len && i < HT_BUILD_ID_MAX; i++, p += 2) {
        static const char hex[] = "0123456789abcdef";
        p[0] = hex[m->build_id[i] >> 4];
        p[1] = hex[m->build_id[i] & 15];
    }
    HASH_FIND(hh, c->mods, key, sizeof key, e);
    if (e)
        return e;
    e = calloc(1, sizeof *e);
    if (!e)
        err(1, "malloc");
    memcpy(e->key, key, sizeof key);
    if (path[0] == '/')
        sym_open(e, path, m);
    HASH_ADD(hh, c->mods, key, sizeof e->key, e);
    return e;
}

/* Every name from a file (debug info, symbol tables) enters here: made
 * printable, since a #line directive can put escape sequences in a file name. */
static void sym_copy(char *dst, size_t n, const char *src)
{
    text_safe(dst, n, src ? src : "");
}

/* libstdc++'s demangler (the tool links it): C++ names as people read them. */
char *__cxa_demangle(const char *mangled, char *buf, size_t *len, int *status);

static void sym_func(char *dst, size_t n, const char *name)
{
    int status = -1;
    char *plain = name && name[0] == '_' && name[1] == 'Z'
        ? __cxa_demangle(name, NULL, NULL, &status) : NULL;
    sym_copy(dst, n, status == 0 && plain ? plain : name);
    free(plain);
}

/* The name of a function DIE, following abstract origins (inlined copies):
 * the linkage name demangled when there is one (C++), else the plain name. */
static int sym_die_name(Dwarf_Die *die, char *dst, size_t n)
{
    Dwarf_Attribute attr;
    const char *name = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_linkage_name, &attr));
    if (!name)
        name = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_MIPS_linkage_name, &attr));
    if (!name)
        name = dwarf_diename(die);
    if (!name)
        return -1;
    sym_func(dst, n, name);
    return 0;
}

/* The innermost function holding addr per the debug info, inlined ones
 * included: a leak in a function inlined into its caller still names it. */
static int sym_inline_name(Dwfl_Module *mod, GElf_Addr addr, char *dst, size_t n)
{
    Dwarf_Addr bias;
    Dwarf_Die *cu = dwfl_module_addrdie(mod, addr, &bias);
    Dwarf_Die *scopes = NULL;
    int rc = -1;
    if (!cu)
        return -1;
    int k = dwarf_getscopes(cu, addr - bias, &scopes);
    for (int i = 0; i < k; i++) {
        int tag = dwarf_tag(&scopes[i]);
        if (tag == DW_TAG_subprogram || tag == DW_TAG_inlined_subroutine) {
            rc = sym_die_name(&scopes[i], dst, n);
            break;
        }
    }
    free(scopes);
    return rc;
}

static void sym_resolve(struct sym_addr *a)
{
    const struct sym_mod *e = a->key.mod;
    GElf_Addr addr = (GElf_Addr)a->key.file_addr;
    if (!e->mod || addr == 0)
        return;
    GElf_Addr look = addr - 1; /* inside the call instruction, not after it */
    GElf_Off off;
    GElf_Sym sym;
    if (sym_inline_name(e->mod, look, a->func, sizeof a->func) != 0)
        sym_func(a->func, sizeof a->func,
                 dwfl_module_addrinfo(e->mod, look, &off, &sym, NULL, NULL, NULL));
    Dwfl_Line *line = dwfl_module_getsrc(e->mod, look);
    int lineno = 0;
    if (line) {
        const char *file = dwfl_lineinfo(line, NULL, &lineno, NULL, NULL, NULL);
        sym_copy(a->file, sizeof a->file, file);
        a->line = file ? lineno : 0;
    }
}

int sym_lookup(struct sym_cache *c, const struct segread_snap *snap, uint64_t addr,
               struct sym_info *out)
{
    memset(out, 0, sizeof *out);
    const struct segread_module *m = addr ? site_module(snap, addr) : NULL;
    if (!m)
        return -1;
    sym_copy(out->module, sizeof out->module, site_module_name(snap, m));
    out->offset = addr - m->base;
    const char *path = m->path[0] ? m->path : snap->exe;
    struct sym_mod *e;
    if (c->last && m == c->last_m && !memcmp(m, &c->last_copy, sizeof *m)) {
        e = c->last;
    } else {
        e = sym_module(c, path, m);
        c->last_m = m;
        c->last_copy = *m;
        c->last = e;
    }

    struct sym_addr_key key = { .mod = e, .file_addr = addr - m->bias };
    struct sym_addr *a;
    HASH_FIND(hh, c->addrs, &key, sizeof key, a);
    if (!a) {
        a = calloc(1, sizeof *a);
        if (!a)
            err(1, "malloc");
        a->key = key;
        sym_resolve(a);
        HASH_ADD(hh, c->addrs, key, sizeof key, a);
    }
    memcpy(out->func, a->func, sizeof out->func);
    memcpy(out->file, a->file, sizeof out->file);
    out->line = a->line;
    return 0;
}
