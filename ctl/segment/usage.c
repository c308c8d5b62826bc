/* SPDX-License-Identifier: MIT
 * segment/usage.c - what heaptag's segments occupy in the segment directory,
 * by state, for the summary line of `heaptag ls`. Reads each file as ls does
 * (never follows a link, never writes); counts only the caller's own files.
 */
#include "segment/reader.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int segread_usage(const char *dir, struct segread_usage *u)
{
    struct segread_entry *v;
    size_t n;
    memset(u, 0, sizeof *u);
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return -1;
    if (segread_list(dir, &v, &n) != 0) {
        close(dfd);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        if (fstatat(dfd, v[i].name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode) ||
            st.st_uid != geteuid())
            continue;
        u->bytes += (uint64_t)st.st_blocks * 512;
        struct segread_snap s;
        const char *why;
        int rc = segread_open(dir, v[i].name, &s, &why);
        if (rc == SEGREAD_DAMAGED)
            u->damaged++;
        if (rc != SEGREAD_OK)
            continue;
        if (s.passive)
            u->passive++;
        else if (s.other_pidns && s.state == SEGREAD_LIVE)
            u->other_ns++;
        else if (s.state == SEGREAD_LIVE)
            u->live++;
        else if (s.state == SEGREAD_EXITED)
            u->exited++;
        else
            u->dead++;
        segread_close(&s);
    }
    free(v);
    close(dfd);
    return 0;
}
