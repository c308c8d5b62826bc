/* SPDX-License-Identifier: MIT
 * sym/site_name.h - names for call sites and rows: the module that holds an
 * address, "module+0xoffset" (stable across ASLR), and the label of a row as
 * the Tag column shows it. Function names come later.
 */
#ifndef HT_SITE_NAME_H
#define HT_SITE_NAME_H

#include <stddef.h>
#include <stdint.h>

#include "segment/reader.h"

/* The module whose [base, base + size) holds addr (loaded ones first), or NULL. */
const struct segread_module *site_module(const struct segread_snap *snap, uint64_t addr);

/* The same, module index hint first when it holds addr: a row of code that
 * was unloaded names its module (the shim records it), whatever was loaded
 * at that address since. hint: SEGREAD_NO_MODULE for none. */
const struct segread_module *site_module_near(const struct segread_snap *snap, uint64_t addr,
                                              uint32_t hint);

/* The hint a row gives for its site and stacks: the module a site or tag row
 * was charged in when that module was unloaded, else none. */
static inline uint32_t site_row_hint(const struct segread_row *r)
{
    return r && (r->kind == HT_KIND_SITE || r->kind == HT_KIND_TAG) ? r->module
                                                                     : SEGREAD_NO_MODULE;
}

/* The last path component of a module: its path's, or the exe's when the
 * module has no path (the main program), or "?". */
const char *site_module_name(const struct segread_snap *snap, const struct segread_module *m);

/* "libfoo.so.1+0x1a2b" when a module holds addr, else "0x7f..."; "-" for 0. */
void site_format(char *buf, size_t n, const struct segread_snap *snap, uint64_t addr);
void site_format_near(char *buf, size_t n, const struct segread_snap *snap, uint64_t addr,
                      uint32_t hint);

/* "0x55d1c0a01234 app+0x1234" (address, then module and offset when known);
 * "-" for no site. */
void site_format_full(char *buf, size_t n, const struct segread_snap *snap, uint64_t addr);

/* What the Tag column says: the tag of a tagged row, the module of a module
 * row, the site of a site row, "(overflow)" for the overflow row. */
void site_row_label(char *buf, size_t n, const struct segread_snap *snap,
                    const struct segread_row *row);

/* "Tag", "Site", "Mod", "Ovfl". */
const char *site_kind_name(uint32_t kind);

#endif
