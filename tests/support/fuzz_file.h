/* SPDX-License-Identifier: MIT
 * fuzz_file.h - for fuzz targets whose parser reads a file: the input written
 * to a file of this process's own, the same one every run.
 */
#ifndef HT_FUZZ_FILE_H
#define HT_FUZZ_FILE_H

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

/* Writes data[0..len) to /tmp/heaptag-fuzz-<name>.<pid>. Returns its path,
 * or NULL when it could not be written whole. */
static inline const char *fuzz_file(const char *name, const uint8_t *data, size_t len)
{
    static char path[96];
    if (!path[0])
        snprintf(path, sizeof path, "/tmp/heaptag-fuzz-%s.%d", name, (int)getpid());
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0)
        return NULL;
    ssize_t n = write(fd, data, len);
    close(fd);
    return n == (ssize_t)len ? path : NULL;
}

#endif
