/* SPDX-License-Identifier: MIT
 * full_io.c - whole transfers on a file descriptor (full_io.h).
 */
#include "full_io.h"

#include <errno.h>
#include <sys/types.h>
#include <unistd.h>

enum full_io_op { FULL_WRITE, FULL_PREAD, FULL_PWRITE };

static int full_io(int fd, char *p, size_t len, uint64_t off, enum full_io_op op)
{
    while (len > 0) {
        ssize_t n = op == FULL_WRITE   ? write(fd, p, len)
                    : op == FULL_PREAD ? pread(fd, p, len, (off_t)off)
                                       : pwrite(fd, p, len, (off_t)off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
        off += (uint64_t)n;
    }
    return 0;
}

/* write and pwrite only read the buffer: the cast drops a const they keep. */
int ht_write_full(int fd, const void *buf, size_t len)
{
    return full_io(fd, (char *)buf, len, 0, FULL_WRITE);
}

int ht_pread_full(int fd, void *buf, size_t len, uint64_t off)
{
    return full_io(fd, buf, len, off, FULL_PREAD);
}

int ht_pwrite_full(int fd, const void *buf, size_t len, uint64_t off)
{
    return full_io(fd, (char *)buf, len, off, FULL_PWRITE);
}
