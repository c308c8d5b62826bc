/* SPDX-License-Identifier: MIT
 * cmd/run.c - `heaptag run [+FLAGS ...] [--pid-file FILE] [--anyway] [--] CMD
 * [ARGS]`: checks the flags, adds them after those of HEAPTAG_FLAGS, puts the
 * shim first in LD_PRELOAD and execs CMD, which keeps our pid and gives its
 * exit status as ours. The pid is said on stderr when that is a terminal, and
 * written to FILE with --pid-file. A program the loader will not preload into
 * (static, setuid) is named before it starts. Nothing is forked.
 */
#include <err.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "segment/proc_stat.h"
#include "ctl.h"
#include "flags_parse.h"
#include "heaptag_flags.h"
#include "settings.h"
#include "util/preload.h"

#define SHIM_NAME "libheaptag.so"

static int usable(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, R_OK) == 0;
}

static char *absolute(const char *path)
{
    char *abs = realpath(path, NULL);
    if (!abs)
        err(1, "%s", path);
    return abs;
}

#ifndef HT_SHIM_LIBDIR
#define HT_SHIM_LIBDIR "/usr/local/lib/heaptag"
#endif

/* $HEAPTAG_LIB, else next to our binary, else ../lib, else ../lib/heaptag,
 * else the directory it was installed to (SHIMDIR: $LIBDIR/heaptag, the multiarch
 * one in the Debian package). */
static char *run_find_shim(void)
{
    static const char *const rel[] = {
        "/" SHIM_NAME, "/../lib/" SHIM_NAME, "/../lib/heaptag/" SHIM_NAME,
    };
    const char *env = getenv("HEAPTAG_LIB");
    char self[PATH_MAX], cand[PATH_MAX + 32];

    if (env && *env) {
        if (!usable(env))
            errx(1, "HEAPTAG_LIB=%s: not a readable file", env);
        return absolute(env);
    }
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0)
        err(1, "cannot find our own binary (/proc/self/exe)");
    self[n] = '\0';
    char *slash = strrchr(self, '/');
    if (slash)
        *slash = '\0';
    for (size_t i = 0; i < sizeof rel / sizeof rel[0]; i++) {
        snprintf(cand, sizeof cand, "%s%s", self, rel[i]);
        if (usable(cand))
            return absolute(cand);
    }
    if (usable(HT_SHIM_LIBDIR "/" SHIM_NAME))
        return absolute(HT_SHIM_LIBDIR "/" SHIM_NAME);
    errx(1, "cannot find %s in %s, %s/../lib, %s/../lib/heaptag or %s; set HEAPTAG_LIB",
         SHIM_NAME, self, self, self, HT_SHIM_LIBDIR);
}

/* LD_PRELOAD with shim first, existing entries kept (not repeated). */
static void run_set_preload(const char *shim)
{
    if (strpbrk(shim, ": \t"))
        errx(1, "%s: LD_PRELOAD cannot hold a path with ':' or spaces", shim);
    const char *old = getenv("LD_PRELOAD");
    if (!old || !*old) {
        if (setenv("LD_PRELOAD", shim, 1) != 0)
            err(1, "setenv");
        return;
    }
    size_t sl = strlen(shim);
    for (const char *p = old; *p;) {
        size_t len = strcspn(p, ": ");
        if (len == sl && !strncmp(p, shim, sl))
            return; /* already there */
        p += len;
        p += strspn(p, ": ");
    }
    char *v;
    if (asprintf(&v, "%s:%s", shim, old) < 0)
        err(1, "asprintf");
    if (setenv("LD_PRELOAD", v, 1) != 0)
        err(1, "setenv");
    free(v);
}

/* CMD as execvp finds it: a path as given, else the first executable in PATH. */
static int run_resolve(const char *cmd, char *out, size_t cap)
{
    if (strchr(cmd, '/')) {
        snprintf(out, cap, "%s", cmd);
        return access(out, X_OK);
    }
    const char *path = getenv("PATH");
    if (!path || !*path)
        path = "/usr/local/bin:/usr/bin:/bin";
    for (const char *p = path;;) {
        size_t len = strcspn(p, ":");
        struct stat st;
        snprintf(out, cap, "%.*s%s%s", (int)len, p, len ? "/" : "", cmd);
        if (stat(out, &st) == 0 && S_ISREG(st.st_mode) && access(out, X_OK) == 0)
            return 0;
        if (!p[len])
            return -1;
        p += len + 1;
    }
}

static int is_flag_arg(const char *a)
{
    return a[0] == '+' || (a[0] == '-' && strcmp(a, "--") != 0);
}

/* Writes "PID\n" to file (replaced whole, so a reader never sees half). */
static void run_write_pid(const char *file)
{
    char tmp[PATH_MAX];
    if (snprintf(tmp, sizeof tmp, "%s.%d.tmp", file, (int)getpid()) >= (int)sizeof tmp)
        errx(1, "--pid-file %s: name too long", file);
    FILE *f = fopen(tmp, "w");
    if (!f)
        err(1, "--pid-file %s", file);
    fprintf(f, "%d\n", (int)getpid());
    if (fclose(f) != 0 || rename(tmp, file) != 0) {
        int e = errno;
        unlink(tmp);
        errno = e;
        err(1, "--pid-file %s", file);
    }
}

