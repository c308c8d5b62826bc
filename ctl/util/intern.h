/* SPDX-License-Identifier: MIT
 * util/intern.h - a set of strings, one stable copy of each: equal strings,
 * equal pointers, so readers compare and group by pointer. Open addressing,
 * kept at most half full; exits on out of memory, like the rest of the tool.
 */
#ifndef HT_INTERN_H
#define HT_INTERN_H

#include <stddef.h>

struct intern {
    char **slot;
    size_t cap, used;
};

/* The copy of the n bytes at s (a NUL-terminated copy; s need not be). */
const char *intern_str(struct intern *in, const char *s, size_t n);

/* Frees every copy and the set; *in is empty after. */
void intern_free(struct intern *in);

#endif
