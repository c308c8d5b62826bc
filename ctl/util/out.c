/* SPDX-License-Identifier: MIT
 * util/out.c - flushing stdout with the pipe-closed case turned into a quiet,
 * successful exit, as `heaptag mon | head` expects.
 */
#include "util/out.h"

#include <err.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

void out_init(void)
{
    signal(SIGPIPE, SIG_IGN);
}

void out_flush(void)
{
    errno = 0;
    int rc = fflush(stdout);
    int e = errno;
    if (rc == 0 && !ferror(stdout))
        return;
    if (e == EPIPE || e == 0)
        _exit(0); /* a failed write before, now an empty buffer: the reader left */
    errno = e;
    err(1, "stdout");
}
