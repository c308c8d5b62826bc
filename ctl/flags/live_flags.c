/* SPDX-License-Identifier: MIT
 * flags/live_flags.c - changing a running process's flags word in place. The
 * segment is found and validated by the reader first; then the same file
 * (same device and inode, opened without following links) is mapped for one
 * page and the word is changed with a compare-and-swap, so a concurrent
 * change is never lost and nothing but the word is ever written. A segment
 * whose owner is not the process's (planted by another user) is never written.
 */
#include "flags/live_flags.h"

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "heaptag_flags.h"
#include "segment/find.h"
#include "segment/reader.h"
#include "ht_atomic.h"

int live_flags(pid_t pid, const struct ht_flags_change *chg, uint32_t *now)
{
    struct segread_snap snap;
    const char *why;
    int rc = segread_open_pid(segread_dir(), pid, &snap, &why);
    if (rc == SEGREAD_FORGED)
        errx(1, "process %d: %s is forged (its file belongs to uid %u, the process to uid %u): "
             "not trusted, not written", (int)pid, snap.path, (unsigned)snap.uid,
             (unsigned)snap.proc_uid);
    if (rc != SEGREAD_OK)
        errx(1, "process %d: %s (start it with `heaptag run`)", (int)pid, why);
    segread_close(&snap);
    if (snap.state != SEGREAD_LIVE)
        errx(1, "process %d: %s, its flags can no longer change", (int)pid,
             segread_state_name(snap.state));
    if (!chg) {
        *now = snap.flags & HT_FLAG_ALL;
        return 0;
    }
    if (snap.passive)
        errx(1, "process %d: not counting (its malloc is not the shim's), no flag takes effect",
             (int)pid);

    int fd = open(snap.path, O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        err(1, "%s", snap.path);
    struct stat st;
    if (fstat(fd, &st) != 0 || st.st_dev != snap.dev || st.st_ino != snap.ino ||
        st.st_uid != snap.uid || /* the owner the reader trusted */
        (uint64_t)st.st_size < sizeof(struct ht_seg_header))
        errx(1, "%s: changed while being read", snap.path);
    struct ht_seg_header *h = mmap(NULL, sizeof *h, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (h == MAP_FAILED)
        err(1, "%s: mmap", snap.path);
    if (ht_load_acquire(&h->magic) != HT_SEG_MAGIC ||
        h->version != HT_SEG_VERSION || h->pid != (int32_t)pid ||
        ht_load_acquire(&h->state) != HT_SEG_LIVE) {
        munmap(h, sizeof *h);
        errx(1, "%s: no longer the live segment of process %d", snap.path, (int)pid);
    }
    uint32_t old = ht_load_relaxed(&h->flags), want;
    /* ust records into the stack table, which exists only when the process
     * started with ust or a tracedb size: refuse rather than record nothing */
    uint32_t capacity = ht_load_relaxed(&h->stack_capacity);
    if ((ht_flags_apply(old & HT_FLAG_ALL, chg) & HT_FLAG_ust) && !(old & HT_FLAG_ust) &&
        capacity == 0) {
        munmap(h, sizeof *h);
        errx(1, "process %d: cannot turn on ust: it started without ust, so it has no stack "
             "trace database to record into; start it with +ust, or with a size "
             "(HEAPTAG_TRACEDB=MB or heaptag flags -r --tracedb MB) to allow ust later",
             (int)pid);
    }
    do {
        /* keep bits that are not ours to change (none today) */
        want = (ht_flags_apply(old & HT_FLAG_ALL, chg) & HT_FLAG_ALL) | (old & ~HT_FLAG_ALL);
    } while (!ht_cas_release(&h->flags, &old, want));
    *now = want & HT_FLAG_ALL;
    munmap(h, sizeof *h);
    return 0;
}
