/* SPDX-License-Identifier: MIT
 * compact.h - a kept segment, at exit, rewritten to what it used (the compact
 * layout of heaptag_segment.h): one counter set, no bucket index, no unused
 * rows, modules or stack entries.
 */
#ifndef HT_COMPACT_H
#define HT_COMPACT_H

#include <stdint.h>

#include "base/glue.h"
#include "heaptag_segment.h"

/* Writes the compact copy of the live segment h to a new file and renames it
 * over path. Returns an fd open on the new file (the caller closes it), or -1
 * when it could not be written (the live file then stays as it is). */
HT_HIDDEN int ht_compact(const struct ht_seg_header *h, const char *path);

/* Adds n removals by the keep cap (the latest HT_CAP_REMOVED of them in r,
 * removal i at r[i % HT_CAP_REMOVED]) to the header of the file at fd, whose
 * header h was copied from. */
HT_HIDDEN void ht_compact_note_removals(int fd, const struct ht_seg_header *h,
                                        const struct ht_cap_removed *r, uint32_t n);

#endif
