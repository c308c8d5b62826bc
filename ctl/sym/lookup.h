/* SPDX-License-Identifier: MIT
 * sym/lookup.h - a call site as a log recorded it ("module+0xoff", offsets
 * from the module's lowest loaded address) back to its module's file, for
 * symbolize.h's sym_lookup_file. Never trusts the text: a site it cannot
 * parse or a module it cannot find just yields no file.
 */
#ifndef HT_SYM_LOOKUP_H
#define HT_SYM_LOOKUP_H

#include <stddef.h>
#include <stdint.h>

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
