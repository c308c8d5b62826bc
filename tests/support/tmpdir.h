/* SPDX-License-Identifier: MIT
 * tmpdir.h - a private directory for a test's files: made under /tmp with a
 * unique name, and removed with everything in it (no shell involved).
 */
#ifndef HT_TMPDIR_H
#define HT_TMPDIR_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>

/* Makes /tmp/<prefix>XXXXXX, its name in dir (cap bytes). Returns 0 or -1. */
static inline int tmpdir_make(char *dir, size_t cap, const char *prefix)
{
    int n = snprintf(dir, cap, "/tmp/%sXXXXXX", prefix);
    return n > 0 && (size_t)n < cap && mkdtemp(dir) ? 0 : -1;
}

static inline int tmpdir_remove_one(const char *path, const struct stat *st, int type,
                                    struct FTW *ftw)
{
    (void)st, (void)type, (void)ftw;
    return remove(path);
}

/* Removes dir and everything below it (links are removed, not followed).
 * Returns 0 or -1. */
static inline int tmpdir_remove(const char *dir)
{
    return nftw(dir, tmpdir_remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

#endif
