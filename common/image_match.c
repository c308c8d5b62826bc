/* SPDX-License-Identifier: MIT
 * image_match.c - matching settings' image entries to a program. Runs in
 * the shim's start-up: stack buffers and stat() only, never malloc or stdio.
 */
#include "image_match.h"

#include <string.h>
#include <sys/stat.h>

#define IMAGE_PATH_MAX 4096

static const char *image_base(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* Whether path, links followed, is the file st describes. */
static int image_same_file(const char *path, const struct stat *st)
{
    struct stat o;
    return stat(path, &o) == 0 && o.st_dev == st->st_dev && o.st_ino == st->st_ino;
}

int ht_image_matches(const char *name, size_t name_len, const char *exe, const char *argv0,
                     const char *path_env)
{
    char want[IMAGE_PATH_MAX], cand[IMAGE_PATH_MAX];
    struct stat ex;
    if (!exe || !*exe || name_len == 0 || name_len >= sizeof want || memchr(name, '\0', name_len))
        return 0;
    memcpy(want, name, name_len);
    want[name_len] = '\0';
    if (argv0 && !*argv0)
        argv0 = NULL;
    int have_exe = stat(exe, &ex) == 0;
    if (strchr(want, '/')) {
        if (!strcmp(want, exe) || (argv0 && !strcmp(want, argv0)))
            return 1;
        return have_exe && image_same_file(want, &ex);
    }
    if (!strcmp(want, image_base(exe)) || (argv0 && !strcmp(want, image_base(argv0))))
        return 1;
    if (!have_exe || !path_env)
        return 0;
    for (const char *p = path_env;;) {
        size_t len = strcspn(p, ":");
        if (len && len + 1 + name_len < sizeof cand && p[0] == '/') {
            memcpy(cand, p, len);
            cand[len] = '/';
            memcpy(cand + len + 1, want, name_len + 1);
            if (image_same_file(cand, &ex))
                return 1;
        }
        if (!p[len])
            return 0;
        p += len + 1;
    }
}
