/*
 * test_cli.c - the tool as a user meets it: run, ls, mon, gc, their errors,
 * and damaged files named like segments.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

static int exit_code(const struct run_result *r)
{
    return WIFEXITED(r->status) ? WEXITSTATUS(r->status) : 128 + WTERMSIG(r->status);
}

static struct run_result tool(const char *a1, const char *a2, const char *a3, const char *a4)
{
    const char *argv[] = { build_path("heaptag"), a1, a2, a3, a4, NULL };
    struct run_result r;
    cr_assert_eq(run_cmd(argv, NULL, 0, NULL, &r), 0);
    return r;
}

TestSuite(cli, .timeout = 60);

Test(cli, run_execs_with_status_and_tags)
{
    const char *argv[] = { build_path("heaptag"), "run", "--", build_path("tests/progs/patterns"),
                           "basic", NULL };
    struct run_result r;
    cr_assert_eq(run_cmd(argv, NULL, 0, NULL, &r), 0);
    cr_assert_eq(exit_code(&r), 0, "%s", r.err);
    int pid = find_pid(r.out, "pid ");
    cr_assert_eq(pid, r.pid, "run execs: same pid");
    struct tag_counts c;
    cr_assert_eq(tag_counts(pid, "Basc", &c), 0);
    cr_assert_eq(c.allocs, 10);
    segment_remove(pid);
    run_free(&r);

    const char *fail[] = { build_path("heaptag"), "run", "--", "sh", "-c", "exit 42", NULL };
    cr_assert_eq(run_cmd(fail, NULL, 0, NULL, &r), 0);
    cr_assert_eq(exit_code(&r), 42);
    segment_remove(r.pid);
    run_free(&r);
}

Test(cli, untagged_pid_and_usage_errors)
{
    struct run_result r = tool("mon", "-p", "1", NULL);
    cr_assert_eq(exit_code(&r), 1);
    cr_assert(strstr(r.err, "Query heap tags failed"), "%s", r.err);
    cr_assert(strstr(r.err, "heaptag run"), "%s", r.err);
    run_free(&r);
    r = tool("mon", "--bogus", NULL, NULL);
    cr_assert_eq(exit_code(&r), 2);
    run_free(&r);
    r = tool("frobnicate", NULL, NULL, NULL);
    cr_assert_eq(exit_code(&r), 2);
    run_free(&r);
    r = tool("run", "+nosuchflag", "--", "true");
    cr_assert_eq(exit_code(&r), 2);
    cr_assert(strstr(r.err, "nosuchflag"), "%s", r.err);
    run_free(&r);
    r = tool("mon", "-n", "abc", NULL);
    cr_assert_eq(exit_code(&r), 2);
    run_free(&r);
}

static void write_file(const char *path, const void *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, data, len), (ssize_t)len);
    close(fd);
}

Test(cli, damaged_segments_are_skipped)
{
    /* a real segment of an exited process, then damaged copies of it */
    struct run_result r;
    const char *argv[] = { build_path("tests/progs/patterns"), "basic", NULL };
    cr_assert_eq(run_cmd(argv, NULL, 1, NULL, &r), 0);
    int pid = r.pid;
    run_free(&r);
    char path[96];
    segment_path(path, sizeof path, pid);
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f);
    static char img[1 << 23];
    size_t n = fread(img, 1, sizeof img, f);
    fclose(f);
    cr_assert_gt(n, 4096);

    write_file("/dev/shm/heaptag.2000000001", img, 100);                /* truncated header */
    write_file("/dev/shm/heaptag.2000000002", img, n / 2);              /* truncated tables */
    write_file("/dev/shm/heaptag.2000000003", "garbage garbage", 15);   /* not a segment */
    memset(img + 80, 0xff, 40);                                         /* lying sizes */
    write_file("/dev/shm/heaptag.2000000004", img, n);
    unlink("/dev/shm/heaptag.2000000005"); /* left by an earlier run that failed */
    cr_assert_eq(symlink("/etc/passwd", "/dev/shm/heaptag.2000000005"), 0);

    r = tool("ls", NULL, NULL, NULL);
    cr_assert_eq(exit_code(&r), 0, "%s", r.err);
    char line[32];
    snprintf(line, sizeof line, "%d", pid);
    cr_assert(strstr(r.out, line), "the good segment is listed:\n%s", r.out);
    for (int i = 1; i <= 4; i++) {
        snprintf(line, sizeof line, "heaptag.200000000%d", i);
        cr_expect(strstr(r.err, line), "%s reported:\n%s", line, r.err);
    }
    run_free(&r);
    r = tool("mon", "-n", "1", NULL);
    cr_assert_eq(exit_code(&r), 0, "%s", r.err);
    cr_assert(strstr(r.out, "Basc"), "%s", r.out);
    run_free(&r);
    for (int i = 1; i <= 5; i++) {
        snprintf(path, sizeof path, "/dev/shm/heaptag.200000000%d", i);
        unlink(path);
    }
    segment_remove(pid);
}

Test(cli, gc_removes_abandoned_incomplete_segments)
{
    /* in a directory of its own: gc in /dev/shm would take other tests' kept segments */
    char dir[] = "/tmp/heaptag-gc-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    /* a pid that is surely gone: a child that has been reaped */
    pid_t gone = fork();
    if (gone == 0)
        _exit(0);
    waitpid(gone, NULL, 0);
    char old_path[96], live_path[96], env[128];
    snprintf(old_path, sizeof old_path, "%s/heaptag.%d", dir, (int)gone);
    snprintf(live_path, sizeof live_path, "%s/heaptag.%d.7", dir, (int)getpid());
    static char zeros[8192];
    write_file(old_path, zeros, sizeof zeros); /* magic never written: its creator died */
    write_file(live_path, zeros, sizeof zeros);
    struct timespec past[2] = { { time(NULL) - 60, 0 }, { time(NULL) - 60, 0 } };
    cr_assert_eq(utimensat(AT_FDCWD, old_path, past, 0), 0);
    cr_assert_eq(utimensat(AT_FDCWD, live_path, past, 0), 0);
    snprintf(env, sizeof env, "HEAPTAG_SHM_DIR=%s", dir);
    const char *envs[] = { env, NULL };
    const char *argv[] = { build_path("heaptag"), "gc", NULL };
    struct run_result r;
    cr_assert_eq(run_cmd(argv, envs, 0, NULL, &r), 0);
    cr_assert_eq(exit_code(&r), 0, "%s", r.err);
    cr_expect_neq(access(old_path, F_OK), 0, "abandoned and damaged: removed\n%s", r.out);
    cr_expect_eq(access(live_path, F_OK), 0, "damaged but its process runs: kept");
    run_free(&r);
    unlink(old_path);
    unlink(live_path);
    rmdir(dir);
}
