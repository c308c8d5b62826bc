/* SPDX-License-Identifier: MIT
 * util/open_regular.c - the one way the tool opens files named by something it
 * does not trust. Never blocks in open(): a FIFO opened with O_NONBLOCK for
 * reading returns at once, and is then refused by fstat.
 */
#include "util/open_regular.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

int open_regular(const char *path)
{
    struct stat st;
    /* refuse devices before opening them: an open alone can have effects */
    if (stat(path, &st) != 0)
        return -1;
    if (!S_ISREG(st.st_mode)) {
        errno = EINVAL;
        return -1;
    }
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int flags;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (flags = fcntl(fd, F_GETFL)) < 0 ||
        fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0) {
        close(fd);
        errno = EINVAL;
        return -1;
    }
    return fd;
}

FILE *fopen_regular(const char *path)
{
    int fd = open_regular(path);
    if (fd < 0)
        return NULL;
    FILE *f = fdopen(fd, "re");
    if (!f) {
        int e = errno;
        close(fd);
        errno = e;
    }
    return f;
}
