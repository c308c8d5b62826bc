/* SPDX-License-Identifier: MIT
 * child_wait.h - waiting for a forked child with a time limit, for the test
 * programs that fork while other threads allocate: a child that hangs (a
 * lock held across fork) is killed, not waited on for ever.
 */
#ifndef HT_CHILD_WAIT_H
#define HT_CHILD_WAIT_H

#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>

/* Waits up to timeout_ms for child pid to end, its status in *st. Returns 1
 * if it ended; 0 if it hung, when it has been killed and reaped. */
static inline int child_ended(pid_t pid, int *st, int timeout_ms)
{
    struct timespec step = { 0, 2000000 };
    for (int ms = 0; ms < timeout_ms; ms += 2) {
        if (waitpid(pid, st, WNOHANG) == pid)
            return 1;
        nanosleep(&step, NULL);
    }
    kill(pid, SIGKILL);
    waitpid(pid, st, 0);
    return 0;
}

#endif
