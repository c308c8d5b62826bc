/* SPDX-License-Identifier: MIT
 * segment/preload.h - what keeps the shim out of a program (static linking,
 * setuid, setgid, file capabilities) and why a process has no segment.
 */
#ifndef HT_PRELOAD_H
#define HT_PRELOAD_H

#include <stddef.h>
#include <sys/types.h>

/* Why the loader will not preload the shim into the program at path
 * ("is statically linked: ..."), or NULL when nothing stops it. */
const char *preload_blocker(const char *path);

/* One sentence on why process pid may have no segment in shm_dir: exited
 * without HEAPTAG_KEEP, static, setuid, /dev/shm full (counting privately),
 * not started under the shim. */
void preload_why_no_segment(pid_t pid, const char *shm_dir, char *buf, size_t n);

#endif
