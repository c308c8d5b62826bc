/* SPDX-License-Identifier: MIT
 * test_flags.c - `heaptag flags` and the shim's flags as a user meets them:
 * each scope changes what a newly started program does, -p changes a running
 * one, malformed flags change nothing, and the heap checks report bugs with
 * the block's tag, site and size while the program runs to its end.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

static char dir[256], sys_env[1024], xdg_env[1024], sys_path[512], user_path[512];

static void make_dirs(void)
{
    snprintf(dir, sizeof dir, "/tmp/heaptag-flags-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    snprintf(sys_path, sizeof sys_path, "%s/etc/flags", dir);
    snprintf(user_path, sizeof user_path, "%s/xdg/heaptag/flags", dir);
    snprintf(sys_env, sizeof sys_env, "HEAPTAG_SYSTEM_CONFIG=%s", sys_path);
    snprintf(xdg_env, sizeof xdg_env, "XDG_CONFIG_HOME=%s/xdg", dir);
}

static void remove_dirs(void)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(flags, .init = make_dirs, .fini = remove_dirs, .timeout = 120);

static int exit_code(const struct run_result *r)
{
    return WIFEXITED(r->status) ? WEXITSTATUS(r->status) : 128 + WTERMSIG(r->status);
}

/* heaptag flags ARGS... with the test's settings paths (and extra, if any). */
static struct run_result flags_cmd(const char *extra, const char *a1, const char *a2,
                                   const char *a3, const char *a4)
{
    const char *argv[] = { build_path("heaptag"), "flags", a1, a2, a3, a4, NULL };
    const char *env[] = { sys_env, xdg_env, extra, NULL };
    struct run_result r;
    cr_assert_eq(run_cmd(argv, env, 0, NULL, &r), 0);
    return r;
}

static void flags_ok(const char *a1, const char *a2, const char *a3, const char *a4)
{
    struct run_result r = flags_cmd(NULL, a1, a2, a3, a4);
    cr_assert_eq(exit_code(&r), 0, "flags %s %s: %s", a1, a2 ? a2 : "", r.err);
    run_free(&r);
}

/* A test program under the shim with the test's settings paths. */
static struct run_result prog(const char *name, const char *mode, const char *extra)
{
    char path[4096];
    snprintf(path, sizeof path, "%s", build_path(name));
    const char *argv[] = { path, mode, NULL };
    const char *env[] = { sys_env, xdg_env, extra, NULL };
    struct run_result r;
    cr_assert_eq(run_cmd(argv, env, 1, NULL, &r), 0);
    return r;
}

/* prog, which must exit 0. */
static struct run_result prog_ok(const char *name, const char *mode, const char *extra)
{
    struct run_result r = prog(name, mode, extra);
    cr_assert_eq(exit_code(&r), 0, "%s", r.err);
    return r;
}

