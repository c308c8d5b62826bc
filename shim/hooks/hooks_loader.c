/* SPDX-License-Identifier: MIT
 * hooks_loader.c - dlclose, so that an object going away is noticed at once
 * (its rows, cached classes and unwind rules dropped before another object
 * can be loaded at its address) without the allocation path ever scanning
 * the loader's list. dlopen is not taken over: the loader reads its caller's
 * address (RUNPATH, namespace), and objects loaded since are found lock-free
 * on the allocation path (modules.h).
 */
#include <errno.h>
#include <stddef.h>

#include "accounting/rows.h"
#include "base/next.h"
#include "base/state.h"
#include "callers/modules.h"
#include "callers/unwind.h"
#include "ht_atomic.h"

/* After the program's dlclose (not inside malloc): the module table again
 * from the loader's list; the rows and caches of objects gone are dropped. */
static void after_dlclose(void)
{
    struct ht_seg_header *h = ht_state.seg;
    if (!h)
        return;
    int saved = errno;
    ht_enter();
    if (ht_modules_scan_wait(h) > 0) {
        /* an object went away, and another may come at its address: its
         * rows stop taking counts, no cache may answer for its code */
        ht_rows_retire_unloaded();
        ht_epoch_bump();
        ht_unw_flush();
    }
    ht_leave();
    errno = saved;
}


HT_EXPORT int dlclose(void *handle)
{
    static void *slot;
    int (*real)(void *) = (int (*)(void *))ht_next_sym(&slot, "dlclose");
    if (!real)
        return -1;
    int rc = real(handle);
    if (rc == 0 && !(ht_next_resolve() == 0 && ht_next_passive()))
        after_dlclose();
    return rc;
}
