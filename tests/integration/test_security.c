/* SPDX-License-Identifier: MIT
 * test_security.c - nobody else's files are followed or written, nobody else
 * reads our segments, the tool survives hostile segments, and setuid
 * programs ignore HEAPTAG_* in the environment. Tests that need another user
 * run as root (chown to nobody, setpriv) and are skipped otherwise.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "heaptag_segment.h"

#define NOBODY 65534

static void need_root(void)
{
    if (geteuid() != 0)
        cr_skip_test("needs root to act as another user");
}

static void shm_path(char *dst, size_t cap, int pid, int n)
{
    char base[96];
    segment_path(base, sizeof base, pid);
    if (n)
        snprintf(dst, cap, "%s.%d", base, n);
    else
        snprintf(dst, cap, "%s", base);
}

static char *slurp(const char *path)
{
    static char buf[256];
    int fd = open(path, O_RDONLY | O_NOFOLLOW);
    ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
    if (fd >= 0)
        close(fd);
    buf[n > 0 ? n : 0] = '\0';
    return buf;
}

TestSuite(security, .timeout = 60);

Test(security, segment_is_0600_regular_and_ours)
{
    const char *argv[] = { build_path("tests/progs/patterns"), "basic", NULL };
    struct run_result r;
    cr_assert_eq(run_cmd(argv, NULL, 1, NULL, &r), 0);
    char path[64];
    shm_path(path, sizeof path, r.pid, 0);
    struct stat st;
    cr_assert_eq(lstat(path, &st), 0, "no segment %s", path);
    cr_expect(S_ISREG(st.st_mode));
    cr_expect_eq(st.st_mode & 07777, 0600, "mode %o", st.st_mode & 07777);
    cr_expect_eq(st.st_uid, geteuid());
    segment_remove(r.pid);
    run_free(&r);
}

/* Files planted under the names the child's shim will try first: one of
 * nobody's, a symlink to a file of ours, and a symlink to nowhere. The shim
 * must take heaptag.<pid>.3, leave the planted files exactly as they were,
 * and the program must run as usual. */
Test(security, planted_files_are_never_followed_or_written)
{
    need_root();
    char target[] = "/tmp/heaptag-target-XXXXXX";
    int tfd = mkstemp(target);
    cr_assert_geq(tfd, 0);
    cr_assert_eq(write(tfd, "TARGET\n", 7), 7);
    close(tfd);

    int go[2], out[2];
    cr_assert_eq(pipe(go), 0);
    cr_assert_eq(pipe(out), 0);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        char c;
        close(go[1]);
        if (read(go[0], &c, 1) != 1)
            _exit(125);
        dup2(out[1], 1);
        setenv("LD_PRELOAD", build_path("libheaptag.so"), 1);
        setenv("HEAPTAG_KEEP", "1", 1);
        execl(build_path("tests/progs/patterns"), "patterns", "basic", (char *)NULL);
        _exit(127);
    }
    close(go[0]);
    close(out[1]);
    char p0[64], p1[64], p2[64], p3[64];
    shm_path(p0, sizeof p0, pid, 0);
    shm_path(p1, sizeof p1, pid, 1);
    shm_path(p2, sizeof p2, pid, 2);
    shm_path(p3, sizeof p3, pid, 3);
    int fd = open(p0, O_WRONLY | O_CREAT | O_EXCL, 0666);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, "PLANTED\n", 8), 8);
    close(fd);
    cr_assert_eq(chown(p0, NOBODY, NOBODY), 0);
    cr_assert_eq(chmod(p0, 0666), 0);
    cr_assert_eq(symlink(target, p1), 0);
    cr_assert_eq(symlink("/tmp/heaptag-nowhere-8", p2), 0);

    cr_assert_eq(write(go[1], "g", 1), 1);
    close(go[1]);
    char buf[256];
    ssize_t n = read(out[0], buf, sizeof buf - 1);
    close(out[0]);
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %d", status);
    cr_expect_gt(n, 0, "the program printed nothing");

    struct stat st;
    cr_assert_eq(lstat(p0, &st), 0);
    cr_expect(S_ISREG(st.st_mode) && st.st_uid == NOBODY && st.st_size == 8);
    cr_expect_str_eq(slurp(p0), "PLANTED\n");
    cr_expect_str_eq(slurp(target), "TARGET\n", "a symlink was followed");
    cr_expect_eq(lstat("/tmp/heaptag-nowhere-8", &st), -1, "a dangling symlink was followed");
    cr_assert_eq(lstat(p3, &st), 0, "the shim did not take the next free name");
    cr_expect(S_ISREG(st.st_mode) && st.st_uid == 0 && (st.st_mode & 07777) == 0600);
    struct tag_counts c;
    cr_assert_eq(tag_counts(pid, "Basc", &c), 0);
    cr_expect(c.allocs == 10 && c.frees == 4 && c.bytes == 600, "Basc %llu %llu %llu",
              (unsigned long long)c.allocs, (unsigned long long)c.frees,
              (unsigned long long)c.bytes);
    unlink(p0);
    unlink(p1);
    unlink(p2);
    unlink(p3);
    unlink(target);
}

