/* SPDX-License-Identifier: MIT
 * segment/children.c - walks parent links down from the given processes.
 * Reads only /proc/<pid>/stat (field 4) and segment headers through the
 * validating reader; a process that vanishes meanwhile is simply not seen.
 */
#include "segment/children.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "segment/find.h"
#include "segment/reader.h"

/* One parent link: child's parent is parent. From a segment, start is when
 * the child's segment began (a pid reused since by an unrelated process must
 * not adopt it); 0 for a live process's link. */
struct link {
    pid_t child, parent;
    uint64_t start;
};

struct links {
    struct link *v;
    size_t n, cap;
};

static int links_add(struct links *l, pid_t child, pid_t parent, uint64_t start)
{
    if (child <= 0 || parent <= 0 || child == parent)
        return 0;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 256;
        struct link *v = realloc(l->v, cap * sizeof *v);
        if (!v)
            return -1;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = (struct link){ child, parent, start };
    return 0;
}

/* Field 4 of /proc/<pid>/stat, counted after the last ')' (the command name
 * may hold spaces and parentheses); -1 when it cannot be read. */
static pid_t proc_ppid(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    const char *p = strrchr(buf, ')');
    int ppid;
    if (!p || sscanf(p + 1, " %*c %d", &ppid) != 1 || ppid <= 0)
        return -1;
    return (pid_t)ppid;
}

static int proc_links(struct links *l)
{
    DIR *d = opendir("/proc");
    if (!d)
        return 0; /* no /proc: the segments' own links still work */
    struct dirent *e;
    int rc = 0;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        char *end;
        long pid = strtol(e->d_name, &end, 10);
        if (*end || pid <= 0)
            continue;
        pid_t ppid = proc_ppid((pid_t)pid);
        if (ppid > 0)
            rc = links_add(l, (pid_t)pid, ppid, 0);
    }
    closedir(d);
    return rc;
}

/* When pid's latest segment began, 0 when it has none: its children's
 * segments cannot be older. */
static uint64_t start_of(const struct links *l, pid_t pid)
{
    uint64_t start = 0;
    for (size_t i = 0; i < l->n; i++)
        if (l->v[i].child == pid && l->v[i].start > start)
            start = l->v[i].start;
    return start;
}

static int has_pid(const pid_t *v, size_t n, pid_t pid)
{
    for (size_t i = 0; i < n; i++)
        if (v[i] == pid)
            return 1;
    return 0;
}

static int by_pid(const void *a, const void *b)
{
    pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
    return (x > y) - (x < y);
}

int segread_add_children(const char *dir, pid_t **pids, size_t *n)
{
    struct segread_entry *segs;
    size_t n_segs;
    struct links l = { NULL, 0, 0 };
    if (segread_list(dir, &segs, &n_segs) != 0)
        return -1;
    int rc = proc_links(&l);
    for (size_t i = 0; rc == 0 && i < n_segs; i++) {
        struct segread_snap s;
        const char *why;
        if (segread_open(dir, segs[i].name, &s, &why) != SEGREAD_OK)
            continue;
        rc = links_add(&l, s.pid, s.ppid, s.start_unix_ns ? s.start_unix_ns : 1);
        segread_close(&s);
    }
    /* every descendant, breadth first: the list grows while it is walked */
    size_t roots = *n, cap = roots + SEGREAD_MAX_CHILDREN, all = roots;
    pid_t *tree = rc == 0 ? malloc(cap * sizeof *tree) : NULL;
    if (!tree)
        rc = -1;
    else
        memcpy(tree, *pids, roots * sizeof *tree);
    for (size_t k = 0; rc == 0 && k < all; k++) {
        uint64_t born = start_of(&l, tree[k]);
        for (size_t i = 0; i < l.n && all < cap; i++)
            if (l.v[i].parent == tree[k] && (!l.v[i].start || l.v[i].start >= born) &&
                !has_pid(tree, all, l.v[i].child))
                tree[all++] = l.v[i].child;
    }
    /* of those, the ones with a segment */
    size_t added = 0;
    pid_t *out = rc == 0 ? realloc(*pids, (roots + all) * sizeof *out) : NULL;
    if (rc == 0 && !out)
        rc = -1;
    for (size_t k = roots; rc == 0 && k < all; k++)
        for (size_t i = 0; i < n_segs; i++)
            if (segs[i].pid == tree[k]) {
                out[roots + added++] = tree[k];
                break;
            }
    if (rc == 0) {
        qsort(out + roots, added, sizeof *out, by_pid);
        *pids = out;
        *n = roots + added;
    }
    free(tree);
    free(l.v);
    free(segs);
    if (rc != 0 && !errno)
        errno = ENOMEM;
    return rc;
}
