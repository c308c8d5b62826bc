/* SPDX-License-Identifier: MIT
 * test_cli.c - the tool as a user meets it: run, ls, mon, gc, their errors,
 * and damaged files named like segments.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <signal.h>
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
    struct run_result r;
    cr_assert_eq(heaptag_run("tests/progs/patterns", "basic", &r), 0);
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
    /* which it is, not "not tagged, or not yours": no segment has its pid */
    cr_assert(strstr(r.err, "not tagged") && !strstr(r.err, " or not yours"), "%s", r.err);
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

Test(cli, usage_errors_are_one_line)
{
    const char *cases[][3] = {
        { "mon", "-z", "heaptag: mon: unknown option -z; see heaptag mon --help\n" },
        { "flags", "+bogus", "see heaptag flags --help\n" },
        { "frobnicate", NULL, "heaptag: unknown command 'frobnicate'; see heaptag --help\n" },
        { "run", NULL, "heaptag: run: no command given; see heaptag run --help\n" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct run_result r = tool(cases[i][0], cases[i][1], NULL, NULL);
        cr_assert_eq(exit_code(&r), 2, "%s %s", cases[i][0], cases[i][1]);
        cr_assert(strstr(r.err, cases[i][2]), "%s", r.err);
        cr_assert_eq(strchr(r.err, '\n') + 1, r.err + r.err_len, "one line: %s", r.err);
        cr_assert_eq(r.out_len, 0);
        run_free(&r);
    }
    /* /h and /? show the help, as -h does */
    const char *helps[][2] = { { "mon", "/h" }, { "mon", "/?" }, { "flags", "/h" },
                               { "/h", NULL }, { "run", "/h" } };
    for (size_t i = 0; i < sizeof helps / sizeof helps[0]; i++) {
        struct run_result r = tool(helps[i][0], helps[i][1], NULL, NULL);
        cr_assert_eq(exit_code(&r), 0, "%s %s: %s", helps[i][0], helps[i][1], r.err);
        cr_assert(strstr(r.out, "usage: heaptag"), "%s", r.out);
        run_free(&r);
    }
}

Test(cli, run_names_programs_the_shim_cannot_enter)
{
    /* statically linked: no loader to preload into */
    const char *stat_prog = build_path("tests/progs/patterns_static");
    struct run_result r = tool("run", "--", stat_prog, "basic");
    cr_assert_eq(exit_code(&r), 1, "%s", r.err);
    cr_assert(strstr(r.err, "statically linked") && strstr(r.err, "--anyway"), "%s", r.err);
    cr_assert_eq(strchr(r.err, '\n') + 1, r.err + r.err_len, "one line: %s", r.err);
    cr_assert_eq(r.out_len, 0, "it did not start: %s", r.out);
    run_free(&r);
    r = tool("run", "--anyway", stat_prog, "basic");
    cr_assert_eq(exit_code(&r), 0, "%s", r.err);
    cr_assert(strstr(r.out, "pid "), "it ran: %s", r.out);
    run_free(&r);

    /* setuid to another user: the loader ignores LD_PRELOAD */
    if (geteuid() != 0) {
        cr_log_warn("not root: the setuid case needs chown; skipped");
        return;
    }
    char suid[64];
    snprintf(suid, sizeof suid, "/tmp/heaptag-suid.%d", (int)getpid());
    char cmd[256];
    snprintf(cmd, sizeof cmd, "cp %s %s && chown 65534 %s && chmod 4755 %s",
             build_path("tests/progs/patterns"), suid, suid, suid);
    cr_assert_eq(system(cmd), 0);
    r = tool("run", "--", suid, "basic");
    unlink(suid);
    cr_assert_eq(exit_code(&r), 1, "%s", r.err);
    cr_assert(strstr(r.err, "setuid"), "%s", r.err);
    run_free(&r);
}

Test(cli, mon_says_why_a_pid_has_no_segment)
{
    /* a process that was not started under the shim */
    pid_t child = fork();
    if (child == 0) {
        execlp("sleep", "sleep", "30", (char *)NULL);
        _exit(127);
    }
    char pid[32];
    snprintf(pid, sizeof pid, "%d", (int)child);
    struct run_result r = tool("mon", "-p", pid, NULL);
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    cr_assert_eq(exit_code(&r), 1);
    cr_assert(strstr(r.err, "not started under the shim"), "%s", r.err);
    run_free(&r);
    /* gone: it exited (and without HEAPTAG_KEEP its segment went with it) */
    r = tool("mon", "-p", pid, NULL);
    cr_assert(strstr(r.err, "HEAPTAG_KEEP"), "%s", r.err);
    run_free(&r);
    /* a static program running */
    child = fork();
    if (child == 0) {
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 1);
        execl(build_path("tests/progs/patterns_static"), "patterns_static", "sleep", (char *)NULL);
        _exit(127);
    }
    snprintf(pid, sizeof pid, "%d", (int)child);
    for (int i = 0; i < 50; i++) { /* until it has exec'd */
        char exe[256], link[64];
        snprintf(link, sizeof link, "/proc/%d/exe", (int)child);
        ssize_t n = readlink(link, exe, sizeof exe - 1);
        if (n > 0 && (exe[n] = '\0', strstr(exe, "patterns_static")))
            break;
        usleep(20000);
    }
    r = tool("mon", "-p", pid, NULL);
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    cr_assert(strstr(r.err, "statically linked"), "%s", r.err);
    run_free(&r);
}

