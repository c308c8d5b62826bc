/*
 * modules.h - the module map in the segment: every loaded object's path, load
 * address and build id, so the tool can symbolise sites even after exit.
 */
#ifndef HT_MODULES_H
#define HT_MODULES_H

#include "glue.h"
#include "heaptag_segment.h"

/* Records every object loaded now (dl_iterate_phdr). Not on the hot path. */
HT_HIDDEN void ht_modules_scan(struct ht_seg_header *h);

/* The base of the loaded module holding addr, with its table index in *index;
 * 0 when none does. Reads the table only within modules_used. */
HT_HIDDEN uint64_t ht_modules_find(const struct ht_seg_header *h, uint64_t addr, uint32_t *index);

#endif
