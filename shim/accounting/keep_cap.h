/* SPDX-License-Identifier: MIT
 * keep_cap.h - bounds what kept segments of exited processes occupy in
 * /dev/shm: before a process that keeps its segment creates one, the oldest
 * exited segments of this user are removed until the rest fit the cap.
 */
#ifndef HT_KEEP_CAP_H
#define HT_KEEP_CAP_H

#include <stdint.h>

#include "core/glue.h"

/* Removes the oldest exited segments of our user in dir (regular files we
 * own whose header the shim marked exited) while all such exceed cap bytes
 * on disk. Never touches a live, dead or foreign file. */
HT_HIDDEN void ht_keep_cap(const char *dir, uint64_t cap);

#endif
