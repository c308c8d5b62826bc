/* SPDX-License-Identifier: MIT
 * huntwrap.c - libhuntwrap.so: an allocation wrapper in a shared library, as
 * programs have them (xmalloc); the leak is its caller's. */
#include <stdlib.h>
#include <string.h>

void *hunt_wrap_alloc(size_t n);

void *hunt_wrap_alloc(size_t n)
{
    void *p = malloc(n);
    if (p)
        memset(p, 0, n < 32 ? n : 32);
    return p;
}
