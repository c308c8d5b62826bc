/* SPDX-License-Identifier: MIT
 * sym/symbolize.h - the one symboliser of the tool: code addresses to the
 * function, file:line and module that name them, for mon, dump, diff, trend,
 * Prometheus and heap-check reports alike. Works on module files on disk (the
 * module map a segment records, or a path and build id a log recorded), never
 * on a live process, so exited processes symbolise too. A file whose build id
 * differs from the one recorded is never used for names.
 *
 * A site is named by the innermost frame of its inline chain that is the
 * program's own code (not a system or compiler header, not libstdc++ or glibc,
 * not heaptag.h), at the line of that frame (the call within it). The whole
 * chain stays available, innermost first. C++ names come demangled.
 */
#ifndef HT_SYMBOLIZE_H
#define HT_SYMBOLIZE_H

#include <stddef.h>
#include <stdint.h>

#include "segment/reader.h"

/* One level of an inline chain. Strings are never NULL ("" when unknown) and
 * hold no control byte; they live as long as the cache. */
struct sym_frame {
    const char *func;  /* demangled */
    const char *file;  /* as the debug info has it, usually an absolute path */
    int line;          /* 0 when unknown */
    int own;           /* 1 when the program's own code, 0 for library code */
};

struct sym_info {
    char     module[256]; /* last path component, "" when no module holds addr */
    uint64_t offset;      /* addr - module base (as in "module+0xoff") */
    /* the naming frame: "" and 0 when unknown */
    const char *func;
    const char *file;
    int      line;
    /* the inline chain, innermost first (chain[depth - 1] is the function the
     * code really lives in); depth 0 without debug info */
    const struct sym_frame *chain;
    size_t   depth;
};

struct sym_cache;

/* A cache of opened module files (per path and build id) and resolved
 * addresses; keep one for a whole run. Exits on out of memory. */
struct sym_cache *sym_cache_new(void);
void sym_cache_free(struct sym_cache *cache);

/* Resolves a return address of a process whose segment is snap (the call is
 * named: addr - 1 is looked up). Returns 0 when a module of snap holds addr
 * (module and offset filled, names when the file has them), -1 otherwise
 * (out holds "" and 0s). */
int sym_lookup(struct sym_cache *cache, const struct segread_snap *snap, uint64_t addr,
               struct sym_info *out);

/* The same with a module hint (site_module_near(): a row's unloaded module). */
int sym_lookup_near(struct sym_cache *cache, const struct segread_snap *snap, uint64_t addr,
                    uint32_t hint, struct sym_info *out);

/* The same for a return address given as module+offset (offset from the
 * module's lowest loaded address, as "module+0xoff" reads) of the ELF file at
 * path, used only when its build id is build_id (build_id_len 0: not
 * checked). Returns 0 when the file was usable (names filled when it has
 * them), -1 otherwise; module and offset are filled either way. */
int sym_lookup_file(struct sym_cache *cache, const char *path, const uint8_t *build_id,
                    size_t build_id_len, uint64_t offset, struct sym_info *out);

/* "file.c:42" part of a name: the naming frame's file and line, "" when the
 * file is unknown. */
void sym_where(char *buf, size_t n, const struct sym_info *si);

/* A resolved address as dump and reports print it: "FUNCTION FILE:LINE
 * MODULE+0xOFF", "??" for an unknown function or file; "?? ??:0 0xADDR" when
 * no module holds it (known 0, addr the raw address). */
void sym_describe(char *buf, size_t n, const struct sym_info *si, int known, uint64_t addr);

/* Reads a build id from its hex text ("" or bad: 0). Returns its length. */
size_t sym_build_id_parse(const char *hex, uint8_t *out, size_t max);

/* Writes a build id as lower-case hex ("" when len is 0). */
void sym_build_id_hex(char *buf, size_t n, const uint8_t *id, size_t len);

#endif