Test(cli, mon_says_a_full_shm_means_counting_privately)
{
    /* a private /dev/shm of 64 KiB; a process under the shim whose segment is
     * gone and the file system full, as when /dev/shm was full at its start */
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "unshare -m sh -c 'mount -t tmpfs -o size=64k tmpfs /dev/shm || exit 77; "
             "LD_PRELOAD=%s sleep 20 2>/dev/null & p=$!; sleep 0.5; rm -f /dev/shm/heaptag.*; "
             "dd if=/dev/zero of=/dev/shm/fill bs=4k 2>/dev/null; "
             "%s mon -p $p -n 1 2>&1; kill $p' > /tmp/heaptag-fullshm.%d 2>&1",
             build_path("libheaptag.so"), build_path("heaptag"), (int)getpid());
    int st = system(cmd);
    char path[64];
    snprintf(path, sizeof path, "/tmp/heaptag-fullshm.%d", (int)getpid());
    if (WIFEXITED(st) && WEXITSTATUS(st) == 77) {
        unlink(path);
        cr_skip_test("unshare -m or mount not permitted here");
    }
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f);
    char out[4096] = "";
    size_t n = fread(out, 1, sizeof out - 1, f);
    out[n] = '\0';
    fclose(f);
    unlink(path);
    cr_assert(strstr(out, "/dev/shm is full") && strstr(out, "counts privately"), "%s", out);
}

/* heaptag CMD --help and heaptag help CMD: that command's own help (its
 * synopsis, its options, an example), not the whole usage text. */
Test(cli, help_per_command)
{
    const char *cmds[] = { "run", "ls", "mon", "gc", "flags", "dump", "diff", "trend",
                           "reports", "export", "serve" };
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        char head[64];
        snprintf(head, sizeof head, "usage: heaptag %s", cmds[i]);
        struct run_result a = tool(cmds[i], "--help", NULL, NULL);
        struct run_result b = tool("help", cmds[i], NULL, NULL);
        cr_assert_eq(exit_code(&a), 0, "%s --help: %s", cmds[i], a.err);
        cr_assert_eq(exit_code(&b), 0, "help %s: %s", cmds[i], b.err);
        cr_assert(!strncmp(a.out, head, strlen(head)), "%s --help:\n%s", cmds[i], a.out);
        cr_assert_str_eq(a.out, b.out, "help %s is %s --help", cmds[i], cmds[i]);
        cr_assert(strstr(a.out, "\nexample:\n  heaptag "), "%s", a.out);
        cr_assert(!strstr(a.out, "heaptag serve [") || !strcmp(cmds[i], "serve"),
                  "%s --help is not the whole usage:\n%s", cmds[i], a.out);
        run_free(&a);
        run_free(&b);
    }
    struct run_result r = tool("mon", "--help", NULL, NULL);
    cr_assert(strstr(r.out, "  --by tag|site|func|module") && strstr(r.out, "  --split") &&
              strstr(r.out, "  -p PID|NAME[,...]"), "%s", r.out);
    run_free(&r);
    r = tool("help", "frobnicate", NULL, NULL);
    cr_assert_eq(exit_code(&r), 2);
    cr_assert(strstr(r.err, "unknown command 'frobnicate'"), "%s", r.err);
    run_free(&r);
}

