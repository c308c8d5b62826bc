/* SPDX-License-Identifier: MIT
 * segment/proc_maps.h - processes that have the shim loaded, found from
 * /proc/PID/maps, so `heaptag ls` can name those whose counts no segment
 * shows (counting privately). Reads /proc only; never signals or writes.
 */
#ifndef HT_PROC_MAPS_H
#define HT_PROC_MAPS_H

#include <stddef.h>
#include <sys/types.h>

/* Pids of the caller's processes (any process for root) whose maps name a
 * file called libheaptag.so (or libheaptag.so.*); the tool itself is never
 * one. Returns 0 with a malloc'd array the caller frees, or -1. */
int procmaps_shim_pids(pid_t **out, size_t *n);

#endif
