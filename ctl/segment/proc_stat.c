/* SPDX-License-Identifier: MIT
 * segment/proc_stat.c - reads the start time of a process from /proc/<pid>/stat.
 * The command name (field 2) may hold spaces and parentheses: fields are
 * counted from the last ')'.
 */
#include "segment/proc_stat.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Reads /proc/<pid>/<name> (one read: these files are small) into buf as a
 * string; 0 or -errno, -ENOENT for a process gone meanwhile. */
static int read_proc(pid_t pid, const char *name, char *buf, size_t size)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    ssize_t n = read(fd, buf, size - 1);
    int saved = errno;
    close(fd);
    if (n < 0)
        return saved == ESRCH ? -ENOENT : -saved;
    buf[n] = '\0';
    return 0;
}

int procstat_start_ticks(pid_t pid, uint64_t *ticks)
{
    char buf[2048];
    int rc = read_proc(pid, "stat", buf, sizeof buf);
    if (rc < 0)
        return rc;

    char *p = strrchr(buf, ')');
    if (!p)
        return -EINVAL;
    /* After ')' come " <state> <ppid> ...": field 3 starts after one space. */
    int field = 2;
    for (; *p && field < 22; p++)
        if (*p == ' ')
            field++;
    if (*p < '0' || *p > '9')
        return -EINVAL;
    uint64_t v = 0;
    while (*p >= '0' && *p <= '9') {
        if (v > (UINT64_MAX - 9) / 10)
            return -EINVAL;
        v = v * 10 + (uint64_t)(*p++ - '0');
    }
    *ticks = v;
    return 0;
}

int procstat_uids(pid_t pid, uid_t uids[4])
{
    char buf[4096];
    int rc = read_proc(pid, "status", buf, sizeof buf);
    if (rc < 0)
        return rc;
    char *p = strstr(buf, "\nUid:");
    if (!p)
        return -EINVAL;
    p += 5;
    for (int i = 0; i < 4; i++) {
        char *end;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p < '0' || *p > '9')
            return -EINVAL;
        unsigned long v = strtoul(p, &end, 10);
        if (v > (uid_t)-1)
            return -EINVAL;
        uids[i] = (uid_t)v;
        p = end;
    }
    return 0;
}
