/* SPDX-License-Identifier: MIT
 * modules.h - the module map in the segment: every loaded object's path, load
 * address and build id, so the tool can symbolise sites even after exit.
 * Lookups read the segment's table, never dl_iterate_phdr; only a rescan
 * (start, after dlclose: never inside malloc) walks the loader's list.
 */
#ifndef HT_MODULES_H
#define HT_MODULES_H

#include "base/glue.h"
#include "heaptag_segment.h"

/* Brings the table up to date with the objects loaded now: new ones are
 * appended, vanished ones marked unloaded (their rows still name them).
 * Returns 1 when the table changed, 0 when not, -1 when another thread was
 * rescanning. Not on the hot path; never allocates. */
HT_HIDDEN int ht_modules_scan(struct ht_seg_header *h);

/* ht_modules_scan() again while another thread is appending (dlclose's
 * rescan, in the program's own call: it may wait for that). */
HT_HIDDEN int ht_modules_scan_wait(struct ht_seg_header *h);

/* Index of the loaded module holding addr; an object loaded since the last
 * scan is appended (found with _dl_find_object: lock-free, no loader lock).
 * -1: addr is in no object (JIT code); -2: not known now (another thread is
 * writing the table, or the table is full): do not cache the answer. */
HT_HIDDEN int ht_modules_lookup(struct ht_seg_header *h, uint64_t addr);

/* Index of the loaded module holding addr, or -1. Lock-free read of the table. */
HT_HIDDEN int ht_modules_find(const struct ht_seg_header *h, uint64_t addr);

/* Bumped each time a rescan changed the table. */
HT_HIDDEN uint32_t ht_modules_generation(void);

/* The same word, for a load inline (callers/hops.c); written by modules.c only. */
extern HT_HIDDEN uint32_t ht_modules_gen;

/* In a forked child: no rescan is under way any more. */
HT_HIDDEN void ht_modules_fork_child(void);

#endif