/* A run over: its segment removed, its output freed. */
static void run_done(struct run_result *r)
{
    segment_remove(r->pid);
    run_free(r);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = calloc(1, 65536);
    size_t n = fread(buf, 1, 65535, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* The "0x..." site of tag's row as `heaptag mon` shows it. */
static void tag_site(int pid, const char *tag, char *site, size_t cap)
{
    char pidbuf[32], want[64];
    snprintf(pidbuf, sizeof pidbuf, "%d", pid);
    snprintf(want, sizeof want, ",%s,", tag);
    const char *argv[] = { build_path("heaptag"), "mon", "-p", pidbuf, "-n", "1",
                           "--format", "csv", NULL };
    struct run_result r;
    cr_assert_eq(run_cmd(argv, NULL, 0, NULL, &r), 0);
    const char *line = strstr(r.out, want);
    cr_assert_not_null(line, "no row for %s in %s", tag, r.out);
    const char *nl = strchr(line, '\n'), *sp = line;
    const char *last = NULL;
    for (; sp < nl; sp++)
        if (*sp == ',')
            last = sp;
    cr_assert_not_null(last);
    size_t n = strcspn(last + 1, " \n");
    cr_assert_lt(n, cap);
    memcpy(site, last + 1, n);
    site[n] = '\0';
    run_free(&r);
}

Test(flags, display_reads_like_gflags)
{
    /* every scope: both files, the word they make, the environment, and the
     * live processes (none in an empty segment directory) */
    char shm[600], want[4096];
    snprintf(shm, sizeof shm, "HEAPTAG_SHM_DIR=%s", dir);
    struct run_result r = flags_cmd(shm, NULL, NULL, NULL, NULL);
    cr_assert_eq(exit_code(&r), 0, "%s", r.err);
    snprintf(want, sizeof want,
             "System settings file %s: not present\n"
             "User settings file %s: not present\n"
             "Current persistent settings are: 00000400\n"
             "    ptg - Enable pool tagging\n"
             "Environment (HEAPTAG_FLAGS): not set\n"
             "No running tagged process in %s.\n", sys_path, user_path, dir);
    cr_assert_str_eq(r.out, want);
    run_free(&r);
    r = flags_cmd(NULL, "-r", "+ust+htc", "--tracedb", "64");
    cr_assert_eq(exit_code(&r), 0, "%s", r.err);
    cr_assert_str_eq(r.out, "Current persistent settings are: 00001410\n"
                            "    htc - Enable heap tail checking\n"
                            "    ptg - Enable pool tagging\n"
                            "    ust - Create user mode stack trace database\n"
                            "    Stack trace database size (tracedb) = 64 MB\n");
    run_free(&r);
    r = flags_cmd(NULL, "/i", "foo", "-0x400", NULL);
    cr_assert_eq(exit_code(&r), 0, "%s", r.err);
    cr_assert_str_eq(r.out, "Current settings for image foo are: 00001010\n"
                            "    htc - Enable heap tail checking\n"
                            "    ust - Create user mode stack trace database\n");
    run_free(&r);
    /* a person can read and edit what was written (root writes the system file) */
    char *text = slurp(geteuid() == 0 ? sys_path : user_path);
    cr_assert_not_null(text);
    cr_assert(strstr(text, "\nflags +htc+ust\n"), "%s", text);
    cr_assert(strstr(text, "\ntracedb 64\n"), "%s", text);
    cr_assert(strstr(text, "\nimage foo -ptg\n"), "%s", text);
    free(text);
}

Test(flags, each_scope_changes_a_new_program)
{
    struct tag_counts c;
    /* system file: no pool tagging */
    flags_ok("--system", "-r", "-ptg", NULL);
    struct run_result r = prog_ok("tests/progs/patterns", "basic", NULL);
    cr_assert_eq(tag_counts(r.pid, "Basc", &c), 0);
    cr_assert_eq(c.rows, 0, "system -ptg: nothing counted");
    run_done(&r);

    /* the user file comes after it */
    flags_ok("--user", "-r", "+ptg", NULL);
    r = prog("tests/progs/patterns", "basic", NULL);
    cr_assert_eq(tag_counts(r.pid, "Basc", &c), 0);
    cr_assert_eq(c.allocs, 10);
    cr_assert_eq(c.frees, 4);
    run_done(&r);

    /* an image entry, for that program only, after both files */
    flags_ok("--user", "-i", "patterns", "-ptg");
    r = prog("tests/progs/patterns", "basic", NULL);
    cr_assert_eq(tag_counts(r.pid, "Basc", &c), 0);
    cr_assert_eq(c.rows, 0, "image -ptg");
    run_done(&r);
    r = prog("tests/progs/heapbugs", "overrun", NULL);
    cr_assert_eq(tag_counts(r.pid, "Ovrn", &c), 0);
    cr_assert_eq(c.allocs, 1, "another image still counts");
    cr_assert_null(strstr(r.err, "overrun"), "no htc yet: %s", r.err);
    run_done(&r);

    /* the environment comes last */
    r = prog("tests/progs/patterns", "basic", "HEAPTAG_FLAGS=+ptg");
    cr_assert_eq(tag_counts(r.pid, "Basc", &c), 0);
    cr_assert_eq(c.allocs, 10);
    run_done(&r);

    /* an image by path turns on a check */
    char image[4096];
    snprintf(image, sizeof image, "%s", build_path("tests/progs/heapbugs"));
    char *abs = realpath(image, NULL);
    cr_assert_not_null(abs);
    flags_ok("--user", "-i", abs, "+htc");
    free(abs);
    r = prog_ok("tests/progs/heapbugs", "overrun", NULL);
    cr_assert(strstr(r.err, "heap overrun: 3 bytes written past the end of a block of 100 bytes"),
              "%s", r.err);
    run_done(&r);
}

Test(flags, malformed_flags_change_nothing)
{
    flags_ok("--user", "-r", "+htc", NULL);
    flags_ok("--system", "-r", "+ust", NULL);
    char *user_before = slurp(user_path), *sys_before = slurp(sys_path);
    cr_assert_not_null(user_before);
    cr_assert_not_null(sys_before);
    static const char *const bad[][4] = {
        { "-r", "+ptgx", NULL, NULL },   { "-r", "+xyz", NULL, NULL },
        { "-r", "+", NULL, NULL },       { "-r", "-", NULL, NULL },
        { "-r", "ptg+", NULL, NULL },    { "-r", "++ptg", NULL, NULL },
        { "-r", "+0x1", NULL, NULL },    { "-r", "+0x123456789", NULL, NULL },
        { "-r", "+0xg", NULL, NULL },    { "-r", "+ptg", "+bad", NULL },
        { "-r", "+ptg-", NULL, NULL },   { "-i", "foo", "+pt", NULL },
        { "-i", NULL, NULL, NULL },      { "-r", "-i", "foo", "+ptg" },
        { "-p", "abc", "+ptg", NULL },   { "-p", "0", "+ptg", NULL },
        { "-p", "-5", "+ptg", NULL },    { "-r", "--tracedb", "0", NULL },
        { "-r", "--tracedb", "x", NULL }, { "--tracedb", "5000", NULL, NULL },
        { "+ptg", NULL, NULL, NULL },    { "-i", "a b", "+ptg", NULL },
        { "-r", "+ptg", "--bogus", NULL },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        for (int file = 0; file < 2; file++) {
            struct run_result r = flags_cmd(NULL, file ? "--system" : "--user", bad[i][0],
                                            bad[i][1], bad[i][2]);
            if (bad[i][3]) { /* four words: run without the file option */
                run_free(&r);
                r = flags_cmd(NULL, bad[i][0], bad[i][1], bad[i][2], bad[i][3]);
            }
            cr_assert_eq(exit_code(&r), 2, "case %zu: %s", i, r.err);
            cr_assert(strstr(r.err, "heaptag: flags: "), "case %zu names it: %s", i, r.err);
            run_free(&r);
        }
        char *u = slurp(user_path), *s = slurp(sys_path);
        cr_assert_str_eq(u, user_before, "case %zu left the user file", i);
        cr_assert_str_eq(s, sys_before, "case %zu left the system file", i);
        free(u);
        free(s);
    }
    /* and the message names the token */
    struct run_result r = flags_cmd(NULL, "-r", "+ptg+qqq", NULL, NULL);
    cr_assert(strstr(r.err, "'+qqq'"), "%s", r.err);
    run_free(&r);
    free(user_before);
    free(sys_before);
    /* no temporary file left behind */
    char cmd[600];
    snprintf(cmd, sizeof cmd, "test $(ls -A '%s/xdg/heaptag' | wc -l) -eq 1", dir);
    cr_assert_eq(system(cmd), 0);
}

Test(flags, bad_settings_files_never_stop_a_program)
{
    struct tag_counts c;
    char cmd[4096];
    /* binary user file, symlinked system file: one warning each, defaults used */
    snprintf(cmd, sizeof cmd,
             "mkdir -p '%s/xdg/heaptag' '%s/etc' && printf 'flags -ptg\\0\\1\\2' > '%s' && "
             "printf 'flags -ptg\\n' > '%s/real' && ln -s '%s/real' '%s'",
             dir, dir, user_path, dir, dir, sys_path);
    cr_assert_eq(system(cmd), 0);
    struct run_result r = prog_ok("tests/progs/patterns", "basic", NULL);
    cr_assert(strstr(r.err, "not a text file"), "%s", r.err);
    cr_assert(strstr(r.err, "is a symlink"), "%s", r.err);
    cr_assert_eq(tag_counts(r.pid, "Basc", &c), 0);
    cr_assert_eq(c.allocs, 10, "defaults: counting on");
    run_done(&r);

    /* a huge file, and a file with one bad line among good ones */
    snprintf(cmd, sizeof cmd,
             "rm -f '%s' && head -c 100000 /dev/zero | tr '\\0' '#' > '%s' && "
             "printf 'flags +htc\\nnonsense here\\nflags -ptg\\n' > '%s'",
             sys_path, sys_path, user_path);
    cr_assert_eq(system(cmd), 0);
    r = prog_ok("tests/progs/heapbugs", "overrun", NULL);
    cr_assert(strstr(r.err, "too large"), "%s", r.err);
    cr_assert(strstr(r.err, "malformed setting at line 2"), "%s", r.err);
    cr_assert(strstr(r.err, "heap overrun"), "the good lines count: %s", r.err);
    cr_assert_eq(tag_counts(r.pid, "Ovrn", &c), 0);
    cr_assert_eq(c.rows, 0, "flags -ptg on line 3 counted");
    run_done(&r);
}

/* A settings file that cannot be read (its directory closed to the user, as
 * with an unreadable HOME) or is missing is silent; one that is there and
 * damaged still warns (bad_settings_files_never_stop_a_program). */
Test(flags, unreadable_settings_are_silent)
{
    if (geteuid() != 0)
        cr_skip_test("needs root to act as another user");
    char cmd[4096];
    snprintf(cmd, sizeof cmd,
             "mkdir -p '%s/xdg/heaptag' && printf 'flags +ptg\\n' > '%s' && chmod 700 '%s/xdg' && "
             "chmod 755 '%s'",
             dir, user_path, dir, dir);
    cr_assert_eq(system(cmd), 0);
    char pre[4200];
    snprintf(pre, sizeof pre, "LD_PRELOAD=%s", build_path("libheaptag.so"));
    const char *argv[] = { "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                           "env", pre, xdg_env, "HOME=/root", "true", NULL };
    struct run_result r;
    cr_assert_eq(run_cmd(argv, NULL, 0, NULL, &r), 0);
    cr_expect_eq(exit_code(&r), 0);
    cr_expect_str_eq(r.err, "", "an unreadable settings file spoke: %s", r.err);
    run_free(&r);
}

/* Runs heapbugs MODE with every check on and returns its stderr checked. */
static struct run_result bug(const char *mode, const char *tag)
{
    struct run_result r = prog("tests/progs/heapbugs", mode, "HEAPTAG_FLAGS=+htc+hfc+hpc");
    cr_assert_eq(exit_code(&r), 0, "%s: %s", mode, r.err);
    cr_assert_str_eq(r.out, "done\n", "%s runs to its end", mode);
    if (tag) {
        char site[64], want[128];
        tag_site(r.pid, tag, site, sizeof site);
        snprintf(want, sizeof want, "tag %s, allocated at %s (heapbugs+0x", tag, site);
        cr_assert(strstr(r.err, want), "%s: want '%s' in %s", mode, want, r.err);
    }
    return r;
}

/* What heapbugs MODE must say on stderr: each of says, and counted (unless
 * NULL) count times. */
struct bug_says {
    const char *mode, *tag;
    const char *says[3];
    const char *counted;
    int count;
};

/* bug(), and its stderr checked against b. */
static struct run_result bug_said(const struct bug_says *b)
{
    struct run_result r = bug(b->mode, b->tag);
    for (size_t i = 0; i < 3 && b->says[i]; i++)
        cr_assert(strstr(r.err, b->says[i]), "%s: want '%s' in %s", b->mode, b->says[i], r.err);
    if (b->counted)
        cr_assert_eq(count_in(r.err, b->counted), b->count, "%s", r.err);
    return r;
}

Test(flags, heap_checks_report_tag_site_size)
{
    static const struct bug_says said[] = {
        { "overrun", "Ovrn",
          { "heap overrun: 3 bytes written past the end of a block of 100 bytes",
            "found by free" }, "heaptag:", 1 },
        { "overrun_realloc", "Ovrr",
          { "heap overrun: 5 bytes written past the end of a block of 60 bytes",
            "found by realloc" }, NULL, 0 },
        { "foreign", NULL,
          { "invalid free of 0x", "invalid realloc of 0x", "invalid malloc_usable_size of 0x" },
          "not a block the heap gave out", 4 },
        { "uaf", "Uaft", { "use after free: byte 10 of a block of 64 bytes" }, NULL, 0 },
    };
    for (size_t i = 0; i < sizeof said / sizeof said[0]; i++) {
        struct run_result r = bug_said(&said[i]);
        run_done(&r);
    }

    struct tag_counts c;
    struct run_result r = bug_said(&(struct bug_says){
        "double", "Dblf", { "double free of a block of 48 bytes", "second free skipped" },
        "heaptag:", 1 });
    cr_assert_eq(tag_counts(r.pid, "Dblf", &c), 0);
    cr_assert_eq(c.allocs, 1);
    cr_assert_eq(c.frees, 1, "the skipped free is not counted");
    run_done(&r);

    r = bug_said(&(struct bug_says){
        "interior", "Intr",
        { ": 40 bytes into a block of 200 bytes", ": 3 bytes into a block of 200 bytes" },
        "; refused", 2 });
    cr_assert_eq(tag_counts(r.pid, "Intr", &c), 0);
    cr_assert_eq(c.frees, 1, "only the real free counts");
    cr_assert_eq(c.bytes, 0);
    run_done(&r);

    r = bug("clean", NULL);
    cr_assert_str_eq(r.err, "", "no report for a correct program");
    cr_assert_eq(tag_counts(r.pid, "Cln", &c), 0);
    cr_assert_eq(c.allocs, c.frees);
    cr_assert_eq(c.bytes, 0);
    run_done(&r);
}

Test(flags, ls_counts_corruptions_and_abort_option)
{
    struct run_result r = bug("interior", "Intr");
    char pidbuf[32];
    snprintf(pidbuf, sizeof pidbuf, "%7d ", r.pid);
    const char *argv[] = { build_path("heaptag"), "ls", NULL };
    struct run_result ls;
    cr_assert_eq(run_cmd(argv, NULL, 0, NULL, &ls), 0);
    const char *line = strstr(ls.out, pidbuf);
    cr_assert_not_null(line, "%s", ls.out);
    char state[16], live[32], rows[16], seg[16];
    unsigned long corrupt;
    cr_assert_eq(sscanf(line, "%*d %15s %31s %15s %15s %lu", state, live, rows, seg, &corrupt), 5);
    cr_assert_eq(corrupt, 2, "two interior frees: %s", line);
    run_free(&ls);
    run_done(&r);

    const char *env_abort[] = { sys_env, "HEAPTAG_FLAGS=+hfc", "HEAPTAG_ABORT=1", NULL };
    char path[4096];
    snprintf(path, sizeof path, "%s", build_path("tests/progs/heapbugs"));
    const char *av[] = { path, "double", NULL };
    cr_assert_eq(run_cmd(av, env_abort, 1, NULL, &r), 0);
    cr_assert(WIFSIGNALED(r.status) && WTERMSIG(r.status) == SIGABRT, "%s", r.err);
    cr_assert(strstr(r.err, "double free"), "%s", r.err);
    run_done(&r);
}

/* A running program on pipes. */
struct live {
    pid_t pid;
    FILE *to, *from;
};

static char *live_extra; /* one more environment entry for the next live_start */

static void live_start(struct live *l)
{
    int in[2], out[2];
    cr_assert_eq(pipe(in), 0);
    cr_assert_eq(pipe(out), 0);
    char lib[4096], exe[4096];
    char *abs = realpath(build_path("libheaptag.so"), NULL);
    cr_assert_not_null(abs);
    snprintf(lib, sizeof lib, "LD_PRELOAD=%s", abs);
    free(abs);
    snprintf(exe, sizeof exe, "%s", build_path("tests/progs/flaglive"));
    l->pid = fork();
    if (l->pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 2); /* the overrun report; ls counts it */
        close(in[1]);
        close(out[0]);
        putenv(lib);
        putenv("HEAPTAG_KEEP=1");
        putenv(sys_env);
        putenv(xdg_env);
        if (live_extra)
            putenv(live_extra);
        execl(exe, exe, "serve", (char *)NULL);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    l->to = fdopen(in[1], "w");
    l->from = fdopen(out[0], "r");
    char line[64];
    cr_assert_not_null(fgets(line, sizeof line, l->from));
    cr_assert_eq(atoi(line + 4), l->pid);
}

static void live_say(struct live *l, const char *what)
{
    char line[64];
    fprintf(l->to, "%s\n", what);
    fflush(l->to);
    cr_assert_not_null(fgets(line, sizeof line, l->from), "no answer to %s", what);
    cr_assert_str_eq(line, "ok\n");
}

static void live_end(struct live *l)
{
    int status;
    fprintf(l->to, "quit\n");
    fclose(l->to);
    fclose(l->from);
    cr_assert_eq(waitpid(l->pid, &status, 0), l->pid);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void live_flags(pid_t pid, const char *change, const char *want)
{
    char pidbuf[32];
    snprintf(pidbuf, sizeof pidbuf, "%d", (int)pid);
    struct run_result r = flags_cmd(NULL, "-p", pidbuf, change, NULL);
    cr_assert_eq(exit_code(&r), 0, "%s", r.err);
    char head[128];
    snprintf(head, sizeof head, "Current settings of running process %d are: %s\n", (int)pid, want);
    cr_assert(!strncmp(r.out, head, strlen(head)), "%s", r.out);
    run_free(&r);
}

Test(flags, live_change_takes_effect_at_once)
{
    struct live l;
    struct tag_counts c;
    live_start(&l);
    live_say(&l, "alloc 10");
    live_flags(l.pid, NULL, "00000400");
    live_flags(l.pid, "-ptg", "00000000");
    live_say(&l, "alloc 5"); /* not counted */
    cr_assert_eq(tag_counts(l.pid, "Live", &c), 0);
    cr_assert_eq(c.allocs, 10);
    live_flags(l.pid, "+ptg", "00000400");
    live_say(&l, "alloc 3");
    live_say(&l, "freeall"); /* the 13 counted decrement, the 5 others do not */
    cr_assert_eq(tag_counts(l.pid, "Live", &c), 0);
    cr_assert_eq(c.allocs, 13);
    cr_assert_eq(c.frees, 13);
    cr_assert_eq(c.bytes, 0);

    /* a check turned on live applies to blocks allocated from then on, and
     * stays with them after it is turned off again */
    live_say(&l, "alloc 1");
    live_say(&l, "overrun"); /* unchecked block: nothing to see */
    char pidarg[32];
    snprintf(pidarg, sizeof pidarg, "%d", (int)l.pid);
    struct run_result k = flags_cmd(NULL, "/k", pidarg, NULL, NULL); /* GFlags' spelling */
    cr_assert_eq(exit_code(&k), 0, "%s", k.err);
    cr_assert(strstr(k.out, "are: 00000400\n    ptg - Enable pool tagging\n"), "%s", k.out);
    run_free(&k);
    live_flags(l.pid, "+htc", "00000410");
    live_say(&l, "alloc 1");
    live_say(&l, "overrun");
    live_flags(l.pid, "-htc", "00000400");
    live_say(&l, "freeall");
    live_end(&l);
    char pidbuf[32];
    snprintf(pidbuf, sizeof pidbuf, "%7d ", (int)l.pid);
    const char *argv[] = { build_path("heaptag"), "ls", NULL };
    struct run_result ls;
    cr_assert_eq(run_cmd(argv, NULL, 0, NULL, &ls), 0);
    const char *line = strstr(ls.out, pidbuf);
    cr_assert_not_null(line, "%s", ls.out);
    unsigned long corrupt;
    cr_assert_eq(sscanf(line, "%*d %*s %*s %*s %*s %lu", &corrupt), 1);
    cr_assert_eq(corrupt, 1, "exactly the checked block's overrun: %s", line);
    run_free(&ls);
    segment_remove(l.pid);
}

Test(flags, exact_counts_while_ptg_toggles)
{
    struct run_result r = prog_ok("tests/progs/flaglive", "toggle", NULL);
    for (int i = 0; i < 8; i++) {
        char tag[8];
        struct tag_counts c;
        snprintf(tag, sizeof tag, "Tg%02d", i);
        cr_assert_eq(tag_counts(r.pid, tag, &c), 0);
        cr_assert_geq(c.allocs, 100, "%s: the last 100 are counted", tag);
        cr_assert_eq(c.allocs, c.frees, "%s: no drift", tag);
        cr_assert_eq(c.bytes, 0, "%s: no live bytes left", tag);
    }
    run_done(&r);
}

/* heaptag run FLAG -- heapbugs overrun, with HEAPTAG_FLAGS=env. */
static struct run_result run_heapbugs(const char *env, const char *flag)
{
    char envbuf[128];
    snprintf(envbuf, sizeof envbuf, "HEAPTAG_FLAGS=%s", env);
    const char *argv[] = { build_path("heaptag"), "run", flag, "--",
                           build_path("tests/progs/heapbugs"), "overrun", NULL };
    const char *envp[] = { sys_env, xdg_env, envbuf, NULL };
    struct run_result r;
    cr_assert_eq(run_cmd(argv, envp, 0, NULL, &r), 0);
    cr_assert_eq(exit_code(&r), 0, "%s", r.err);
    segment_remove(r.pid);
    return r;
}

Test(flags, run_adds_its_flags_after_the_environment)
{
    /* +htc from the environment survives run's +hfc */
    struct run_result r = run_heapbugs("+ptg+htc", "+hfc");
    cr_assert(strstr(r.err, "heap overrun"), "htc from HEAPTAG_FLAGS kept: %s", r.err);
    run_free(&r);
    /* run's arguments come last and win */
    r = run_heapbugs("+ptg+htc", "-htc");
    cr_assert_null(strstr(r.err, "heap overrun"), "run's -htc wins: %s", r.err);
    run_free(&r);
    /* and a malformed variable is named, nothing runs */
    const char *argv[] = { build_path("heaptag"), "run", "--", "true", NULL };
    const char *envp[] = { "HEAPTAG_FLAGS=+bogus", NULL };
    cr_assert_eq(run_cmd(argv, envp, 0, NULL, &r), 0);
    cr_assert_eq(exit_code(&r), 2);
    cr_assert(strstr(r.err, "HEAPTAG_FLAGS") && strstr(r.err, "bogus"), "%s", r.err);
    run_free(&r);
}

Test(flags, live_ust_needs_a_stack_table)
{
    struct live l;
    char pidbuf[32];
    live_extra = NULL;
    live_start(&l);
    snprintf(pidbuf, sizeof pidbuf, "%d", (int)l.pid);
    struct run_result r = flags_cmd(NULL, "-p", pidbuf, "+ust", NULL);
    cr_assert_eq(exit_code(&r), 1, "refused: %s", r.err);
    cr_assert(strstr(r.err, "cannot turn on ust") && strstr(r.err, "TRACEDB"), "%s", r.err);
    run_free(&r);
    live_flags(l.pid, NULL, "00000400"); /* unchanged */
    live_say(&l, "alloc 2");
    live_say(&l, "freeall");
    live_end(&l);
    segment_remove(l.pid);

    /* with a table sized at start, ust turned on live records stacks */
    live_extra = "HEAPTAG_TRACEDB=4";
    live_start(&l);
    live_extra = NULL;
    live_flags(l.pid, "+ust", "00001400");
    live_say(&l, "alloc 2");
    snprintf(pidbuf, sizeof pidbuf, "%d", (int)l.pid);
    const char *argv[] = { build_path("heaptag"), "dump", "-p", pidbuf, NULL };
    cr_assert_eq(run_cmd(argv, NULL, 0, NULL, &r), 0);
    cr_assert_eq(exit_code(&r), 0, "%s", r.err);
    cr_assert(strstr(r.out, "\nstack "), "stacks recorded after a live +ust:\n%s", r.out);
    run_free(&r);
    live_say(&l, "freeall");
    live_end(&l);
    segment_remove(l.pid);
}

Test(flags, flags_alone_lists_live_processes)
{
    struct live l;
    live_extra = NULL;
    live_start(&l);
    live_flags(l.pid, "+htc", "00000410");
    struct run_result r = flags_cmd(NULL, NULL, NULL, NULL, NULL);
    cr_assert_eq(exit_code(&r), 0, "%s", r.err);
    char want[128];
    snprintf(want, sizeof want, "Current settings of running process %d (", (int)l.pid);
    const char *at = strstr(r.out, want);
    cr_assert_not_null(at, "%s", r.out);
    cr_assert(!strncmp(strchr(at, ')'), ") are: 00000410\n    htc - ", 22), "%s", at);
    cr_assert(strstr(r.out, "System settings file ") && strstr(r.out, "User settings file ") &&
              strstr(r.out, "Environment (HEAPTAG_FLAGS)"), "%s", r.out);
    run_free(&r);
    live_end(&l);
    segment_remove(l.pid);
}

Test(flags, image_entries_follow_links)
{
    /* bin/patlink -> patterns: an entry for the link's name applies to the
     * program started through the link, and through PATH under its own name */
    char bin[600], link[700], path_env[1200];
    snprintf(bin, sizeof bin, "%s/bin", dir);
    cr_assert_eq(mkdir(bin, 0700), 0);
    snprintf(link, sizeof link, "%s/patlink", bin);
    char *real = realpath(build_path("tests/progs/patterns"), NULL);
    cr_assert_not_null(real);
    cr_assert_eq(symlink(real, link), 0);
    flags_ok("--user", "-i", "patlink", "-ptg");
    struct tag_counts c;
    const char *argv[] = { link, "basic", NULL };
    const char *env[] = { sys_env, xdg_env, NULL };
    struct run_result r;
    cr_assert_eq(run_cmd(argv, env, 1, NULL, &r), 0);
    cr_assert_eq(tag_counts(r.pid, "Basc", &c), 0);
    cr_assert_eq(c.rows, 0, "started as patlink: the entry applies");
    run_done(&r);
    snprintf(path_env, sizeof path_env, "PATH=%s:/usr/bin:/bin", bin);
    const char *argv2[] = { real, "basic", NULL };
    const char *env2[] = { sys_env, xdg_env, path_env, NULL };
    cr_assert_eq(run_cmd(argv2, env2, 1, NULL, &r), 0);
    cr_assert_eq(tag_counts(r.pid, "Basc", &c), 0);
    cr_assert_eq(c.rows, 0, "patterns is what patlink in PATH resolves to");
    run_done(&r);
    /* without that PATH, the real name is another program */
    cr_assert_eq(run_cmd(argv2, env, 1, NULL, &r), 0);
    cr_assert_eq(tag_counts(r.pid, "Basc", &c), 0);
    cr_assert_eq(c.allocs, 10, "not the image named");
    run_done(&r);

    /* an entry by path matches the file a link resolves to */
    flags_ok("--user", "-i", link, "+htc");
    char hb[700];
    snprintf(hb, sizeof hb, "%s/hblink", bin);
    char *hreal = realpath(build_path("tests/progs/heapbugs"), NULL);
    cr_assert_eq(symlink(hreal, hb), 0);
    flags_ok("--user", "-i", hb, "+htc");
    const char *argv3[] = { hreal, "overrun", NULL };
    cr_assert_eq(run_cmd(argv3, env, 1, NULL, &r), 0);
    cr_assert(strstr(r.err, "heap overrun"), "the link's entry applies to its target: %s", r.err);
    run_done(&r);
    free(hreal);
    free(real);

    /* a relative path is stored absolute */
    char cwd[4096];
    cr_assert_not_null(getcwd(cwd, sizeof cwd));
    cr_assert_eq(chdir(dir), 0);
    flags_ok("--user", "-i", "bin/patlink", "+hfc");
    cr_assert_eq(chdir(cwd), 0);
    char *text = slurp(user_path), *rdir = realpath(dir, NULL), want[1200];
    snprintf(want, sizeof want, "\nimage %s/bin/patlink +htc+hfc\n", rdir); /* the same entry */
    cr_assert(strstr(text, want), "%s in:\n%s", want, text);
    free(text);
    free(rdir);
}
