/* SPDX-License-Identifier: MIT
 * sym/symbolize.c - the symbol cache over elfutils' libdwfl and libdw,
 * offline: each module file is reported on its own at bias 0, so a file
 * address is the segment's address minus the recorded bias (or the module's
 * lowest loaded address plus the logged offset). Failures are cached like
 * successes, so a missing file costs one open per run. Never reads the
 * target's memory, never keeps a name with a control byte in it.
 */
#include "sym/symbolize.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <err.h>
#include <gelf.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <unistd.h>
#include <uthash.h>

#include "sym/site_name.h"
#include "util/open_regular.h"
#include "util/text_safe.h"

#define SYM_MAX_CHAIN 32 /* inline levels kept; deeper ones are cut at the inside */

/* One module file, keyed by path and expected build id. */
struct sym_mod {
    char key[HT_PATH_MAX + 2 * HT_BUILD_ID_MAX + 2];
    Dwfl *dwfl;          /* NULL when the file could not be used */
    Dwfl_Module *mod;
    uint64_t lo;         /* lowest PT_LOAD address: "module+0x0" */
    int library;         /* libc, libstdc++, the loader: none of it the program's own */
    char name[256];      /* last path component */
    UT_hash_handle hh;
};

struct sym_addr_key {
    const struct sym_mod *mod;
    uint64_t file_addr;
};

struct sym_addr {
    struct sym_addr_key key;
    struct sym_frame *chain;
    size_t depth;
    size_t naming;       /* index of the naming frame in chain */
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

static void *sym_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);
    if (!p)
        err(1, "malloc");
    return p;
}

/* A copy of src (NULL: "") made printable. Every name from a file (debug
 * info, symbol tables) enters here, since a #line directive can put escape
 * sequences in a file name. */
static char *sym_strdup(const char *src)
{
    if (!src)
        src = "";
    size_t cap = 4 * strlen(src) + 1; /* each byte at most "\xNN" */
    char *s = sym_xcalloc(cap, 1);
    text_safe(s, cap, src);
    return s;
}

/* A source path with "." and ".." resolved by its text (clang writes
 * "/usr/bin/../lib/gcc/.../../../../include/c++/12/..."), so it reads, and
 * classifies, as the file it is. Relative paths keep leading "..". */
static char *sym_path_dup(const char *src)
{
    char *s = sym_strdup(src);
    char *out = s, *p = s;
    int absolute = *p == '/';
    size_t keep = absolute; /* bytes of out that ".." may not remove */
    size_t o = absolute;
    if (absolute)
        p++;
    while (*p) {
        size_t n = strcspn(p, "/");
        if ((n == 1 && p[0] == '.') || n == 0) {
            /* skip "." and empty parts */
        } else if (n == 2 && p[0] == '.' && p[1] == '.' && o > keep) {
            while (o > keep && out[o - 1] != '/')
                o--;
            if (o > keep)
                o--; /* the slash before the removed part */
        } else {
            if (o > (size_t)absolute)
                out[o++] = '/';
            memmove(out + o, p, n);
            o += n;
            if (n == 2 && p[0] == '.' && p[1] == '.')
                keep = o; /* a leading ".." of a relative path stays */
        }
        p += n;
        if (*p == '/')
            p++;
    }
    out[o] = '\0';
    return s;
}

struct sym_cache *sym_cache_new(void)
{
    return sym_xcalloc(1, sizeof(struct sym_cache));
}

static void sym_addr_free(struct sym_addr *a)
{
    for (size_t i = 0; i < a->depth; i++) {
        free((char *)a->chain[i].func);
        free((char *)a->chain[i].file);
    }
    free(a->chain);
    free(a);
}

void sym_cache_free(struct sym_cache *c)
{
    if (!c)
        return;
    struct sym_mod *m, *mt;
    struct sym_addr *a, *at;
    HASH_ITER(hh, c->addrs, a, at) {
        HASH_DEL(c->addrs, a);
        sym_addr_free(a);
    }
    HASH_ITER(hh, c->mods, m, mt) {
        HASH_DEL(c->mods, m);
        if (m->dwfl)
            dwfl_end(m->dwfl);
        free(m);
    }
    free(c);
}

static const char *sym_base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* Modules whose code is never the program's own, whatever their debug info says. */
static int sym_library_module(const char *name)
{
    static const char *const libs[] = { "libc.so", "libc-", "libstdc++", "ld-linux", "ld64.so",
                                        "libm.so", "libpthread", "libgcc_s", "libheaptag" };
    for (size_t i = 0; i < sizeof libs / sizeof libs[0]; i++)
        if (!strncmp(name, libs[i], strlen(libs[i])))
            return 1;
    return 0;
}

