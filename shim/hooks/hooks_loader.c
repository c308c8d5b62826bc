/* SPDX-License-Identifier: MIT
 * hooks_loader.c - dlclose, so that an object going away is noticed at once
 * (its rows, cached classes and unwind rules dropped before another object
 * can be loaded at its address) without the allocation path ever scanning
 * the loader's list. dlopen is not taken over: the loader reads its caller's
 * address (RUNPATH, namespace), and objects loaded since are found lock-free
 * on the allocation path (modules.h).
 */
#include <stddef.h>

#include "callers/sites.h"
#include "core/next.h"

HT_EXPORT int dlclose(void *handle)
{
    static void *slot;
    int (*real)(void *) = (int (*)(void *))ht_next_sym(&slot, "dlclose");
    if (!real)
        return -1;
    int rc = real(handle);
    if (rc == 0 && !(ht_next_resolve() == 0 && ht_next_passive()))
        ht_sites_after_dlclose();
    return rc;
}
