/*
 * sym/lookup.h - the function that holds a call site given as "module+0xoff"
 * (offsets from the module's lowest loaded address, as the segment records
 * them), read from the module's ELF symbol tables. Read-only, never trusts
 * the file: a missing, stripped or foreign file just yields no name.
 */
#ifndef HT_SYM_LOOKUP_H
#define HT_SYM_LOOKUP_H

#include <stddef.h>
#include <stdint.h>

/* The name of the function in the ELF file at path that holds the return
 * address path+offset (the call just before it). Returns 0 and fills buf, or -1. */
int sym_function(const char *path, uint64_t offset, char *buf, size_t n);

/* Splits a site text ("0x55d1c0a01234 app+0x1234 [function]" or "app+0x1234")
 * into module name and offset; *func gets a function name the text already
 * carries (or NULL). Returns 0, or -1 when there is no module+offset. */
int sym_parse_site(const char *site, char *module, size_t module_n, uint64_t *offset,
                   const char **func);

/* Finds the file of module (a base name): exe when its base name matches,
 * else the mapping of the same name in /proc/PID/maps while pid lives, else
 * the usual library directories. Returns 0 and fills path, or -1. */
int sym_find_module(const char *module, const char *exe, int pid, char *path, size_t n);

#endif