/* Source files that are the compiler's, libc's or heaptag's, not the program's. */
static int sym_library_file(const char *file)
{
    static const char *const dirs[] = { "/usr/include/", "/usr/lib/gcc/", "/usr/lib/gcc-cross/",
                                        "/usr/lib/clang/", "/usr/lib/llvm-" };
    static const char *const parts[] = { "/libstdc++-v3/", "/glibc-", "/gcc/include/",
                                         "/c++/v1/" };
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++)
        if (!strncmp(file, dirs[i], strlen(dirs[i])))
            return 1;
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
        if (strstr(file, parts[i]))
            return 1;
    return !strcmp(sym_base_name(file), "heaptag.h");
}

/* The file is only believed when its build id is the one the process loaded. */
static int sym_build_id_ok(Dwfl_Module *mod, const uint8_t *id, size_t len)
{
    const unsigned char *bits;
    GElf_Addr vaddr;
    if (len == 0)
        return 1;
    int got = dwfl_module_build_id(mod, &bits, &vaddr);
    return got == (int)len && memcmp(bits, id, len) == 0;
}

static uint64_t sym_lowest_load(Dwfl_Module *mod)
{
    GElf_Addr bias;
    Elf *elf = dwfl_module_getelf(mod, &bias);
    size_t phnum;
    uint64_t lo = UINT64_MAX;
    if (!elf || elf_getphdrnum(elf, &phnum) != 0)
        return 0;
    for (size_t i = 0; i < phnum; i++) {
        GElf_Phdr ph;
        if (gelf_getphdr(elf, (int)i, &ph) && ph.p_type == PT_LOAD && ph.p_vaddr < lo)
            lo = ph.p_vaddr;
    }
    return lo == UINT64_MAX ? 0 : lo;
}

static void sym_open(struct sym_mod *e, const char *path, const uint8_t *id, size_t id_len)
{
    /* the path comes from a segment or a log: only a regular file (a FIFO
     * would block). libdwfl opens the very file we checked, by its
     * descriptor's name. */
    char byfd[64];
    int fd = path[0] == '/' ? open_regular(path) : -1;
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
    if (!mod || !sym_build_id_ok(mod, id, id_len)) {
        dwfl_end(d);
        return;
    }
    e->dwfl = d;
    e->mod = mod;
    e->lo = sym_lowest_load(mod);
}

static struct sym_mod *sym_module(struct sym_cache *c, const char *path, const uint8_t *id,
                                  size_t id_len, const char *name)
{
    struct sym_mod *e;
    char key[sizeof e->key];
    size_t n = strlen(path);
    memset(key, 0, sizeof key);
    memcpy(key, path, n < HT_PATH_MAX ? n : HT_PATH_MAX - 1);
    sym_build_id_hex(key + strlen(key) + 1, 2 * HT_BUILD_ID_MAX + 1, id,
                     id_len < HT_BUILD_ID_MAX ? id_len : HT_BUILD_ID_MAX);
    HASH_FIND(hh, c->mods, key, sizeof key, e);
    if (e)
        return e;
    e = sym_xcalloc(1, sizeof *e);
    memcpy(e->key, key, sizeof key);
    snprintf(e->name, sizeof e->name, "%s", name);
    e->library = sym_library_module(e->name);
    sym_open(e, path, id, id_len);
    HASH_ADD(hh, c->mods, key, sizeof e->key, e);
    return e;
}

/* libstdc++'s demangler (the tool links it): C++ names as people read them. */
char *__cxa_demangle(const char *mangled, char *buf, size_t *len, int *status);

static char *sym_demangled(const char *name)
{
    int status = -1;
    char *plain = name && name[0] == '_' && name[1] == 'Z'
        ? __cxa_demangle(name, NULL, NULL, &status) : NULL;
    char *out = sym_strdup(status == 0 && plain ? plain : name);
    free(plain);
    return out;
}

/* The name of a function DIE, following abstract origins (inlined copies)
 * and specifications: the linkage name demangled when there is one (C++),
 * else the plain name; NULL when it has none. */
static char *sym_die_name(Dwarf_Die *die)
{
    Dwarf_Attribute attr;
    const char *name = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_linkage_name, &attr));
    if (!name)
        name = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_MIPS_linkage_name, &attr));
    if (!name)
        name = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_name, &attr));
    return name ? sym_demangled(name) : NULL;
}

/* The file a DW_AT_call_file index names in the unit cu, or NULL. */
static const char *sym_call_file(Dwarf_Die *cu, Dwarf_Die *scope)
{
    Dwarf_Attribute attr;
    Dwarf_Word idx;
    Dwarf_Files *files;
    size_t nfiles;
    if (dwarf_formudata(dwarf_attr(scope, DW_AT_call_file, &attr), &idx) != 0 ||
        dwarf_getsrcfiles(cu, &files, &nfiles) != 0 || idx >= nfiles)
        return NULL;
    return dwarf_filesrc(files, idx, NULL, NULL);
}

