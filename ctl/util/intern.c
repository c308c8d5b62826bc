/* SPDX-License-Identifier: MIT
 * util/intern.c - a set of strings, one stable copy of each (util/intern.h).
 */
#include "util/intern.h"

#include <err.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint64_t hash_bytes(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    return h;
}

const char *intern_str(struct intern *in, const char *s, size_t n)
{
    if (in->used * 2 >= in->cap) {
        size_t cap = in->cap ? in->cap * 2 : 256;
        char **slot = calloc(cap, sizeof *slot);
        if (!slot)
            err(1, "malloc");
        for (size_t i = 0; i < in->cap; i++) {
            if (!in->slot[i])
                continue;
            size_t j = hash_bytes(in->slot[i], strlen(in->slot[i])) & (cap - 1);
            while (slot[j])
                j = (j + 1) & (cap - 1);
            slot[j] = in->slot[i];
        }
        free(in->slot);
        in->slot = slot;
        in->cap = cap;
    }
    size_t j = hash_bytes(s, n) & (in->cap - 1);
    while (in->slot[j]) {
        if (strlen(in->slot[j]) == n && !memcmp(in->slot[j], s, n))
            return in->slot[j];
        j = (j + 1) & (in->cap - 1);
    }
    char *c = malloc(n + 1);
    if (!c)
        err(1, "malloc");
    memcpy(c, s, n);
    c[n] = '\0';
    in->slot[j] = c;
    in->used++;
    return c;
}

void intern_free(struct intern *in)
{
    for (size_t i = 0; i < in->cap; i++)
        free(in->slot[i]);
    free(in->slot);
    *in = (struct intern){ 0 };
}
