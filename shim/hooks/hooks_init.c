/* SPDX-License-Identifier: MIT
 * hooks_init.c - starts the shim when the library is loaded. Kept with the
 * hooks, out of the core: the unit tests link the core and call ht_init()
 * themselves, so their runner never gets a segment of its own.
 */
#include "core/alloc.h"

__attribute__((constructor)) static void ht_constructor(void)
{
    ht_init();
}
