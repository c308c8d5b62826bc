/*
 * cmd_gc.c - `heaptag gc`: removes the segments of exited and dead processes.
 * Only regular files the caller owns, never through a symbolic link, and only
 * the very file that was read (same inode); damaged files are left alone,
 * since a segment still being created looks damaged for a moment.
 */
#include <err.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl.h"
#include "out.h"
#include "segment_reader.h"

/* The file is still the one we read and still ours. */
static int gc_same_file(int dfd, const struct segread_snap *s)
{
    struct stat st;
    return fstatat(dfd, s->name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
           st.st_dev == s->dev && st.st_ino == s->ino && st.st_uid == geteuid();
}

int cmd_gc(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
            ctl_help();
        ctl_usage_error("gc: unexpected argument '%s'", argv[i]);
    }
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
        if (rc == SEGREAD_DAMAGED) {
            out_flush();
            warnx("%s: skipped: %s", s.path, why);
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
    out_flush();
    return status;
}