/* The pid is never a guess: --pid-file writes the program's own pid (run
 * execs it), and with stderr redirected nothing is added to it. */
Test(cli, run_pid_file_and_quiet_when_redirected)
{
    char file[128];
    snprintf(file, sizeof file, "/tmp/heaptag-test-pidfile.%d", (int)getpid());
    const char *argv[] = { build_path("heaptag"), "run", "--pid-file", file, "+ptg", "--",
                           "sh", "-c", "echo $$ >&2", NULL };
    struct run_result r;
    cr_assert_eq(run_cmd(argv, NULL, 0, NULL, &r), 0);
    cr_assert_eq(exit_code(&r), 0, "%s", r.err);
    char want[32];
    snprintf(want, sizeof want, "%d\n", r.pid);
    cr_assert_str_eq(r.err, want, "stderr is the program's alone (not a terminal)");
    FILE *f = fopen(file, "r");
    cr_assert_not_null(f);
    char got[32] = "";
    cr_assert(fgets(got, sizeof got, f));
    fclose(f);
    cr_assert_str_eq(got, want, "the pid file holds the program's pid");
    unlink(file);
    segment_remove(r.pid);
    run_free(&r);

    r = tool("run", "--", "/tmp", NULL);
    cr_assert_eq(exit_code(&r), 126);
    cr_assert_str_eq(r.err, "heaptag: /tmp: is a directory\n");
    run_free(&r);
}

/* mon -p takes a program name: every tagged process of that name. */
Test(cli, mon_p_takes_a_program_name)
{
    struct run_result r;
    cr_assert_eq(heaptag_run("tests/progs/patterns", "basic", &r), 0);
    cr_assert_eq(exit_code(&r), 0, "%s", r.err);
    int pid = r.pid;
    run_free(&r);
    const char *mon[] = { build_path("heaptag"), "mon", "-p", "patterns", "-n", "1",
                          "--format", "csv", NULL };
    cr_assert_eq(run_cmd(mon, NULL, 0, NULL, &r), 0);
    cr_assert_eq(exit_code(&r), 0, "%s", r.err);
    char want[64];
    snprintf(want, sizeof want, ",%d,Basc,Tag,10,", pid);
    cr_assert(strstr(r.out, want), "%s in:\n%s", want, r.out);
    run_free(&r);
    segment_remove(pid);
    r = tool("mon", "-p", "no-such-program-here", "-n");
    cr_assert_eq(exit_code(&r), 2, "-n needs its value: %s", r.err);
    run_free(&r);
    const char *none[] = { build_path("heaptag"), "mon", "-p", "no-such-program-here", "-n",
                           "1", NULL };
    cr_assert_eq(run_cmd(none, NULL, 0, NULL, &r), 0);
    cr_assert_eq(exit_code(&r), 1);
    cr_assert(strstr(r.err, "no tagged process is named 'no-such-program-here'"), "%s", r.err);
    run_free(&r);
}

/* A dump that fails writes nothing on stdout: `dump > before.txt` leaves
 * an empty file, not one that starts like a dump. */
Test(cli, failed_dump_writes_nothing)
{
    struct run_result r = tool("dump", "-p", "1", NULL);
    cr_assert_eq(exit_code(&r), 1, "%s", r.err);
    cr_assert_eq(r.out_len, 0, "stdout: '%s'", r.out);
    cr_assert(strstr(r.err, "pid 1"), "%s", r.err);
    run_free(&r);
}

