/* SPDX-License-Identifier: MIT
 * segment/proc_mem.c - reads "Name: value kB" files (meminfo, status) and vmstat for
 * the header lines of mon. Bounded reads, no trust in the format.
 */
#include "segment/proc_mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The number after "name" on its own line of f, times mult; 0 if absent. */
static int procmem_field(const char *path, const char *name, uint64_t mult, uint64_t *out)
{
    FILE *f = fopen(path, "r");
    char line[256];
    size_t len = strlen(name);
    *out = 0;
    if (!f)
        return -1;
    int found = -1;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, name, len) != 0 || (line[len] != ':' && line[len] != ' '))
            continue;
        char *p = line + len + (line[len] == ':');
        unsigned long long v = strtoull(p, NULL, 10);
        *out = (uint64_t)v * mult;
        found = 0;
        break;
    }
    fclose(f);
    return found;
}

void procmem_sys(struct proc_sys *o)
{
    procmem_field("/proc/meminfo", "MemTotal", 1024, &o->mem_total);
    procmem_field("/proc/meminfo", "MemAvailable", 1024, &o->mem_avail);
    procmem_field("/proc/vmstat", "pgfault", 1, &o->page_faults);
}

int procmem_rss(pid_t pid, uint64_t *rss, uint64_t *peak)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    int a = procmem_field(path, "VmRSS", 1024, rss);
    int b = procmem_field(path, "VmHWM", 1024, peak);
    return a == 0 && b == 0 ? 0 : -1;
}
