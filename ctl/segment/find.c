/* SPDX-License-Identifier: MIT
 * segment/find.c - finds segment files: lists a directory and picks the
 * segment of one pid. Lists without opening anything but the
 * directory, and never follows a symbolic link.
 */
#include "util/xsort.h"
#include "segment/find.h"
#include "segment/names.h"
#include "segment/reader.h"

#include <dirent.h>
#include <limits.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int entry_cmp(const void *a, const void *b)
{
    const struct segread_entry *x = a, *y = b;
    if (x->pid != y->pid)
        return x->pid < y->pid ? -1 : 1;
    return (x->seq > y->seq) - (x->seq < y->seq);
}

int segread_list(const char *dir, struct segread_entry **out, size_t *n)
{
    DIR *d = opendir(dir);
    struct segread_entry *v = NULL;
    size_t len = 0, cap = 0;
    struct dirent *de;

    if (!d)
        return -1;
    while ((errno = 0, de = readdir(d)) != NULL) {
        struct segread_entry e;
        struct stat st;
        if (segread_parse_name_ns(de->d_name, &e.pidns, &e.pid, &e.seq) != 0)
            continue;
        if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode))
            continue;
        if (len == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            struct segread_entry *nv = realloc(v, ncap * sizeof *v);
            if (!nv) {
                free(v);
                closedir(d);
                errno = ENOMEM;
                return -1;
            }
            v = nv;
            cap = ncap;
        }
        strcpy(e.name, de->d_name); /* d_name fits NAME_MAX + 1 */
        v[len++] = e;
    }
    int saved = errno;
    closedir(d);
    if (saved) {
        free(v);
        errno = saved;
        return -1;
    }
    if (len)
        xsort(v, len, sizeof *v, entry_cmp);
    *out = v;
    *n = len;
    return 0;
}

/* Is a better than b as "the" segment of a pid? Live first, then latest start. */
static int better(const struct segread_snap *a, const struct segread_snap *b)
{
    if ((a->state == SEGREAD_LIVE) != (b->state == SEGREAD_LIVE))
        return a->state == SEGREAD_LIVE;
    return a->start_unix_ns > b->start_unix_ns;
}

/* Which failure says most about a pid: forged, then damaged, then unreadable. */
static int open_rank(int rc)
{
    return rc == SEGREAD_FORGED ? 3 : rc == SEGREAD_DAMAGED ? 2 : 1;
}

int segread_open_pid(const char *dir, pid_t pid, struct segread_snap *snap,
                     const char **why)
{
    struct segread_entry *v;
    size_t n;
    int best = SEGREAD_NOACCESS;
    struct segread_snap cand;

    memset(snap, 0, sizeof *snap);
    *why = "not tagged";
    if (segread_list(dir, &v, &n) != 0) {
        *why = strerror(errno);
        return SEGREAD_NOACCESS;
    }
    for (size_t i = 0; i < n; i++) {
        const char *w;
        /* a pid given by the user is one of our namespace */
        if (v[i].pid != pid || segread_other_pidns(v[i].pidns))
            continue;
        int rc = segread_open(dir, v[i].name, &cand, &w);
        if (rc != SEGREAD_OK) {
            if (best != SEGREAD_OK && open_rank(rc) > open_rank(best)) {
                best = rc;
                *why = w;
                if (rc == SEGREAD_FORGED)
                    *snap = cand; /* header fields only, for the caller's message */
                else
                    strcpy(snap->path, cand.path); /* for the caller's message */
            }
            continue;
        }
        if (best == SEGREAD_OK && !better(&cand, snap)) {
            segread_close(&cand);
            continue;
        }
        if (best == SEGREAD_OK)
            segread_close(snap);
        *snap = cand;
        best = SEGREAD_OK;
        *why = NULL;
    }
    free(v);
    return best;
}
