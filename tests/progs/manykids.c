/* SPDX-License-Identifier: MIT
 * manykids.c - many tagged processes at once or one after another, for the
 * tests of the segment's footprint and of the keep cap.
 *
 *   manykids seq N TAGS    forks N children one after another; each allocates
 *                          one 24-byte block under each of TAGS tags and exits;
 *                          then the parent does the same. Prints "kid PID" for
 *                          each child, then "pid PID".
 *   manykids hold N TAGS   forks N children that allocate as above and stay;
 *                          prints "ready" once all have, then waits for SIGTERM
 *                          (or 60 s) and ends its children the same way.
 *   manykids sites N       allocates one block at each of N distinct tags and
 *                          checks that every one was served; prints "ok".
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "heaptag.h"

static void *volatile sink;

static void alloc_tags(int tags)
{
    for (int i = 0; i < tags; i++) {
        char tag[16];
        snprintf(tag, sizeof tag, "T%d", i);
        HEAPTAG_SCOPE(tag) {
            sink = malloc(24);
            if (!sink)
                exit(3);
        }
    }
}

static int cmd_seq(int n, int tags)
{
    for (int i = 0; i < n; i++) {
        fflush(stdout);
        pid_t pid = fork();
        if (pid < 0)
            return 1;
        if (pid == 0) {
            alloc_tags(tags);
            exit(0); /* exit, not _exit: the shim marks its segment at exit */
        }
        int st;
        if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
            return 1;
        printf("kid %d\n", (int)pid);
    }
    alloc_tags(tags);
    printf("pid %d\n", (int)getpid());
    return 0;
}

static volatile sig_atomic_t stop;
static void on_term(int sig) { (void)sig; stop = 1; }

static int cmd_hold(int n, int tags)
{
    int fds[2];
    if (pipe(fds) != 0)
        return 1;
    signal(SIGTERM, on_term);
    pid_t kids[1024];
    for (int i = 0; i < n && i < 1024; i++) {
        fflush(stdout);
        kids[i] = fork();
        if (kids[i] < 0)
            return 1;
        if (kids[i] == 0) {
            alloc_tags(tags);
            if (write(fds[1], "x", 1) != 1)
                _exit(1);
            while (!stop)
                pause();
            exit(0); /* through exit: the segment goes with the process */
        }
    }
    char c;
    for (int i = 0; i < n; i++)
        if (read(fds[0], &c, 1) != 1)
            return 1;
    printf("ready\n");
    fflush(stdout);
    for (int i = 0; i < 600 && !stop; i++)
        usleep(100000);
    for (int i = 0; i < n; i++)
        kill(kids[i], SIGTERM);
    for (int i = 0; i < n; i++)
        waitpid(kids[i], NULL, 0);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "seq") == 0)
        return cmd_seq(atoi(argv[2]), atoi(argv[3]));
    if (argc == 4 && strcmp(argv[1], "hold") == 0)
        return cmd_hold(atoi(argv[2]), atoi(argv[3]));
    if (argc == 3 && strcmp(argv[1], "sites") == 0) {
        alloc_tags(atoi(argv[2]));
        printf("ok\n");
        return 0;
    }
    fprintf(stderr, "usage: manykids seq|hold N TAGS | manykids sites N\n");
    return 2;
}
