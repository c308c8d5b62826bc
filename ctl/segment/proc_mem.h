/* SPDX-License-Identifier: MIT
 * segment/proc_mem.h - the figures of the mon header lines, from /proc: system
 * memory, available memory and page faults; a process's resident set and its
 * peak. Missing files or fields read as 0; nothing here fails.
 */
#ifndef HT_PROC_MEM_H
#define HT_PROC_MEM_H

#include <stdint.h>
#include <sys/types.h>

struct proc_sys {
    uint64_t mem_total;   /* bytes */
    uint64_t mem_avail;   /* bytes */
    uint64_t page_faults; /* since boot */
};

void procmem_sys(struct proc_sys *out);

/* VmRSS and VmHWM of pid in bytes; returns 0, or -1 when /proc will not say. */
int procmem_rss(pid_t pid, uint64_t *rss, uint64_t *peak);

#endif
