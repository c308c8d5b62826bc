/* SPDX-License-Identifier: MIT
 * fuzz_wrapsyms.c - libFuzzer target: the shim's reader of a module's ELF
 * symbol table (shim/callers/wrapsyms.c). The input is the file; whatever it holds,
 * the reader must not read outside it, and the spans it keeps must be sorted,
 * disjoint and each one a wrapper function's.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "callers/wrapsyms.h"
#include "fuzz_file.h"

static int any_z(const char *name) { return name[0] == '_' && name[1] == 'Z'; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_file("wrapsyms", data, size);
    if (!path)
        return 0;
    struct ht_wrapsyms w;
    if (ht_wrapsyms_build(path, 0x1000, any_z, &w) != 0)
        return 0;
    for (uint64_t i = 0; i < w.n; i++) {
        uint64_t lo = w.spans[2 * i], hi = w.spans[2 * i + 1];
        if (lo >= hi || (i && lo <= w.spans[2 * i - 1]))
            abort(); /* empty, unsorted or overlapping */
        if (!ht_wrapsyms_has(&w, lo) || !ht_wrapsyms_has(&w, hi - 1) || ht_wrapsyms_has(&w, hi))
            abort();
    }
    if (w.spans)
        munmap((void *)w.spans, w.n * 2 * sizeof(uint64_t));
    return 0;
}
