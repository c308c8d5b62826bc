/* SPDX-License-Identifier: MIT
 * tags.c - explicit tags: a block tagged with HEAPTAG_SCOPE, single
 * allocations with heaptag_alloc, and libc's own allocations inside a scope.
 * Runs the same without the shim. Try: heaptag run -- build/examples/tags
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "heaptag.h"

int main(void)
{
    char *names[100];
    HEAPTAG_SCOPE("Name") {
        for (int i = 0; i < 100; i++) {
            char buf[32];
            snprintf(buf, sizeof buf, "name-%d", i);
            names[i] = strdup(buf); /* libc's allocation, counted under Name */
        }
    }
    void *table = heaptag_alloc("Tabl", 4096);
    printf("100 names under Name, 4096 bytes under Tabl; pid %d\n", (int)getpid());
    for (int i = 0; i < 100; i++)
        free(names[i]);
    free(table);
    return 0;
}