/* Runs the tool as nobody: our (root's) segment must stay out of its sight. */
Test(security, other_users_never_see_our_segments)
{
    need_root();
    const char *argv[] = { build_path("tests/progs/patterns"), "basic", NULL };
    struct run_result r;
    cr_assert_eq(run_cmd(argv, NULL, 1, NULL, &r), 0);
    char pidbuf[16];
    snprintf(pidbuf, sizeof pidbuf, "%d", r.pid);
    const char *mon[] = { "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                          build_path("heaptag"), "mon", "-p", pidbuf, "-n", "1", "--format",
                          "csv", NULL };
    struct run_result m;
    cr_assert_eq(run_cmd(mon, NULL, 0, NULL, &m), 0);
    cr_expect(WIFEXITED(m.status) && WEXITSTATUS(m.status) == 1, "mon as nobody: status %d",
              m.status);
    cr_expect_null(strstr(m.out, "Basc"), "nobody read our counts: %s", m.out);
    run_free(&m);
    const char *ls[] = { "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                         build_path("heaptag"), "ls", NULL };
    cr_assert_eq(run_cmd(ls, NULL, 0, NULL, &m), 0);
    char want[32];
    snprintf(want, sizeof want, " %d ", r.pid);
    cr_expect_null(strstr(m.out, want), "nobody lists our segment: %s", m.out);
    run_free(&m);
    segment_remove(r.pid);
    run_free(&r);
}

/* A setuid copy (owned by nobody) of a program linked with the shim takes
 * the defaults; the same program not setuid takes the environment. */
Test(security, setuid_program_ignores_environment)
{
    need_root();
    const char *env[] = { "HEAPTAG_ROWS=100", "HEAPTAG_FLAGS=+ust", "HEAPTAG_KEEP=1", NULL };
    const char *plain[] = { build_path("tests/progs/linked_selfseg"), NULL };
    struct run_result r;
    cr_assert_eq(run_cmd(plain, env, 0, NULL, &r), 0);
    cr_expect_str_eq(r.out, "rows 100 flags 0x1400 keep 1\n");
    segment_remove(r.pid);
    run_free(&r);

    char dir[] = "/tmp/heaptag-suid-XXXXXX", copy[128], cmd[512];
    cr_assert_not_null(mkdtemp(dir));
    cr_assert_eq(chmod(dir, 0755), 0);
    snprintf(copy, sizeof copy, "%s/selfseg", dir);
    snprintf(cmd, sizeof cmd, "cp %s %s", build_path("tests/progs/linked_selfseg"), copy);
    cr_assert_eq(system(cmd), 0);
    cr_assert_eq(chown(copy, NOBODY, NOBODY), 0);
    cr_assert_eq(chmod(copy, 04755), 0);
    const char *suid[] = { copy, NULL };
    cr_assert_eq(run_cmd(suid, env, 0, NULL, &r), 0);
    struct stat st;
    if (stat(copy, &st) != 0 || !(st.st_mode & S_ISUID) || strstr(r.out, "no segment"))
        cr_skip_test("the file system does not honour setuid here");
    cr_expect_str_eq(r.out, "rows 8192 flags 0x400 keep 0\n", "setuid run took the environment");
    run_free(&r);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_assert_eq(system(cmd), 0);
}

/* The tool as root over segments whose every field lies: the seed segment
 * with header fields overwritten by hostile values, and random bytes sprayed
 * over it. Each must be skipped or shown; the tool exits, never dies. */
static void put_u64(unsigned char *img, size_t off, uint64_t v) { memcpy(img + off, &v, 8); }
static void put_u32(unsigned char *img, size_t off, uint32_t v) { memcpy(img + off, &v, 4); }

Test(security, hostile_segments_never_crash_the_tool, .timeout = 120)
{
    char path[256];
    snprintf(path, sizeof path, "tests/fuzz/corpus/fuzz_segment_reader/sound");
    int fd = open(path, O_RDONLY);
    cr_assert_geq(fd, 0, "no seed segment %s", path);
    static unsigned char seed[1 << 16], img[1 << 16];
    ssize_t len = read(fd, seed, sizeof seed);
    close(fd);
    cr_assert_gt(len, (ssize_t)sizeof(struct ht_seg_header));
    char dir[] = "/tmp/heaptag-hostile-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    const struct { size_t off, width; uint64_t v; } lies[] = {
#define F(f) offsetof(struct ht_seg_header, f), sizeof(((struct ht_seg_header *)0)->f)
        { F(segment_size), 1ull << 40 }, { F(segment_size), 100 },
        { F(row_capacity), 0xffffffff }, { F(rows_offset), 0xfffffffffffff000ull },
        { F(rows_offset), 8 }, { F(rows_used), 0xffffffff }, { F(bucket_capacity), 0x80000000 },
        { F(buckets_offset), (uint64_t)-4 }, { F(module_capacity), 0xffffffff },
        { F(modules_offset), 4000 }, { F(modules_used), 0xffffffff }, { F(modules_seq), 1 },
        { F(stack_capacity), 0xffffffff }, { F(stack_depth), 0xffffffff },
        { F(stack_size), 1 }, { F(stacks_offset), (uint64_t)-1 }, { F(header_size), 0 },
        { F(row_size), 0xffffffff }, { F(module_size), 0 }, { F(state), 0xffffffff },
#undef F
    };
    int files = 0;
    unsigned seedv = 12345;
    for (size_t i = 0; i < sizeof lies / sizeof lies[0] + 150; i++) {
        memcpy(img, seed, (size_t)len);
        if (i < sizeof lies / sizeof lies[0]) {
            if (lies[i].width == 8)
                put_u64(img, lies[i].off, lies[i].v);
            else
                put_u32(img, lies[i].off, (uint32_t)lies[i].v);
        } else {
            for (int k = 0; k < 16; k++) { /* strings unterminated, indexes wild */
                seedv = seedv * 1103515245 + 12345;
                img[(seedv >> 8) % (size_t)len] = (unsigned char)(seedv >> 24);
            }
            memset(img + offsetof(struct ht_seg_header, exe), 'A', HT_PATH_MAX);
        }
        put_u32(img, offsetof(struct ht_seg_header, pid), (uint32_t)(100000 + i));
        put_u64(img, offsetof(struct ht_seg_header, magic), HT_SEG_MAGIC);
        char name[320];
        snprintf(name, sizeof name, "%s/heaptag.%zu", dir, 100000 + i);
        fd = open(name, O_WRONLY | O_CREAT | O_EXCL, 0600);
        cr_assert_geq(fd, 0);
        cr_assert_eq(write(fd, img, (size_t)len), len);
        close(fd);
        files++;
    }
    char envdir[320];
    snprintf(envdir, sizeof envdir, "HEAPTAG_SHM_DIR=%s", dir);
    const char *env[] = { envdir, NULL };
    const char *cmds[][8] = {
        { build_path("heaptag"), "ls", NULL },
        { build_path("heaptag"), "mon", "-n", "1", NULL },
        { build_path("heaptag"), "mon", "-n", "1", "--format", "csv", NULL },
    };
    for (size_t k = 0; k < 3; k++) {
        struct run_result r;
        cr_assert_eq(run_cmd(cmds[k], env, 0, NULL, &r), 0);
        cr_expect(WIFEXITED(r.status) && WEXITSTATUS(r.status) <= 1,
                  "heaptag %s died: status %d", cmds[k][1], r.status);
        cr_expect_not_null(strstr(r.err, "skipped"), "heaptag %s warned of nothing", cmds[k][1]);
        run_free(&r);
    }
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_assert_eq(system(cmd), 0);
    cr_assert_gt(files, 100);
}

