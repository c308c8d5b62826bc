/* SPDX-License-Identifier: MIT
 * flags/live_flags.h - `heaptag flags -p PID`: the flags word of a running tagged
 * process, read and changed in its segment, which the shim reads on every
 * allocation. The only place the tool writes to a segment.
 */
#ifndef HT_LIVE_FLAGS_H
#define HT_LIVE_FLAGS_H

#include <stdint.h>
#include <sys/types.h>

#include "flags_parse.h"

/* Reads (chg NULL) or changes the live flags of pid; *now gets the word in
 * force afterwards. Returns 0, or exits 1 with a message naming the problem
 * (not tagged, exited, damaged, not ours). */
int live_flags(pid_t pid, const struct ht_flags_change *chg, uint32_t *now);

#endif