int cmd_run(int argc, char **argv)
{
    struct ht_flags_change chg = { 0 };
    size_t joined_len = 0;
    int i, anyway = 0;
    const char *pid_file = NULL;

    if (argc > 1 && ctl_is_help(argv[1]))
        ctl_help();
    for (i = 1; i < argc && is_flag_arg(argv[i]); i++) {
        const char *bad;
        size_t bad_len;
        if (ctl_is_help(argv[i]))
            ctl_help();
        if (!strcmp(argv[i], "--anyway")) {
            anyway = 1;
            continue;
        }
        if (!strcmp(argv[i], "--pid-file") || !strncmp(argv[i], "--pid-file=", 11)) {
            pid_file = argv[i][10] == '=' ? argv[i] + 11 : i + 1 < argc ? argv[++i] : "";
            if (!*pid_file)
                ctl_usage_error("run: --pid-file needs a file name");
            continue;
        }
        if (ht_flags_parse(argv[i], strlen(argv[i]), &chg, &bad, &bad_len) != 0)
            ctl_usage_error("run: unknown flag '%.*s' in '%s' (known: %s)", (int)bad_len, bad,
                            argv[i], HT_FLAG_NAMES);
        joined_len += strlen(argv[i]);
    }
    int last_flag = i - 1;
    if (i < argc && !strcmp(argv[i], "--"))
        i++;
    if (i >= argc)
        ctl_usage_error("run: no command given");
    struct stat st; /* execvp would say "Permission denied" */
    if (strchr(argv[i], '/') && stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
        warnx("%s: is a directory", argv[i]);
        return 126;
    }

    /* The flags compose: settings files, then HEAPTAG_FLAGS, then ours, later
     * ones winning (the shim reads them in that order). Every flag argument
     * starts with a sign, so appending them parses as applying them in turn. */
    const char *env = getenv(ht_setting(HT_SET_flags)->env);
    if (env && *env) {
        struct ht_flags_change probe = { 0 };
        const char *bad;
        size_t bad_len;
        if (ht_flags_parse(env, strlen(env), &probe, &bad, &bad_len) != 0)
            ctl_usage_error("run: %s has an unknown flag '%.*s'", ht_setting(HT_SET_flags)->env,
                            (int)bad_len, bad);
    } else {
        env = "";
    }
    char *flags = malloc(strlen(env) + joined_len + 1);
    if (!flags)
        err(1, "malloc");
    strcpy(flags, env);
    for (int k = 1; k <= last_flag; k++) {
        if (!strcmp(argv[k], "--pid-file"))
            k++;
        else if (argv[k][0] == '+' || (argv[k][0] == '-' && strcmp(argv[k], "--anyway") != 0 &&
                                       strncmp(argv[k], "--pid-file=", 11) != 0))
            strcat(flags, argv[k]);
    }

    char path[PATH_MAX];
    const char *why = run_resolve(argv[i], path, sizeof path) == 0 ? preload_blocker(path)
                                                                     : NULL;
    if (why && !anyway)
        errx(1, "%s %s; it would run untagged (--anyway runs it so)", path, why);
    if (why)
        warnx("%s %s; running it untagged", path, why);

    char *shim = run_find_shim();
    /* the run is one process tree for the keep cap: CMD keeps our pid and
     * start time, its children inherit the name */
    char tree[48];
    uint64_t ticks = 0;
    procstat_start_ticks(getpid(), &ticks);
    snprintf(tree, sizeof tree, "%d.%llu", (int)getpid(), (unsigned long long)ticks);
    if ((flags[0] && setenv(ht_setting(HT_SET_flags)->env, flags, 1) != 0) ||
        setenv(ht_setting(HT_SET_keep)->env, "1", 0) != 0 || setenv("HEAPTAG_TREE", tree, 1) != 0)
        err(1, "setenv");
    run_set_preload(shim);
    /* exec keeps our pid: the program's shim knows it was started here and
     * says at once when it cannot count (passive) */
    char run_pid[24];
    snprintf(run_pid, sizeof run_pid, "%ld", (long)getpid());
    if (setenv(HT_RUN_PID_ENV, run_pid, 1) != 0)
        err(1, "setenv");
    free(flags);
    free(shim);

    /* CMD keeps our pid: say it where the next command needs it, never
     * into a redirected output */
    if (pid_file)
        run_write_pid(pid_file);
    if (isatty(STDERR_FILENO))
        fprintf(stderr, "heaptag: pid %d; watch it from another terminal: heaptag mon -p %d\n",
                (int)getpid(), (int)getpid());

    execvp(argv[i], argv + i);
    int exec_errno = errno;
    if (pid_file) /* nothing runs under that pid: no file that says so */
        unlink(pid_file);
    errno = exec_errno;
    if (errno == ENOENT) {
        warnx("%s: command not found", argv[i]);
        return 127;
    }
    warn("%s", argv[i]);
    return 126;
}
