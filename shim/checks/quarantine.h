/* SPDX-License-Identifier: MIT
 * quarantine.h - hfc: freed blocks wait here, poisoned, before their memory
 * goes back to libc, so a second free of any of the last HT_QUARANTINE_SLOTS
 * freed blocks finds our "freed" header instead of reused memory.
 */
#ifndef HT_QUARANTINE_H
#define HT_QUARANTINE_H

#include "base/glue.h"

#define HT_QUARANTINE_SLOTS 4096

/* Puts a freed block's user pointer in; returns the one it pushed out (to be
 * released for real by the caller), or NULL. Lock-free: one atomic exchange. */
HT_HIDDEN void *ht_quarantine_push(void *user);

#endif
