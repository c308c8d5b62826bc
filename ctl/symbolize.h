/*
 * symbolize.h - code addresses of a snapshot to function, file:line and
 * module, read offline with elfutils (libdwfl) from the module map the shim
 * kept (path, bias, build id), so an exited process's segment still
 * symbolises. Results are cached per module file and address. A module whose
 * file is gone or was replaced (build id differs) gives module+offset only.
 */
#ifndef HT_SYMBOLIZE_H
#define HT_SYMBOLIZE_H

#include <stdint.h>

#include "segment_reader.h"

struct sym_cache;

struct sym_info {
    const char *function; /* demangled; NULL when unknown */
    const char *file;     /* source file; NULL when unknown */
    int         line;     /* 0 when unknown */
    const char *module;   /* last path component; NULL when no module holds addr */
    uint64_t    offset;   /* addr - module bias (file address), 0 without module */
};

struct sym_cache *sym_cache_new(void);
void sym_cache_free(struct sym_cache *c);

/* Looks addr up among snap's modules. For a return address pass ret - 1, so
 * the call, not the next line, is named. Strings in *out live as long as the
 * cache. Returns 0 when a module holds addr (function and file may still be
 * unknown), -1 when none does (out->module NULL). */
int sym_lookup(struct sym_cache *c, const struct segread_snap *snap, uint64_t addr,
               struct sym_info *out);

#endif
