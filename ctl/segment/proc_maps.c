/* SPDX-License-Identifier: MIT
 * segment/proc_maps.c - which processes have libheaptag.so mapped (proc_maps.h).
 * A process that vanishes while read is simply left out.
 */
#include "segment/proc_maps.h"

#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A maps line whose path's last component is libheaptag.so[.*]. */
static int line_is_shim(const char *line)
{
    const char *slash = strrchr(line, '/');
    if (!slash)
        return 0;
    const char *base = slash + 1;
    size_t n = strlen("libheaptag.so");
    return strncmp(base, "libheaptag.so", n) == 0 &&
           (base[n] == '\n' || base[n] == '\0' || base[n] == '.');
}

static int has_shim(pid_t pid)
{
    char path[64], line[4096];
    snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
    FILE *f = fopen(path, "re");
    if (!f)
        return 0;
    int found = 0;
    while (!found && fgets(line, sizeof line, f))
        found = line_is_shim(line);
    fclose(f);
    return found;
}

int procmaps_shim_pids(pid_t **out, size_t *n)
{
    DIR *d = opendir("/proc");
    if (!d)
        return -1;
    pid_t *v = NULL;
    size_t len = 0, cap = 0;
    uid_t me = geteuid();
    pid_t self = getpid();
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (!isdigit((unsigned char)de->d_name[0]))
            continue;
        pid_t pid = (pid_t)strtol(de->d_name, NULL, 10);
        struct stat st;
        if (pid <= 0 || pid == self || fstatat(dirfd(d), de->d_name, &st, 0) != 0 ||
            (me != 0 && st.st_uid != me) || !has_shim(pid))
            continue;
        if (len == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            pid_t *nv = realloc(v, ncap * sizeof *v);
            if (!nv) {
                free(v);
                closedir(d);
                return -1;
            }
            v = nv;
            cap = ncap;
        }
        v[len++] = pid;
    }
    closedir(d);
    *out = v;
    *n = len;
    return 0;
}
