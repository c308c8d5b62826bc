/* SPDX-License-Identifier: MIT
 * cmd/gc.c - `heaptag gc`: removes the segments of exited and dead processes.
 * Only regular files the caller owns, never through a symbolic link, and only
 * the very file that was read (same inode). A damaged file is removed only
 * when the process its name gives is gone and the file has not changed for a
 * while: a segment still being created looks damaged for a moment, but one
 * whose creator died before finishing it stays damaged for ever.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl.h"
#include "util/out.h"
#include "segment/reader.h"

/* The file is still the one we read and still ours. */
static int gc_same_file(int dfd, const struct segread_snap *s)
{
    struct stat st;
    return fstatat(dfd, s->name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
           st.st_dev == s->dev && st.st_ino == s->ino && st.st_uid == geteuid();
}

/* Seconds a damaged file must have stood unchanged before it counts as abandoned. */
#define GC_DAMAGED_AGE 5

/* A damaged file its creator abandoned: that pid is gone, the file is old. */
static int gc_abandoned(pid_t pid, const struct stat *st)
{
    return pid > 0 && kill(pid, 0) != 0 && errno == ESRCH &&
           time(NULL) - st->st_mtime >= GC_DAMAGED_AGE;
}

/* The file is still the inode first seen, a regular file of ours. */
static int gc_unchanged(int dfd, const char *name, const struct stat *seen)
{
    struct stat st;
    return fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
           st.st_dev == seen->st_dev && st.st_ino == seen->st_ino && st.st_uid == geteuid();
}

int cmd_gc(int argc, char **argv)
{
    ctl_no_args("gc", argc, argv);
    const char *dir = segread_dir();
    struct segread_entry *v;
    size_t n;
    int status = 0;
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0 || segread_list(dir, &v, &n) != 0)
        err(1, "%s", dir);

    out_init();
    for (size_t i = 0; i < n; i++) {
        struct segread_snap s;
        struct stat st;
        const char *why;
        if (fstatat(dfd, v[i].name, &st, AT_SYMLINK_NOFOLLOW) != 0 || st.st_uid != geteuid())
            continue;
        int rc = segread_open(dir, v[i].name, &s, &why);
        if (rc == SEGREAD_DAMAGED && S_ISREG(st.st_mode) && gc_abandoned(v[i].pid, &st) &&
            gc_unchanged(dfd, v[i].name, &st)) {
            if (unlinkat(dfd, v[i].name, 0) == 0) {
                printf("removed %s/%s (pid %d, gone; damaged: %s)\n", dir, v[i].name,
                       (int)v[i].pid, why);
            } else {
                out_flush();
                warn("%s/%s", dir, v[i].name);
                status = 1;
            }
            continue;
        }
        if (rc == SEGREAD_DAMAGED) {
            out_flush();
            warnx("%s/%s: skipped: %s", dir, v[i].name, why);
        }
        if (rc != SEGREAD_OK)
            continue;
        if (s.state != SEGREAD_LIVE && gc_same_file(dfd, &s)) {
            if (unlinkat(dfd, s.name, 0) == 0) {
                printf("removed %s (pid %d, %s)\n", s.path, (int)s.pid,
                       segread_state_name(s.state));
            } else {
                out_flush();
                warn("%s", s.path);
                status = 1;
            }
        }
        segread_close(&s);
    }
    free(v);
    close(dfd);
    int notes = segread_remove_tombstones(dir);
    if (notes)
        printf("removed %d note%s of segments the keep cap removed\n", notes,
               notes == 1 ? "" : "s");
    out_flush();
    return status;
}
