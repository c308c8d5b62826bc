/* SPDX-License-Identifier: MIT
 * harness.c - process running and CSV reading for the integration tests.
 */
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

const char *build_path(const char *rel)
{
    static __thread char buf[4][4096];
    static __thread int next;
    const char *dir = getenv("HEAPTAG_BUILD");
    char *b = buf[next++ % 4];
    snprintf(b, sizeof buf[0], "%s/%s", dir && *dir ? dir : "build", rel);
    return b;
}

static void append(char **buf, size_t *len, size_t *cap, const char *data, size_t n)
{
    if (*len + n + 1 > *cap) {
        *cap = (*len + n + 1) * 2;
        *buf = realloc(*buf, *cap);
    }
    memcpy(*buf + *len, data, n);
    *len += n;
    (*buf)[*len] = '\0';
}

int run_cmd(const char *const argv[], const char *const env[], int preload,
            const char *stdin_data, struct run_result *r)
{
    int out[2], err[2], in[2];
    memset(r, 0, sizeof *r);
    if (pipe(out) || pipe(err) || pipe(in))
        return -1;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        /* a test that times out is killed: take the program with it */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        dup2(in[0], 0);
        dup2(out[1], 1);
        dup2(err[1], 2);
        close(in[1]);
        close(out[0]);
        close(err[0]);
        if (preload) {
            char lib[4096];
            snprintf(lib, sizeof lib, "%s", build_path("libheaptag.so"));
            if (lib[0] != '/') {
                char cwd[2048];
                if (getcwd(cwd, sizeof cwd))
                    snprintf(lib, sizeof lib, "%s/%s", cwd, build_path("libheaptag.so"));
            }
            setenv("LD_PRELOAD", lib, 1);
            setenv("HEAPTAG_KEEP", "1", 0);
        }
        for (size_t i = 0; env && env[i]; i++)
            putenv((char *)env[i]);
        execvp(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    close(err[1]);
    size_t in_len = stdin_data ? strlen(stdin_data) : 0, in_off = 0;
    if (!stdin_data) {
        close(in[1]);
        in[1] = -1;
    } else {
        fcntl(in[1], F_SETFL, O_NONBLOCK);
    }
    size_t ocap = 0, ecap = 0;
    append(&r->out, &r->out_len, &ocap, "", 0);
    append(&r->err, &r->err_len, &ecap, "", 0);
    int open_fds = 2;
    while (open_fds > 0 || in[1] >= 0) {
        struct pollfd p[3] = { { out[0], POLLIN, 0 }, { err[0], POLLIN, 0 }, { in[1], POLLOUT, 0 } };
        if (poll(p, 3, -1) < 0 && errno != EINTR)
            break;
        for (int i = 0; i < 2; i++) {
            if (p[i].fd >= 0 && (p[i].revents & (POLLIN | POLLHUP))) {
                char buf[65536];
                ssize_t n = read(p[i].fd, buf, sizeof buf);
                if (n > 0) {
                    if (i == 0)
                        append(&r->out, &r->out_len, &ocap, buf, (size_t)n);
                    else
                        append(&r->err, &r->err_len, &ecap, buf, (size_t)n);
                } else {
                    close(i == 0 ? out[0] : err[0]);
                    if (i == 0) out[0] = -1; else err[0] = -1;
                    open_fds--;
                }
            }
        }
        if (in[1] >= 0 && (p[2].revents & (POLLOUT | POLLERR | POLLHUP))) {
            ssize_t n = write(in[1], stdin_data + in_off, in_len - in_off);
            if (n > 0)
                in_off += (size_t)n;
            if (n < 0 || in_off == in_len) {
                close(in[1]);
                in[1] = -1;
            }
        }
    }
    waitpid(pid, &r->status, 0);
    r->pid = pid;
    return 0;
}

/* argv[0] = first, then args (NULL-terminated, or NULL), within cap. */
static void make_argv(const char **argv, size_t cap, const char *first, const char *const args[])
{
    size_t n = 0;
    argv[n++] = first;
    while (args && *args && n < cap - 1)
        argv[n++] = *args++;
    argv[n] = NULL;
}

int run_tool(const char *const args[], struct run_result *r)
{
    const char *argv[16];
    make_argv(argv, 16, build_path("heaptag"), args);
    return run_cmd(argv, NULL, 0, NULL, r);
}

int heaptag_run(const char *rel, const char *arg, struct run_result *r)
{
    const char *args[] = { "run", "--", build_path(rel), arg, NULL };
    return run_tool(args, r);
}

int start_tagged(const char *rel, const char *const args[], int out_fd)
{
    pid_t pid = fork();
    if (pid == 0) {
        if (out_fd >= 0)
            dup2(out_fd, STDOUT_FILENO);
        setenv("LD_PRELOAD", build_path("libheaptag.so"), 1);
        setenv("HEAPTAG_KEEP", "1", 1);
        const char *argv[16];
        make_argv(argv, 16, build_path(rel), args);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    return pid;
}

void run_free(struct run_result *r)
{
    free(r->out);
    free(r->err);
    memset(r, 0, sizeof *r);
}

/* Index of name in a CSV header line, -1 if absent. */
static int column(const char *header, const char *name)
{
    int idx = 0;
    size_t n = strlen(name);
    for (const char *p = header; *p; idx++) {
        const char *e = strpbrk(p, ",\n");
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == n && strncmp(p, name, n) == 0)
            return idx;
        if (!e || *e == '\n')
            break;
        p = e + 1;
    }
    return -1;
}

/* The idx-th field of a CSV line (no quoted commas in our fields of interest). */
static void field(const char *line, int idx, char *dst, size_t cap)
{
    const char *p = line;
    for (int i = 0; i < idx && p; i++) {
        p = strchr(p, ',');
        if (p)
            p++;
    }
    dst[0] = '\0';
    if (!p)
        return;
    size_t len = strcspn(p, ",\n");
    if (len >= cap)
        len = cap - 1;
    memcpy(dst, p, len);
    dst[len] = '\0';
}

int csv_tag_counts(const char *csv, int pid, const char *tag, struct tag_counts *c)
{
    memset(c, 0, sizeof *c);
    int ct = column(csv, "tag"), ca = column(csv, "allocs"), cf = column(csv, "frees"),
        cb = column(csv, "bytes"), cp = column(csv, "pid");
    if (ct < 0 || ca < 0 || cf < 0 || cb < 0 || cp < 0)
        return -1;
    for (const char *line = strchr(csv, '\n'); line && line[1]; line = strchr(line, '\n')) {
        line++;
        char f[256];
        field(line, cp, f, sizeof f);
        if (pid > 0 && atoi(f) != pid)
            continue;
        field(line, ct, f, sizeof f);
        if (strcmp(f, tag) != 0)
            continue;
        field(line, ca, f, sizeof f);
        c->allocs += strtoull(f, NULL, 10);
        field(line, cf, f, sizeof f);
        c->frees += strtoull(f, NULL, 10);
        field(line, cb, f, sizeof f);
        c->bytes += strtoull(f, NULL, 10);
        c->rows++;
    }
    return 0;
}

int run_flagged(const char *rel, const char *arg, const char *flags, struct run_result *r)
{
    char flagenv[128];
    snprintf(flagenv, sizeof flagenv, "HEAPTAG_FLAGS=%s", flags);
    const char *env[] = { flagenv, NULL };
    const char *argv[] = { build_path(rel), arg, NULL };
    return run_cmd(argv, env, 1, NULL, r);
}

char *tool_pid_out(const char *cmd, int pid, const char *const extra[])
{
    char pidbuf[32];
    const char *argv[32] = { build_path("heaptag"), cmd, "-p", pidbuf };
    size_t n = 4;
    snprintf(pidbuf, sizeof pidbuf, "%d", pid);
    for (size_t i = 0; extra && extra[i] && n < sizeof argv / sizeof argv[0] - 1; i++)
        argv[n++] = extra[i];
    argv[n] = NULL;
    struct run_result r;
    if (run_cmd(argv, NULL, 0, NULL, &r) != 0)
        return NULL;
    if (!WIFEXITED(r.status) || WEXITSTATUS(r.status) != 0) {
        fprintf(stderr, "heaptag %s -p %d failed: %s", cmd, pid, r.err);
        run_free(&r);
        return NULL;
    }
    free(r.err);
    return r.out;
}

char *mon_csv_all(void)
{
    const char *argv[] = { build_path("heaptag"), "mon", "-n", "1", "--format", "csv", NULL };
    struct run_result r;
    if (run_cmd(argv, NULL, 0, NULL, &r) != 0)
        return NULL;
    free(r.err);
    if (!WIFEXITED(r.status) || WEXITSTATUS(r.status) != 0) {
        free(r.out);
        return NULL;
    }
    return r.out;
}

int tag_counts(int pid, const char *tag, struct tag_counts *c)
{
    char pidbuf[32];
    snprintf(pidbuf, sizeof pidbuf, "%d", pid);
    const char *argv[] = { build_path("heaptag"), "mon", "-p", pidbuf, "-n", "1",
                           "--format", "csv", NULL };
    struct run_result r;
    memset(c, 0, sizeof *c);
    if (run_cmd(argv, NULL, 0, NULL, &r) != 0)
        return -1;
    if (!WIFEXITED(r.status) || WEXITSTATUS(r.status) != 0) {
        fprintf(stderr, "heaptag mon failed: %s\n", r.err);
        run_free(&r);
        return -1;
    }
    int rc = csv_tag_counts(r.out, pid, tag, c);
    run_free(&r);
    return rc;
}

const char *segment_path(char *dst, size_t cap, int pid)
{
    struct stat st;
    unsigned long long ns = stat("/proc/self/ns/pid", &st) == 0 ? (unsigned long long)st.st_ino : 0;
    if (ns)
        snprintf(dst, cap, "/dev/shm/heaptag.%llu.%d", ns, pid);
    else
        snprintf(dst, cap, "/dev/shm/heaptag.%d", pid);
    return dst;
}

void segment_remove(int pid)
{
    char path[96];
    unlink(segment_path(path, sizeof path, pid));
}

int shell_out(const char *cmd, char *out, size_t cap)
{
    FILE *p = popen(cmd, "r");
    if (!p)
        return -1;
    size_t n = fread(out, 1, cap - 1, p);
    out[n] = '\0';
    return pclose(p);
}

int count_in(const char *text, const char *word)
{
    int n = 0;
    for (const char *p = text; (p = strstr(p, word)) != NULL; p += strlen(word))
        n++;
    return n;
}

int find_pid(const char *text, const char *word)
{
    const char *p = strstr(text, word);
    return p ? atoi(p + strlen(word)) : -1;
}
