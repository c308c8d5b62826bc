/* SPDX-License-Identifier: MIT
 * test_open_regular.c - files named by a segment or a log are opened only when
 * regular: a FIFO (which a plain open would wait on for ever), a device and a
 * directory are refused at once, a regular file opens in blocking mode.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/open_regular.h"

Test(open_regular, only_regular_files, .timeout = 10)
{
    char dir[] = "/tmp/heaptag-openreg-XXXXXX", fifo[64], file[64];
    cr_assert_not_null(mkdtemp(dir));
    snprintf(fifo, sizeof fifo, "%s/lib.debug", dir);
    snprintf(file, sizeof file, "%s/plain", dir);
    cr_assert_eq(mkfifo(fifo, 0600), 0);
    FILE *f = fopen(file, "w");
    cr_assert_not_null(f);
    fputs("text\n", f);
    fclose(f);

    cr_assert_eq(open_regular(fifo), -1, "a FIFO was opened");
    cr_assert_eq(errno, EINVAL);
    cr_assert_eq(open_regular("/dev/null"), -1, "a device was opened");
    cr_assert_eq(open_regular(dir), -1, "a directory was opened");
    cr_assert_eq(open_regular("/nonexistent/x"), -1);
    cr_assert_eq(errno, ENOENT);
    int fd = open_regular(file);
    cr_assert_geq(fd, 0);
    cr_assert_eq(fcntl(fd, F_GETFL) & O_NONBLOCK, 0, "left non-blocking");
    cr_assert_neq(fcntl(fd, F_GETFD) & FD_CLOEXEC, 0, "not close-on-exec");
    close(fd);
    f = fopen_regular(file);
    cr_assert_not_null(f);
    char line[16];
    cr_assert_not_null(fgets(line, sizeof line, f));
    cr_assert_str_eq(line, "text\n");
    fclose(f);
    cr_assert_null(fopen_regular(fifo));
    unlink(fifo);
    unlink(file);
    rmdir(dir);
}
