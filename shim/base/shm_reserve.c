/* SPDX-License-Identifier: MIT
 * shm_reserve.c - reserving pages of the segment's /dev/shm file before they
 * are touched. Slow paths only; errno kept.
 */
#include "base/shm_reserve.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "base/state.h"
#include "ht_atomic.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

#define PAGE 4096u

static int populate_broken; /* the kernel has no MADV_POPULATE_WRITE */

int ht_shm_fallocate(int fd, uint64_t off, uint64_t len)
{
    if (!len)
        return 0;
    if (fallocate(fd, 0, (off_t)off, (off_t)len) == 0)
        return 0;
    if (errno != EOPNOTSUPP && errno != ENOSYS)
        return -1;
    return posix_fallocate(fd, (off_t)off, (off_t)len) == 0 ? 0 : -1;
}

int ht_shm_reserve(void *base, int shared, uint64_t off, uint64_t len)
{
    if (!len || !shared)
        return 0; /* private memory: no file to fill */
    len += off & (PAGE - 1);
    off &= ~(uint64_t)(PAGE - 1);
    len = (len + PAGE - 1) & ~(uint64_t)(PAGE - 1);
    int saved = errno, ok = -1;
    if (!ht_load_relaxed(&populate_broken)) {
        if (madvise((char *)base + off, len, MADV_POPULATE_WRITE) == 0)
            ok = 0;
        else if (errno == EINVAL)
            ht_store_relaxed(&populate_broken, 1);
    }
    if (ok != 0 && ht_load_relaxed(&populate_broken) && ht_state.path[0]) {
        int fd = open(ht_state.path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
        if (fd >= 0) {
            ok = ht_shm_fallocate(fd, off, len);
            close(fd);
        }
    }
    errno = saved;
    return ok;
}