static int sym_call_line(Dwarf_Die *scope)
{
    Dwarf_Attribute attr;
    Dwarf_Word line;
    if (dwarf_formudata(dwarf_attr(scope, DW_AT_call_line, &attr), &line) != 0 ||
        line > INT32_MAX)
        return 0;
    return (int)line;
}

/* The unit holding addr. libdw finds it through .debug_aranges, which clang
 * does not write by default: without them, every unit's ranges are asked. */
static Dwarf_Die *sym_unit(Dwfl_Module *mod, GElf_Addr addr, Dwarf_Addr *bias)
{
    Dwarf_Die *cu = dwfl_module_addrdie(mod, addr, bias);
    while (!cu && (cu = dwfl_module_nextcu(mod, cu, bias)))
        if (dwarf_haspc(cu, addr - *bias) > 0)
            return cu;
    return cu;
}

/* The line table's file and line for addr, from unit cu when there is one
 * (the fallback above), else libdwfl's own look-up. */
static const char *sym_line(Dwfl_Module *mod, Dwarf_Die *cu, Dwarf_Addr bias, GElf_Addr addr,
                            int *line)
{
    *line = 0;
    Dwfl_Line *l = dwfl_module_getsrc(mod, addr);
    if (l)
        return dwfl_lineinfo(l, NULL, line, NULL, NULL, NULL);
    Dwarf_Line *dl = cu ? dwarf_getsrc_die(cu, addr - bias) : NULL;
    const char *file = dl ? dwarf_linesrc(dl, NULL, NULL) : NULL;
    if (file && dwarf_lineno(dl, line) != 0)
        *line = 0;
    return file;
}

/* The inline chain at look from the debug info, innermost first: each
 * inlined copy at the line the line table (innermost) or the inlined call
 * below it (the others) gives. dwarf_getscopes finds the innermost function
 * scope; its parents in the concrete tree (dwarf_getscopes_die) are the
 * functions it was inlined into, as eu-addr2line -i walks them. Returns the
 * depth, 0 without debug info. */
static size_t sym_chain(Dwfl_Module *mod, GElf_Addr look, struct sym_frame *out)
{
    Dwarf_Addr bias;
    Dwarf_Die *cu = sym_unit(mod, look, &bias);
    Dwarf_Die *scopes = NULL, *chain = NULL;
    size_t depth = 0;
    if (!cu)
        return 0;
    int k = dwarf_getscopes(cu, look - bias, &scopes);
    int i0 = -1;
    for (int i = 0; i < k && i0 < 0; i++) {
        int tag = dwarf_tag(&scopes[i]);
        if (tag == DW_TAG_subprogram || tag == DW_TAG_inlined_subroutine)
            i0 = i;
    }
    int nc = i0 >= 0 ? dwarf_getscopes_die(&scopes[i0], &chain) : 0;
    int line;
    const char *file = sym_line(mod, cu, bias, look, &line);
    for (int i = 0; i < nc && depth < SYM_MAX_CHAIN; i++) {
        int tag = dwarf_tag(&chain[i]);
        if (tag != DW_TAG_subprogram && tag != DW_TAG_inlined_subroutine)
            continue;
        char *name = sym_die_name(&chain[i]);
        out[depth].func = name ? name : sym_strdup("");
        out[depth].file = sym_path_dup(file);
        out[depth].line = file ? line : 0;
        depth++;
        if (tag == DW_TAG_subprogram)
            break; /* the function the code lives in: the chain ends */
        /* the next level out runs at the call that inlined this one */
        file = sym_call_file(cu, &chain[i]);
        line = sym_call_line(&chain[i]);
    }
    free(chain);
    free(scopes);
    return depth;
}

static void sym_resolve(struct sym_addr *a)
{
    const struct sym_mod *e = a->key.mod;
    GElf_Addr addr = (GElf_Addr)a->key.file_addr;
    struct sym_frame chain[SYM_MAX_CHAIN];
    size_t depth = 0;
    if (e->mod && addr != 0) {
        GElf_Addr look = addr - 1; /* inside the call instruction, not after it */
        depth = sym_chain(e->mod, look, chain);
        if (depth == 0) {
            /* no debug info for it: the symbol table and whatever lines there are */
            GElf_Off off;
            GElf_Sym sym;
            Dwarf_Addr bias;
            int line;
            const char *file = sym_line(e->mod, sym_unit(e->mod, look, &bias), bias, look, &line);
            chain[0].func = sym_demangled(
                dwfl_module_addrinfo(e->mod, look, &off, &sym, NULL, NULL, NULL));
            chain[0].file = sym_path_dup(file);
            chain[0].line = file ? line : 0;
            depth = 1;
        }
    }
    /* the innermost frame of the program's own; none: the function the code is in */
    a->naming = depth ? depth - 1 : 0;
    for (size_t i = depth; i-- > 0;) {
        chain[i].own = !e->library && !sym_library_file(chain[i].file);
        if (chain[i].own)
            a->naming = i;
    }
    if (depth) {
        a->chain = sym_xcalloc(depth, sizeof *a->chain);
        memcpy(a->chain, chain, depth * sizeof *chain);
    }
    a->depth = depth;
}