/* Start time (field 22 of /proc/PID/stat) of a process. */
static uint64_t start_ticks_of(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    char *s = slurp(path);
    char *p = strrchr(s, ')');
    cr_assert_not_null(p, "no %s", path);
    for (int field = 2; *p && field < 22; p++)
        if (*p == ' ')
            field++;
    return strtoull(p, NULL, 10);
}

static size_t read_file(const char *path, unsigned char *buf, size_t cap)
{
    int fd = open(path, O_RDONLY);
    cr_assert_geq(fd, 0, "cannot open %s", path);
    ssize_t n = read(fd, buf, cap);
    close(fd);
    cr_assert_gt(n, 0);
    return (size_t)n;
}

/* A sound segment, planted by nobody, that names a live process of root's
 * (pid and start time right): ls shows it as forged, mon skips it with one
 * line, mon -p and flags -p refuse it, and flags -p leaves it byte for byte.
 * The same file owned by root is the process's and flags -p changes it. */
Test(security, forged_segment_is_shown_never_trusted_or_written, .timeout = 60)
{
    need_root();
    static unsigned char img[1 << 16], after[1 << 16];
    size_t len = read_file("tests/fuzz/corpus/fuzz_segment_reader/sound", img, sizeof img);
    char dir[] = "/tmp/heaptag-forged-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    pid_t sleeper = fork();
    cr_assert_geq(sleeper, 0);
    if (sleeper == 0) {
        execlp("sleep", "sleep", "60", (char *)NULL);
        _exit(127);
    }
    usleep(100000);
    put_u32(img, offsetof(struct ht_seg_header, pid), (uint32_t)sleeper);
    put_u64(img, offsetof(struct ht_seg_header, start_ticks), start_ticks_of(sleeper));
    put_u32(img, offsetof(struct ht_seg_header, state), HT_SEG_LIVE);
    put_u32(img, offsetof(struct ht_seg_header, flags), 0x400);
    char seg[320];
    snprintf(seg, sizeof seg, "%s/heaptag.%d", dir, (int)sleeper);
    int fd = open(seg, O_WRONLY | O_CREAT | O_EXCL, 0600);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, img, len), (ssize_t)len);
    close(fd);
    cr_assert_eq(chown(seg, NOBODY, NOBODY), 0);
    /* beside it, a sound segment of our own process, so mon has something to show */
    static unsigned char own[1 << 16];
    memcpy(own, img, len);
    put_u32(own, offsetof(struct ht_seg_header, pid), (uint32_t)getpid());
    put_u64(own, offsetof(struct ht_seg_header, start_ticks), start_ticks_of(getpid()));
    char ownseg[320];
    snprintf(ownseg, sizeof ownseg, "%s/heaptag.%d", dir, (int)getpid());
    fd = open(ownseg, O_WRONLY | O_CREAT | O_EXCL, 0600);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, own, len), (ssize_t)len);
    close(fd);

    char envdir[320], pidbuf[16];
    snprintf(envdir, sizeof envdir, "HEAPTAG_SHM_DIR=%s", dir);
    snprintf(pidbuf, sizeof pidbuf, "%d", (int)sleeper);
    const char *env[] = { envdir, NULL };
    struct run_result r;
    const char *ls[] = { build_path("heaptag"), "ls", NULL };
    cr_assert_eq(run_cmd(ls, env, 0, NULL, &r), 0);
    char want[64];
    snprintf(want, sizeof want, "%7d forged", (int)sleeper);
    cr_expect_not_null(strstr(r.out, want), "ls does not say forged: %s", r.out);
    snprintf(want, sizeof want, "%7d live", (int)sleeper);
    cr_expect_null(strstr(r.out, want), "ls takes it for the process's: %s", r.out);
    run_free(&r);

    const char *mon[] = { build_path("heaptag"), "mon", "-n", "1", "--format", "csv", NULL };
    cr_assert_eq(run_cmd(mon, env, 0, NULL, &r), 0);
    cr_expect(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0, "mon: status %d", r.status);
    char own_pid[16];
    snprintf(own_pid, sizeof own_pid, ",%d,", (int)getpid());
    cr_expect_not_null(strstr(r.out, own_pid), "mon lost the sound segment: %s", r.out);
    snprintf(want, sizeof want, ",%d,", (int)sleeper);
    cr_expect_null(strstr(r.out, want), "mon shows the forged rows: %s", r.out);
    cr_expect_not_null(strstr(r.err, "forged"), "mon said nothing: %s", r.err);
    cr_expect_eq(strchr(r.err, '\n'), r.err + strlen(r.err) - 1, "more than one line: %s", r.err);
    run_free(&r);

    const char *monp[] = { build_path("heaptag"), "mon", "-p", pidbuf, "-n", "1", NULL };
    cr_assert_eq(run_cmd(monp, env, 0, NULL, &r), 0);
    cr_expect(WIFEXITED(r.status) && WEXITSTATUS(r.status) != 0, "mon -p: status %d", r.status);
    cr_expect_not_null(strstr(r.err, "forged"), "mon -p: %s", r.err);
    run_free(&r);

    const char *flags[] = { build_path("heaptag"), "flags", "-p", pidbuf, "+ust", NULL };
    cr_assert_eq(run_cmd(flags, env, 0, NULL, &r), 0);
    cr_expect(WIFEXITED(r.status) && WEXITSTATUS(r.status) != 0, "flags -p: status %d",
              r.status);
    cr_expect_not_null(strstr(r.err, "forged"), "flags -p: %s", r.err);
    run_free(&r);
    const char *show[] = { build_path("heaptag"), "flags", "-p", pidbuf, NULL };
    cr_assert_eq(run_cmd(show, env, 0, NULL, &r), 0);
    cr_expect(WIFEXITED(r.status) && WEXITSTATUS(r.status) != 0, "flags -p show: %d", r.status);
    run_free(&r);
    cr_assert_eq(read_file(seg, after, sizeof after), len);
    cr_expect(memcmp(img, after, len) == 0, "flags -p wrote to the forged segment");

    /* the control: root's own file for root's process is trusted and written */
    cr_assert_eq(chown(seg, 0, 0), 0);
    cr_assert_eq(run_cmd(flags, env, 0, NULL, &r), 0);
    cr_expect(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0, "flags -p on a sound segment: "
              "status %d: %s", r.status, r.err);
    run_free(&r);
    cr_assert_eq(read_file(seg, after, sizeof after), len);
    cr_expect(memcmp(img, after, len) != 0, "flags -p did not write the sound segment");

    kill(sleeper, SIGKILL);
    waitpid(sleeper, NULL, 0);
    unlink(seg);
    unlink(ownseg);
    rmdir(dir);
}
