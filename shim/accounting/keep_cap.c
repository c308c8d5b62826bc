/* SPDX-License-Identifier: MIT
 * keep_cap.c - the cap on kept segments of exited processes, per process
 * tree (keep_cap.h). Runs at start-up inside the program's first malloc and
 * at exit: no allocation (the directory is read with getdents64 into a
 * private mapping), no stdio. Only a file whose own header says its process
 * exited, and that names the same tree, is ever removed: that is proof it is
 * over, in any PID namespace, and that it is this run's to remove.
 */
#include "accounting/keep_cap.h"

#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "heaptag_segment.h"
#include "base/glue.h"

struct linux_dirent64 {
    uint64_t d_ino;
    int64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

struct cand {
    uint64_t exit_ns;
    uint64_t bytes;
    uint64_t ino;
    uint64_t pid_ns;
    uint64_t start_ticks;
    int32_t pid;
    int own;
    char name[40];
};

#define SCRATCH (1u << 20)
#define DIRBUF 32768u
#define MAX_CANDS ((SCRATCH - DIRBUF) / sizeof(struct cand))

/* An exited segment of the tree: its exit time (and who it was in c), or 0. */
static uint64_t exited_at(int dfd, const char *name, const struct stat *st, int32_t tree_pid,
                          uint64_t tree_ticks, struct cand *c)
{
    int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return 0;
    struct ht_seg_header h;
    struct stat fst;
    uint64_t at = 0;
    if (fstat(fd, &fst) == 0 && fst.st_ino == st->st_ino &&
        pread(fd, &h, sizeof h, 0) == (ssize_t)sizeof h && h.magic == HT_SEG_MAGIC &&
        h.version == HT_SEG_VERSION && h.state == HT_SEG_EXITED && h.tree_pid == tree_pid &&
        h.tree_ticks == tree_ticks) {
        at = h.exit_unix_ns ? h.exit_unix_ns : 1;
        c->pid = h.pid;
        c->pid_ns = h.pid_ns;
        c->start_ticks = h.start_ticks;
    }
    close(fd);
    return at;
}

/* An empty file named <segment>.capped.<cap in MB>, so that the tool can
 * say what became of the segment: it occupies no page, and heaptag gc
 * removes it. */
static void leave_tombstone(int dfd, const char *name, uint64_t cap)
{
    char tomb[80], *p = tomb;
    size_t n = strlen(name);
    if (n + sizeof ".capped." + 20 > sizeof tomb)
        return;
    memcpy(p, name, n);
    p += n;
    memcpy(p, ".capped.", sizeof ".capped." - 1);
    ht_fmt_u64(p + sizeof ".capped." - 1, cap >> 20);
    int fd = openat(dfd, tomb, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd >= 0)
        close(fd);
}

/* Shell sort by exit time, oldest first: qsort may allocate. */
static void sort_cands(struct cand *c, size_t n)
{
    for (size_t gap = n / 2; gap > 0; gap /= 2)
        for (size_t i = gap; i < n; i++) {
            struct cand t = c[i];
            size_t j = i;
            for (; j >= gap && c[j - gap].exit_ns > t.exit_ns; j -= gap)
                c[j] = c[j - gap];
            c[j] = t;
        }
}

uint32_t ht_keep_cap(const char *dir, uint64_t cap, int32_t tree_pid, uint64_t tree_ticks,
                     const char *own, struct ht_cap_removed out[HT_CAP_REMOVED])
{
    uint32_t removed = 0;
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return 0;
    char *scratch = mmap(NULL, SCRATCH, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (scratch == MAP_FAILED) {
        close(dfd);
        return 0;
    }
    struct cand *c = (struct cand *)(scratch + DIRBUF);
    size_t n = 0;
    uint64_t total = 0;
    uid_t me = geteuid();
    for (;;) {
        long got = syscall(SYS_getdents64, dfd, scratch, DIRBUF);
        if (got <= 0)
            break;
        for (long off = 0; off < got;) {
            struct linux_dirent64 *d = (struct linux_dirent64 *)(scratch + off);
            off += d->d_reclen;
            struct stat st;
            if (strncmp(d->d_name, HT_SEG_PREFIX, sizeof HT_SEG_PREFIX - 1) != 0 ||
                strlen(d->d_name) >= sizeof c->name ||
                fstatat(dfd, d->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
                !S_ISREG(st.st_mode) || st.st_uid != me)
                continue;
            if (n == MAX_CANDS)
                continue;
            uint64_t at = exited_at(dfd, d->d_name, &st, tree_pid, tree_ticks, &c[n]);
            if (!at)
                continue;
            c[n].own = own && strcmp(own, d->d_name) == 0;
            c[n].exit_ns = at;
            c[n].bytes = (uint64_t)st.st_blocks * 512;
            c[n].ino = st.st_ino;
            strcpy(c[n].name, d->d_name);
            total += c[n].bytes;
            n++;
        }
    }
    if (total > cap) {
        sort_cands(c, n);
        for (size_t i = 0; i < n && total > cap; i++) {
            struct stat st;
            /* still the file read, still ours */
            if (c[i].own || fstatat(dfd, c[i].name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
                st.st_ino != c[i].ino || st.st_uid != me)
                continue;
            if (unlinkat(dfd, c[i].name, 0) == 0) {
                total -= c[i].bytes;
                leave_tombstone(dfd, c[i].name, cap);
                struct ht_cap_removed *r = &out[removed++ % HT_CAP_REMOVED];
                memset(r, 0, sizeof *r);
                r->pid = c[i].pid;
                r->pid_ns = c[i].pid_ns;
                r->start_ticks = c[i].start_ticks;
                r->removed_unix_ns = ht_now_unix_ns();
            }
        }
    }
    munmap(scratch, SCRATCH);
    close(dfd);
    return removed;
}
