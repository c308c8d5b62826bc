/* SPDX-License-Identifier: MIT
 * segment.h - the process's shared-memory segment: created at start, replaced
 * in a forked child, marked at exit.
 */
#ifndef HT_SEGMENT_H
#define HT_SEGMENT_H

#include "base/config.h"
#include "base/state.h"

/* Creates and maps the segment described by cfg and points ht_state at it.
 * Falls back to private memory (counting still works, nobody can read it)
 * when /dev/shm cannot be used. Returns 0, or -1 when even that failed. */
HT_HIDDEN int ht_segment_start(const struct ht_config *cfg);

/* Around fork: the parent snapshots its counts; the child gets a segment of
 * its own starting from them. */
HT_HIDDEN void ht_segment_fork_prepare(void);
HT_HIDDEN void ht_segment_fork_parent(void);
HT_HIDDEN void ht_segment_fork_child(void);

/* At exit: marks the segment exited with status, removes it unless kept. */
HT_HIDDEN void ht_segment_exit(int status);

#endif
