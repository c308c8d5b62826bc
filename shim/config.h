/*
 * config.h - what the shim is told at start: flags and sizes.
 * Read once at start-up, before the segment exists: no allocation, no stdio.
 */
#ifndef HT_CONFIG_H
#define HT_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "glue.h"

struct ht_config {
    uint32_t flags;          /* HT_FLAG_* in force at start */
    uint32_t rows;           /* row table capacity */
    uint32_t stack_capacity; /* ust: stack table entries (0: none) */
    uint32_t stack_depth;    /* ust: frames per stack */
    int      keep;           /* keep the segment after exit */
};

/* Fills cfg from the environment (HEAPTAG_FLAGS, HEAPTAG_KEEP, HEAPTAG_ROWS,
 * HEAPTAG_STACK_DEPTH, HEAPTAG_TRACEDB, HEAPTAG_WRAPPERS); bad values give one
 * warning on stderr and the defaults. */
HT_HIDDEN void ht_config_load(struct ht_config *cfg);

/* ust's trace database of mb megabytes: sets stack_capacity for the
 * stack_depth in cfg (0 MB: no table, every stack dropped). */
HT_HIDDEN void ht_config_set_tracedb(struct ht_config *cfg, uint32_t mb);

/* A "wrappers" setting (comma-separated function names) from any config
 * source: allocations inside these functions are charged to their callers. */
HT_HIDDEN void ht_config_wrappers(const char *list, size_t len);

#endif
