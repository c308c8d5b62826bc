/* SPDX-License-Identifier: MIT
 * glue.c - raw I/O, time and environment helpers for the shim.
 * May be called with the allocator half initialised: nothing here allocates.
 *
 * base/ - what every other part of the shim stands on, and nothing of theirs:
 * libc without allocation (glue), the per-process and per-thread state
 * (state.h), the block header (block.h), the next allocator and whether the
 * shim must stand aside (next, whose_malloc), the settings read at start
 * (config).
 */
#include "base/glue.h"
#include "full_io.h"
#include "ht_atomic.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

void ht_warn(const char *msg)
{
    int saved = errno;
    (void)ht_write_full(2, "heaptag: ", 9);
    (void)ht_write_full(2, msg, strlen(msg));
    (void)ht_write_full(2, "\n", 1);
    errno = saved;
}

void ht_warn2(const char *a, const char *b)
{
    int saved = errno;
    (void)ht_write_full(2, "heaptag: ", 9);
    (void)ht_write_full(2, a, strlen(a));
    (void)ht_write_full(2, b, strlen(b));
    (void)ht_write_full(2, "\n", 1);
    errno = saved;
}

/* Reads fd to its end or cap-1 bytes, NUL-terminated. */
static long read_fd(int fd, char *buf, size_t cap)
{
    size_t len = 0;
    while (len + 1 < cap) {
        ssize_t r = read(fd, buf + len, cap - 1 - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        len += (size_t)r;
    }
    buf[len] = '\0';
    return (long)len;
}

long ht_read_file(const char *path, char *buf, size_t cap)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return -1;
    long len = read_fd(fd, buf, cap);
    close(fd);
    return len;
}

void ht_write_err(const char *s, size_t n)
{
    (void)ht_write_full(2, s, n);
}

long ht_read_conf(const char *path, char *buf, size_t cap, const char **why)
{
    *why = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0) {
        /* Missing or unreadable (HOME not readable, a file of mode 0): as if
         * absent, silently. Only a file that is there and damaged warns. */
        if (errno == ELOOP)
            *why = ": is a symlink; ignored";
        return -1;
    }
    struct stat st;
    long len = -1;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        *why = ": not a regular file; ignored";
    else if (st.st_size < 0 || (unsigned long long)st.st_size >= cap - 1)
        *why = ": too large for a settings file; ignored";
    else {
        len = read_fd(fd, buf, cap);
        if (len < 0 || (unsigned long long)len >= cap - 1)
            *why = ": too large for a settings file; ignored"; /* grew while read */
        if (*why)
            len = -1;
    }
    close(fd);
    return len;
}

int ht_secure(void)
{
    return getauxval(AT_SECURE) != 0;
}

char *ht_fmt_u64(char *dst, uint64_t v)
{
    char tmp[21];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        *dst++ = tmp[--n];
    *dst = '\0';
    return dst;
}

uint64_t ht_now_unix_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

const char *ht_getenv(const char *name)
{
    if (getauxval(AT_SECURE))
        return NULL;
    return getenv(name);
}

void *ht_map_once(void **slot, size_t size)
{
    void *m = ht_load_acquire(slot);
    if (m)
        return m;
    int saved = errno;
    m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    void *expected = NULL;
    if (m == MAP_FAILED)
        m = NULL;
    else if (!ht_cas_acq_rel(slot, &expected, m)) {
        munmap(m, size);
        m = expected;
    }
    errno = saved;
    return m;
}

void *ht_map_once_or_none(void **slot, size_t size)
{
    void *m = ht_map_once(slot, size);
    if (!m) {
        void *expected = NULL;
        ht_cas_acq_rel(slot, &expected, HT_MAP_NONE);
        return NULL;
    }
    return m != HT_MAP_NONE ? m : NULL;
}
