/* SPDX-License-Identifier: MIT
 * util/open_regular.h - opening a file whose name the tool did not choose (a
 * module path from a segment, an exe named in a log, a debug file, a tag
 * description file): only a regular file is ever opened for reading, so a
 * FIFO or a device planted under that name can never block or disturb the tool.
 */
#ifndef HT_OPEN_REGULAR_H
#define HT_OPEN_REGULAR_H

#include <stdio.h>

/* Opens path read-only (close-on-exec) if it is a regular file: refused
 * without opening when stat says it is not one, then opened
 * with O_NONBLOCK | O_NOCTTY, checked again with fstat (the name may have
 * changed in between), and O_NONBLOCK cleared. Returns the fd, or -1 with
 * errno set (EINVAL for a file that is not regular). */
int open_regular(const char *path);

/* The same as a stdio stream ("re"), or NULL with errno set. */
FILE *fopen_regular(const char *path);

#endif
