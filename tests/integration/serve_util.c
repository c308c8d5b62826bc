/* SPDX-License-Identifier: MIT
 * serve_util.c - background processes, ports and a raw HTTP client for the
 * server tests. Everything here is bounded in time: no call waits forever.
 */
#include "serve_util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

pid_t bg_start(const char *const argv[], const char *const env[], int *out_fd,
               const char *log_path)
{
    int p[2] = { -1, -1 };
    if (out_fd && pipe(p) != 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        setpgid(0, 0);
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* a test that dies leaves nothing running */
        int log = open(log_path ? log_path : "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0600);
        int devnull = open("/dev/null", O_RDONLY);
        dup2(devnull, 0);
        dup2(out_fd ? p[1] : log, 1);
        dup2(log, 2);
        if (out_fd)
            close(p[0]);
        for (size_t i = 0; env && env[i]; i++)
            putenv((char *)env[i]);
        execvp(argv[0], (char *const *)argv);
        _exit(127);
    }
    setpgid(pid, pid); /* both sides, so the group exists whoever runs first */
    if (out_fd) {
        close(p[1]);
        *out_fd = p[0];
    }
    return pid;
}

void bg_stop(pid_t pid)
{
    if (pid <= 0)
        return;
    kill(-pid, SIGTERM);
    for (int i = 0; i < 300; i++) {
        if (waitpid(pid, NULL, WNOHANG) == pid) {
            kill(-pid, SIGKILL); /* anything the leader left behind */
            return;
        }
        usleep(10000);
    }
    kill(-pid, SIGKILL);
    waitpid(pid, NULL, 0);
}

int bg_alive(pid_t pid)
{
    return waitpid(pid, NULL, WNOHANG) == 0;
}

int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof a;
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    close(fd);
    return ntohs(a.sin_port);
}

static long long mono_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

long http_raw(int port, const void *req, size_t len, char *buf, size_t cap, int timeout_ms)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    const char *p = req;
    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n <= 0)
            break; /* the server may answer and close before taking it all */
        p += n;
        len -= (size_t)n;
    }
    long long end = mono_ms() + timeout_ms;
    size_t got = 0;
    while (got + 1 < cap) {
        long long left = end - mono_ms();
        struct pollfd pfd = { fd, POLLIN, 0 };
        if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
            break;
        ssize_t n = recv(fd, buf + got, cap - 1 - got, 0);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    buf[got] = '\0';
    close(fd);
    return (long)got;
}

pid_t serve_start(const char *const extra[], const char *const env[], int *port)
{
    const char *argv[16] = { build_path("heaptag"), "serve", "--listen", "127.0.0.1:0" };
    size_t n = 4;
    for (size_t i = 0; extra && extra[i] && n < 15; i++)
        argv[n++] = extra[i];
    argv[n] = NULL;
    int fd;
    pid_t pid = bg_start(argv, env, &fd, NULL);
    if (pid <= 0)
        return 0;
    char line[256];
    size_t got = 0;
    long long end = mono_ms() + 10000;
    while (got + 1 < sizeof line && !memchr(line, '\n', got)) {
        struct pollfd pfd = { fd, POLLIN, 0 };
        long long left = end - mono_ms();
        if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
            break;
        ssize_t r = read(fd, line + got, sizeof line - 1 - got);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd); /* the server prints nothing more on stdout */
    line[got] = '\0';
    const char *at = strstr(line, "http://127.0.0.1:");
    if (!at) {
        bg_stop(pid);
        return 0;
    }
    *port = atoi(at + strlen("http://127.0.0.1:"));
    return pid;
}
