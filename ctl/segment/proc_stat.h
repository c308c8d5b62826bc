/* SPDX-License-Identifier: MIT
 * segment/proc_stat.h - what /proc says about a pid, to tell a live process from a dead
 * one whose pid was reused: field 22 of /proc/<pid>/stat, its start time; and
 * who owns it, to tell a segment the process wrote from one planted beside it.
 */
#ifndef HT_PROC_STAT_H
#define HT_PROC_STAT_H

#include <stdint.h>
#include <sys/types.h>

/* Reads the start time (clock ticks since boot) of pid into *ticks. Returns 0;
 * -ENOENT when no such process; another -errno when /proc cannot be read (for
 * example hidepid), in which case the caller cannot tell. */
int procstat_start_ticks(pid_t pid, uint64_t *ticks);

/* Reads the real, effective, saved and filesystem uids of pid (the "Uid:"
 * line of /proc/<pid>/status) into uids[0..3]. Returns 0 or -errno as above. */
int procstat_uids(pid_t pid, uid_t uids[4]);

#endif
