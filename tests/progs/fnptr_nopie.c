/* SPDX-License-Identifier: MIT
 * fnptr_nopie.c - built non-PIE, it takes malloc's and free's addresses in
 * code, so the executable carries canonical PLT entries for them (undefined
 * symbols with a value), as Debian's python3 and node do. The shim must count
 * it all the same: 100 malloc+free through the pointers, 10 calloc, 10
 * realloc growths, then it prints "ok".
 */
#include <stdio.h>
#include <stdlib.h>

void *(*volatile alloc_fn)(size_t);
void (*volatile free_fn)(void *);

int main(void)
{
    alloc_fn = malloc;
    free_fn = free;
    for (int i = 0; i < 100; i++)
        free_fn(alloc_fn(32 + (size_t)i));
    for (int i = 0; i < 10; i++) {
        char *p = calloc(4, 8), *q = realloc(p, 4096);
        free(q ? q : p);
    }
    puts("ok");
    return 0;
}
