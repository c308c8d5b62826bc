/* SPDX-License-Identifier: MIT
 * segment/find.h - finding segment files: a directory's list, the segment of
 * one pid, what they occupy. Above the reader: it opens what it finds with
 * segread_open and segread_peek.
 */
#ifndef HT_SEGMENT_FIND_H
#define HT_SEGMENT_FIND_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "segment/reader.h"

/* A candidate segment file found in a directory. */
struct segread_entry {
    char     name[NAME_MAX + 1];
    uint64_t pidns;  /* from the name, 0 when it has none */
    pid_t    pid;
    unsigned seq; /* the <n> of heaptag.<pid>.<n>, 0 for heaptag.<pid> */
};

/* What heaptag's segments occupy in dir: files named like segments that are
 * regular files of the caller, by state, with their bytes on disk. */
struct segread_usage {
    size_t live, exited, dead, other_ns, passive, damaged;
    uint64_t bytes; /* st_blocks * 512, summed */
};
int segread_usage(const char *dir, struct segread_usage *u);

/* Lists the regular files of dir named like segments (symlinks and other
 * types are left out), sorted by pid then seq. Returns 0 with a malloc'd array
 * the caller frees, or -1 with errno set (dir unreadable). */
int segread_list(const char *dir, struct segread_entry **out, size_t *n);

/* Finds the segment of pid in dir: the live one if any, else the latest
 * started. Returns as segread_open (a forged file only when no trusted one
 * exists); SEGREAD_NOACCESS with why "not tagged" when there is no file for
 * pid at all. */
int segread_open_pid(const char *dir, pid_t pid, struct segread_snap *snap,
                     const char **why);

#endif