static void sym_fill(struct sym_cache *c, struct sym_mod *e, uint64_t file_addr,
                     struct sym_info *out)
{
    struct sym_addr_key key = { .mod = e, .file_addr = file_addr };
    struct sym_addr *a;
    HASH_FIND(hh, c->addrs, &key, sizeof key, a);
    if (!a) {
        a = sym_xcalloc(1, sizeof *a);
        a->key = key;
        sym_resolve(a);
        HASH_ADD(hh, c->addrs, key, sizeof key, a);
    }
    out->chain = a->chain;
    out->depth = a->depth;
    if (a->depth) {
        out->func = a->chain[a->naming].func;
        out->file = a->chain[a->naming].file;
        out->line = a->chain[a->naming].line;
    }
}

static void sym_clear(struct sym_info *out)
{
    memset(out, 0, sizeof *out);
    out->func = "";
    out->file = "";
}

int sym_lookup(struct sym_cache *c, const struct segread_snap *snap, uint64_t addr,
               struct sym_info *out)
{
    return sym_lookup_near(c, snap, addr, SEGREAD_NO_MODULE, out);
}

int sym_lookup_near(struct sym_cache *c, const struct segread_snap *snap, uint64_t addr,
                    uint32_t hint, struct sym_info *out)
{
    sym_clear(out);
    const struct segread_module *m = addr ? site_module_near(snap, addr, hint) : NULL;
    if (!m)
        return -1;
    snprintf(out->module, sizeof out->module, "%s", site_module_name(snap, m));
    out->offset = addr - m->base;
    const char *path = m->path[0] ? m->path : snap->exe;
    struct sym_mod *e;
    if (c->last && m == c->last_m && !memcmp(m, &c->last_copy, sizeof *m)) {
        e = c->last;
    } else {
        e = sym_module(c, path, m->build_id, m->build_id_len, out->module);
        c->last_m = m;
        c->last_copy = *m;
        c->last = e;
    }
    sym_fill(c, e, addr - m->bias, out);
    return 0;
}

int sym_lookup_file(struct sym_cache *c, const char *path, const uint8_t *build_id,
                    size_t build_id_len, uint64_t offset, struct sym_info *out)
{
    sym_clear(out);
    snprintf(out->module, sizeof out->module, "%s", sym_base_name(path));
    out->offset = offset;
    struct sym_mod *e = sym_module(c, path, build_id, build_id_len, out->module);
    if (!e->mod)
        return -1;
    sym_fill(c, e, e->lo + offset, out);
    return 0;
}

void sym_where(char *buf, size_t n, const struct sym_info *si)
{
    if (si->file[0])
        snprintf(buf, n, "%s:%d", si->file, si->line);
    else if (n)
        buf[0] = '\0';
}

void sym_describe(char *buf, size_t n, const struct sym_info *si, int known, uint64_t addr)
{
    if (!known)
        snprintf(buf, n, "?? ??:0 0x%" PRIx64, addr);
    else
        snprintf(buf, n, "%s %s:%d %s+0x%" PRIx64, si->func[0] ? si->func : "??",
                 si->file[0] ? si->file : "??", si->line, si->module, si->offset);
}

size_t sym_build_id_parse(const char *hex, uint8_t *out, size_t max)
{
    size_t len = strlen(hex);
    if (len == 0 || len % 2 || len / 2 > max)
        return 0;
    for (size_t i = 0; i < len / 2; i++) {
        unsigned v = 0;
        for (int k = 0; k < 2; k++) {
            char ch = hex[2 * i + (size_t)k];
            unsigned d = ch >= '0' && ch <= '9' ? (unsigned)(ch - '0')
                         : ch >= 'a' && ch <= 'f' ? (unsigned)(ch - 'a' + 10)
                         : ch >= 'A' && ch <= 'F' ? (unsigned)(ch - 'A' + 10) : 16u;
            if (d > 15)
                return 0;
            v = v * 16 + d;
        }
        out[i] = (uint8_t)v;
    }
    return len / 2;
}

void sym_build_id_hex(char *buf, size_t n, const uint8_t *id, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    for (size_t i = 0; i < len && o + 2 < n; i++) {
        buf[o++] = hex[id[i] >> 4];
        buf[o++] = hex[id[i] & 15];
    }
    if (n)
        buf[o] = '\0';
}
