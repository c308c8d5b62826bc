/*
 * cmd/run.c - `heaptag run [+FLAGS ...] [--] CMD [ARGS]`: checks the flags,
 * puts the shim first in LD_PRELOAD and execs CMD, which keeps our pid and
 * gives its exit status as ours. Nothing is forked and nothing left behind.
 */
#include <err.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl.h"
#include "flags_parse.h"

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
#define HT_SHIM_LIBDIR "/usr/local/lib"
#endif

/* $HEAPTAG_LIB, else next to our binary, else ../lib, else ../lib/heaptag,
 * else the directory it was installed to (LIBDIR, the multiarch one in the
 * Debian package). */
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

static int is_flag_arg(const char *a)
{
    return a[0] == '+' || (a[0] == '-' && strcmp(a, "--") != 0);
}

int cmd_run(int argc, char **argv)
{
    struct ht_flags_change chg = { 0 };
    size_t joined_len = 0;
    int i;

    for (i = 1; i < argc && is_flag_arg(argv[i]); i++) {
        const char *bad;
        size_t bad_len;
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
            ctl_help();
        if (ht_flags_parse(argv[i], strlen(argv[i]), &chg, &bad, &bad_len) != 0)
            errx(2, "run: unknown flag '%.*s' in '%s' (known: ptg ust htc hfc hpc htd)",
                 (int)bad_len, bad, argv[i]);
        joined_len += strlen(argv[i]);
    }
    int nflags = i - 1;
    if (i < argc && !strcmp(argv[i], "--"))
        i++;
    if (i >= argc)
        ctl_usage_error("run: no command given");

    /* Every flag argument starts with a sign, so concatenating them parses the
     * same as parsing them one by one. */
    char *flags = malloc(joined_len + sizeof "+ptg");
    if (!flags)
        err(1, "malloc");
    flags[0] = '\0';
    for (int k = 1; k <= nflags; k++)
        strcat(flags, argv[k]);
    if (!nflags)
        strcpy(flags, "+ptg");

    char *shim = run_find_shim();
    if (setenv("HEAPTAG_FLAGS", flags, 1) != 0 || setenv("HEAPTAG_KEEP", "1", 0) != 0)
        err(1, "setenv");
    run_set_preload(shim);
    free(flags);
    free(shim);

    execvp(argv[i], argv + i);
    if (errno == ENOENT) {
        warnx("%s: command not found", argv[i]);
        return 127;
    }
    warn("%s", argv[i]);
    return 126;
}
