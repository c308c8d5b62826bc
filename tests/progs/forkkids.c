/* SPDX-License-Identifier: MIT
 * forkkids.c - a parent whose descendants carry the shim: child 1 (forked)
 * first forks a grandchild that allocates 7 blocks of 16 bytes under "Grand",
 * then allocates 10 of 32 under "Kid"; child 2 execs this program again
 * ("kid 20": 20 blocks of 32 under "Kid"). After they have all exited the
 * parent allocates 5 of 64 under "Par" and prints every pid. Nothing is freed.
 * Usage: forkkids | forkkids kid N
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "heaptag.h"

static void *volatile sink;

static void alloc_n(const char *tag, int n, size_t size)
{
    HEAPTAG_SCOPE(tag) {
        for (int i = 0; i < n; i++)
            sink = malloc(size);
    }
}

static pid_t spawn(void (*fn)(void))
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        exit(1);
    }
    if (pid == 0) {
        fn();
        exit(0);
    }
    return pid;
}

static void reap(pid_t pid)
{
    int status;
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "forkkids: pid %d failed\n", (int)pid);
        exit(1);
    }
}

static void grandchild(void) { alloc_n("Grand", 7, 16); }

static void child1(void)
{
    pid_t g = spawn(grandchild);
    reap(g);
    alloc_n("Kid", 10, 32);
    printf("grandchild %d\n", (int)g);
}

static void child2(void)
{
    execl("/proc/self/exe", "forkkids", "kid", "20", (char *)NULL);
    perror("exec");
    exit(1);
}

int main(int argc, char **argv)
{
    if (argc == 3) { /* the exec'd child */
        alloc_n("Kid", atoi(argv[2]), 32);
        return 0;
    }
    pid_t c1 = spawn(child1);
    reap(c1);
    pid_t c2 = spawn(child2);
    reap(c2);
    alloc_n("Par", 5, 64);
    printf("child1 %d\nchild2 %d\npid %d\n", (int)c1, (int)c2, (int)getpid());
    return 0;
}
