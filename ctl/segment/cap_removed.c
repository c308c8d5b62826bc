/* SPDX-License-Identifier: MIT
 * segment/cap_removed.c - whether the keep cap removed a process's kept
 * segment: the shim names the latest segments it removed in the header of
 * the segment of the process that removed them (same user, same tree).
 */
#include "segment/reader.h"

#include <stdlib.h>
#include <string.h>

int segread_cap_removed(const char *dir, pid_t pid, pid_t *by, uint32_t *cap_mb,
                        uint64_t *when_ns)
{
    struct segread_entry *v;
    size_t n;
    int found = 0;
    uint64_t self_ns = segread_self_pidns();
    if (pid <= 0 || segread_list(dir, &v, &n) != 0)
        return 0;
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