/* mon's parts include downward only (scripts/check-layers.sh). */
Test(cli, mon_parts_include_downward_only)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "'%s/../scripts/check-layers.sh' 2>&1", build_path("."));
    char out[4096];
    int st = shell_out(cmd, out, sizeof out);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s", out);
}

/* The include checker passes on the tree and fails on a tree with a cycle:
 * two units of one part that include each other, and two parts that reach
 * back to each other through their files. */
static int check_includes(const char *root, char *out, size_t cap)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "python3 '%s/../scripts/check-includes.py' %s 2>&1",
             build_path("."), root);
    int st = shell_out(cmd, out, cap);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void put_file(const char *dir, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "%s", path);
    fputs(text, f);
    fclose(f);
}

Test(cli, parts_include_one_way)
{
    char out[8192];
    char root[512];
    snprintf(root, sizeof root, "'%s/..'", build_path("."));
    cr_assert_eq(check_includes(root, out, sizeof out), 0, "%s", out);

    char tmp[] = "/tmp/htinc.XXXXXX";
    cr_assert_not_null(mkdtemp(tmp));
    char dir[600];
    snprintf(dir, sizeof dir, "mkdir -p %s/shim/low %s/shim/high %s/ctl/a", tmp, tmp, tmp);
    cr_assert_eq(system(dir), 0);
    snprintf(dir, sizeof dir, "%s/ctl/a", tmp);
    put_file(dir, "x.h", "#include \"a/y.h\"\n");
    put_file(dir, "y.h", "\n");
    put_file(dir, "y.c", "#include \"a/x.h\"\n");
    snprintf(dir, sizeof dir, "%s/shim", tmp);
    put_file(dir, "low/l.c", "#include \"high/h.h\"\n");
    put_file(dir, "high/h.h", "\n");
    put_file(dir, "high/h.c", "#include \"low/m.h\"\n");
    put_file(dir, "low/m.h", "\n");
    cr_assert_eq(check_includes(tmp, out, sizeof out), 1, "%s", out);
    cr_assert(strstr(out, "units include each other: ctl/a/x <-> ctl/a/y"), "%s", out);
    cr_assert(strstr(out, "parts include each other: shim/high <-> shim/low"), "%s", out);
    snprintf(dir, sizeof dir, "rm -rf %s", tmp);
    cr_assert_eq(system(dir), 0);
}

/* A damaged segment of another user is theirs to hear about: ls lists what
 * it can and says nothing on stderr about it (as root, where it can see it). */
Test(cli, ls_is_quiet_about_other_users_segments)
{
    if (geteuid() != 0)
        cr_skip_test("needs root to make a file of another user");
    char path[64];
    snprintf(path, sizeof path, "/dev/shm/heaptag.%d", 2000000000 + (int)(getpid() % 1000000));
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, "garbage garbage", 15), 15);
    close(fd);
    cr_assert_eq(chown(path, 65534, 65534), 0);
    struct run_result r = tool("ls", NULL, NULL, NULL);
    unlink(path);
    cr_assert_eq(exit_code(&r), 0, "%s", r.err);
    cr_assert_null(strstr(r.err, path + strlen("/dev/shm/")), "%s", r.err);
    run_free(&r);
}

/* On a terminal, run says the pid the next command needs, on stderr. */
Test(cli, run_says_its_pid_on_a_terminal)
{
    char cmd[1024], out[4096];
    snprintf(cmd, sizeof cmd, "script -qec '%s run -- sh -c \"echo child=\\$\\$\"' /dev/null",
             build_path("heaptag"));
    cr_assert_eq(shell_out(cmd, out, sizeof out), 0, "%s", out);
    int said = 0, child = 0;
    const char *a = strstr(out, "heaptag: pid "), *b = strstr(out, "child=");
    cr_assert(a && b, "%s", out);
    cr_assert_eq(sscanf(a, "heaptag: pid %d;", &said), 1, "%s", out);
    cr_assert_eq(sscanf(b, "child=%d", &child), 1, "%s", out);
    cr_assert_eq(said, child, "the pid said is the program's: %s", out);
    cr_assert(strstr(a, "heaptag mon -p "), "%s", out);
    segment_remove(child);
}
