/* SPDX-License-Identifier: MIT
 * segment/names.h - where segments live and what their names say: the
 * directory, the pid, sequence and PID namespace a name carries. Below the
 * reader and the finder, which both use it.
 */
#ifndef HT_SEGMENT_NAMES_H
#define HT_SEGMENT_NAMES_H

#include <stdint.h>
#include <sys/types.h>

/* The directory segments live in: $HEAPTAG_SHM_DIR if set and non-empty, else /dev/shm. */
const char *segread_dir(void);

/* Parses "heaptag.<pid>" or "heaptag.<pid>.<n>" (decimal, no sign, no leading
 * zeros, pid > 0), or the same after "<pidns>.". Returns 0 and fills *pid and
 * *seq, or -1. */
int segread_parse_name(const char *name, pid_t *pid, unsigned *seq);

/* The same, with the PID namespace inode the name carries (0 for none).
 * Names: heaptag.<pidns>.<pid>[.<n>] (pidns above HT_PID_MAX_LIMIT) or
 * heaptag.<pid>[.<n>]. */
int segread_parse_name_ns(const char *name, uint64_t *ns, pid_t *pid, unsigned *seq);

/* The inode of the tool's own PID namespace (0 when /proc will not say), and
 * whether ns (0: unknown) is another one. */
uint64_t segread_self_pidns(void);
int segread_other_pidns(uint64_t ns);

#endif
