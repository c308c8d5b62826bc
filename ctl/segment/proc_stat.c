/* SPDX-License-Identifier: MIT
 * segment/proc_stat.c - reads the start time of a process from /proc/<pid>/stat.
 * The command name (field 2) may hold spaces and parentheses: fields are
 * counted from the last ')'.
 */
#include "segment/proc_stat.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
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

/* Reads /proc/<pid>/<name> into buf and points *at just after the first
 * occurrence of mark, or with last the last one (mark is then one
 * character); -EINVAL when it is not there. */
static int read_proc_after(pid_t pid, const char *name, char *buf, size_t size,
                           const char *mark, int last, char **at)
{
    int rc = read_proc(pid, name, buf, size);
    if (rc < 0)
        return rc;
    char *p = last ? strrchr(buf, mark[0]) : strstr(buf, mark);
    if (!p)
        return -EINVAL;
    *at = p + strlen(mark);
    return 0;
}

/* The decimal number at *p (digits only, at most max), *p moved past it;
 * -EINVAL when there is none or it is larger. */
static int parse_decimal(char **p, uint64_t max, uint64_t *v)
{
    char *s = *p;
    if (*s < '0' || *s > '9')
        return -EINVAL;
    uint64_t x = 0;
    while (*s >= '0' && *s <= '9') {
        if (x > (UINT64_MAX - 9) / 10)
            return -EINVAL;
        x = x * 10 + (uint64_t)(*s++ - '0');
    }
    if (x > max)
        return -EINVAL;
    *v = x;
    *p = s;
    return 0;
}

int procstat_start_ticks(pid_t pid, uint64_t *ticks)
{
    char buf[2048], *p;
    int rc = read_proc_after(pid, "stat", buf, sizeof buf, ")", 1, &p);
    if (rc < 0)
        return rc;
    /* After ')' come " <state> <ppid> ...": field 3 starts after one space. */
    int field = 2;
    for (; *p && field < 22; p++)
        if (*p == ' ')
            field++;
    return parse_decimal(&p, UINT64_MAX, ticks);
}

int procstat_uids(pid_t pid, uid_t uids[4])
{
    char buf[4096], *p;
    int rc = read_proc_after(pid, "status", buf, sizeof buf, "\nUid:", 0, &p);
    if (rc < 0)
        return rc;
    for (int i = 0; i < 4; i++) {
        uint64_t v;
        while (*p == ' ' || *p == '\t')
            p++;
        if (parse_decimal(&p, (uid_t)-1, &v) < 0)
            return -EINVAL;
        uids[i] = (uid_t)v;
    }
    return 0;
}
