/* SPDX-License-Identifier: MIT
 * plug.c - a plugin built twice (libplugA.so with -DPLUG_NAME=plugA_fill,
 * libplugB.so with -DPLUG_NAME=plugB_fill), the same size and layout, so
 * that B loaded after A was closed lands at A's address (tests/progs/callers
 * dlswap). plug_alloc() allocates in PLUG_NAME(), the site a row is charged to.
 */
#include <stdlib.h>

__attribute__((noinline)) void *PLUG_NAME(size_t n)
{
    void *p = malloc(n);
    __asm__ volatile("" ::: "memory");
    return p;
}

void *plug_alloc(size_t n)
{
    return PLUG_NAME(n);
}
