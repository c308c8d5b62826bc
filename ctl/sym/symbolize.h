/*
 * sym/symbolize.h - call-site addresses to function, file:line and module, from
 * the module map a segment records (path, load bias, build id). Works on
 * files on disk, never on the live process, so exited processes symbolise
 * too. A cache keeps every module opened and every address resolved, across
 * snapshots and refreshes. A file whose build id differs from the one
 * recorded is not trusted for names.
 */
#ifndef HT_SYMBOLIZE_H
#define HT_SYMBOLIZE_H

#include <stdint.h>

#include "segment/reader.h"

struct sym_info {
    char     func[256];   /* "" when unknown */
    char     file[512];   /* "" when unknown */
    int      line;        /* 0 when unknown */
    char     module[256]; /* last path component, "" when no module holds addr */
    uint64_t offset;      /* addr - module base (as in "module+0xoff") */
};

struct sym_cache;

struct sym_cache *sym_cache_new(void);
void sym_cache_free(struct sym_cache *cache);

/* Resolves a return address (the line is the call's: addr - 1 is looked up).
 * Returns 0 when a module of snap holds addr (module and offset filled, func,
 * file and line when the file has them), -1 otherwise (out holds "" and 0s). */
int sym_lookup(struct sym_cache *cache, const struct segread_snap *snap, uint64_t addr,
               struct sym_info *out);

#endif
