/* SPDX-License-Identifier: MIT
 * util/xsort.h - qsort for arrays that may be empty: an empty array is often a
 * NULL pointer here, which qsort must never be given.
 */
#ifndef HT_XSORT_H
#define HT_XSORT_H

#include <stdlib.h>

static inline void xsort(void *base, size_t n, size_t size,
                         int (*cmp)(const void *, const void *))
{
    if (n > 1)
        qsort(base, n, size, cmp);
}

#endif
