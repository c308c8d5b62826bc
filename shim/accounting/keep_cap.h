/* SPDX-License-Identifier: MIT
 * keep_cap.h - bounds what kept segments of exited processes occupy in
 * /dev/shm, per process tree: when a process of a tree that keeps its
 * segments starts or exits, the oldest exited segments of that tree are
 * removed until the tree's fit the cap. Another tree's are never touched.
 */
#ifndef HT_KEEP_CAP_H
#define HT_KEEP_CAP_H

#include <stdint.h>

#include "base/glue.h"
#include "heaptag_segment.h"

/* Removes the oldest exited segments of our user and of the tree (tree_pid,
 * tree_ticks) in dir (regular files we own whose header the shim marked
 * exited) while all such exceed cap bytes on disk; the file named own (NULL:
 * none), the caller's, counts but is never removed. Never touches a live,
 * dead, foreign or other tree's file. Returns how many it removed; the latest
 * HT_CAP_REMOVED of them are in out (removal i at out[i % HT_CAP_REMOVED]). */
HT_HIDDEN uint32_t ht_keep_cap(const char *dir, uint64_t cap, int32_t tree_pid,
                               uint64_t tree_ticks, const char *own,
                               struct ht_cap_removed out[HT_CAP_REMOVED]);

#endif
