/* SPDX-License-Identifier: MIT
 * segment/cap_removed.c - whether the keep cap removed a process's kept
 * segment: the shim leaves an empty file <segment name>.capped.<MB> for each
 * one it removes, and names the latest in the header of the segment of the
 * process that removed them (same user, same tree).
 */
#include "segment/reader.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* An empty file of ours named <segment of pid>.capped.<MB>: 1 with the MB. */
static int tombstone(const char *dir, pid_t pid, uint32_t *cap_mb)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    uint64_t self_ns = segread_self_pidns();
    int found = 0;
    struct dirent *e;
    while (!found && (e = readdir(d)) != NULL) {
        char name[NAME_MAX + 1];
        const char *mark = strstr(e->d_name, ".capped.");
        size_t n = mark ? (size_t)(mark - e->d_name) : 0;
        if (!mark || n >= sizeof name)
            continue;
        memcpy(name, e->d_name, n);
        name[n] = '\0';
        uint64_t ns;
        pid_t p;
        unsigned seq;
        char *end;
        unsigned long mb = strtoul(mark + 8, &end, 10);
        if (segread_parse_name_ns(name, &ns, &p, &seq) != 0 || p != pid || *end ||
            mark[8] < '0' || mark[8] > '9' || mb > UINT32_MAX || (ns && self_ns && ns != self_ns))
            continue;
        struct stat st;
        if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode) ||
            st.st_uid != geteuid() || st.st_size != 0)
            continue;
        *cap_mb = (uint32_t)mb;
        found = 1;
    }
    closedir(d);
    return found;
}

int segread_cap_removed(const char *dir, pid_t pid, pid_t *by, uint32_t *cap_mb,
                        uint64_t *when_ns)
{
    struct segread_entry *v;
    size_t n;
    int found = 0;
    uint64_t self_ns = segread_self_pidns();
    if (pid <= 0)
        return 0;
    *by = 0;
    *when_ns = 0;
    if (tombstone(dir, pid, cap_mb))
        found = 1;
    if (segread_list(dir, &v, &n) != 0)
        return found;
    for (size_t i = 0; i < n; i++) {
        struct segread_snap s;
        const char *why;
        if (segread_open(dir, v[i].name, &s, &why) != SEGREAD_OK)
            continue;
        for (size_t k = 0; k < s.n_cap_removed; k++) {
            const struct ht_cap_removed *r = &s.cap_removed[k];
            /* the pid in our namespace, or in one we cannot tell (0) */
            if (r->pid != pid || (r->pid_ns && self_ns && r->pid_ns != self_ns))
                continue;
            if (!found || r->removed_unix_ns > *when_ns) {
                *by = s.pid;
                *cap_mb = s.keep_cap_mb;
                *when_ns = r->removed_unix_ns;
            }
            found = 1;
        }
        segread_close(&s);
    }
    free(v);
    return found;
}

int segread_remove_tombstones(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int removed = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        struct stat st;
        if (strncmp(e->d_name, HT_SEG_PREFIX, sizeof HT_SEG_PREFIX - 1) != 0 ||
            !strstr(e->d_name, ".capped.") ||
            fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
            !S_ISREG(st.st_mode) || st.st_uid != geteuid() || st.st_size != 0)
            continue;
        removed += unlinkat(dirfd(d), e->d_name, 0) == 0;
    }
    closedir(d);
    return removed;
}
