/* SPDX-License-Identifier: MIT
 * segment/children.h - the descendants of a process that carry the shim:
 * forked children, and programs exec'd with the shim inherited, at any
 * depth, through processes without it too. Found from /proc/<pid>/stat
 * parent links of live processes and the parent pid each segment records
 * (which outlives the process), so exited children count as well.
 */
#ifndef HT_SEGMENT_CHILDREN_H
#define HT_SEGMENT_CHILDREN_H

#include <stddef.h>
#include <sys/types.h>

/* The most descendants one listing takes. */
#define SEGREAD_MAX_CHILDREN 4096

/* Appends to (*pids)[0..*n) every descendant of those pids that has a
 * segment in dir, in pid order, each once. *pids is malloc'd (or NULL with
 * *n 0) and may be moved. Returns 0, or -1 with errno set. */
int segread_add_children(const char *dir, pid_t **pids, size_t *n);

#endif
