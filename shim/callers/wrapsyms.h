/* SPDX-License-Identifier: MIT
 * wrapsyms.h - one module's allocation-wrapper functions as sorted address
 * ranges, built once from its ELF symbol table; a look-up is a binary search.
 * Never a symbol scan per call site, never a heap allocation.
 */
#ifndef HT_WRAPSYMS_H
#define HT_WRAPSYMS_H

#include <stdint.h>

#include "base/glue.h"

struct ht_wrapsyms {
    const uint64_t *spans; /* n pairs [lo, hi), sorted, disjoint; run-time addresses */
    uint64_t n;
};

/* Reads the ELF file at path (loaded at bias) and keeps the functions whose
 * names is_wrapper() accepts. 0 on success (possibly none), -1 when the file
 * cannot be read. May set errno; opens one descriptor and closes it at once. */
HT_HIDDEN int ht_wrapsyms_build(const char *path, uint64_t bias, int (*is_wrapper)(const char *),
                                struct ht_wrapsyms *out);

/* 1 when addr lies inside one of the spans. */
HT_HIDDEN int ht_wrapsyms_has(const struct ht_wrapsyms *w, uint64_t addr);

#endif
