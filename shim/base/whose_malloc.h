/* SPDX-License-Identifier: MIT
 * whose_malloc.h - whose malloc the program calls: the shim's, or one defined
 * before it (in the executable, or in an object loaded before the shim). The
 * answer decides whether the shim counts or stands aside (passive).
 */
#ifndef HT_WHOSE_MALLOC_H
#define HT_WHOSE_MALLOC_H

#include "base/glue.h"
#include "heaptag_segment.h"

enum ht_whose_malloc {
    HT_MALLOC_OURS        = HT_PASSIVE_NOT,
    HT_MALLOC_EXECUTABLE  = HT_PASSIVE_EXECUTABLE,  /* the program defines malloc */
    HT_MALLOC_LOADED_BEFORE = HT_PASSIVE_LOADED_BEFORE, /* an allocator ahead of the shim */
};

/* ours: the shim's malloc. *who: the object that defines the malloc the
 * program calls when it is not ours ("" otherwise); static storage. */
HT_HIDDEN enum ht_whose_malloc ht_whose_malloc(void *ours, const char **who);

#endif
