/* SPDX-License-Identifier: MIT
 * sym/lookup.c - from a site as a log wrote it ("module+0xoff") back to the
 * module's file: parsing the site text and finding the file by name. Naming
 * the code is symbolize.c's; this never opens an ELF file itself.
 */
#include "sym/lookup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int sym_parse_site(const char *site, char *module, size_t module_n, uint64_t *offset,
                   const char **func)
{
    *func = NULL;
    const char *p = site;
    while (*p) {
        while (*p == ' ')
            p++;
        const char *end = p + strcspn(p, " ");
        const char *plus = NULL;
        for (const char *q = p; q + 2 < end; q++)
            if (q[0] == '+' && q[1] == '0' && q[2] == 'x')
                plus = q;
        if (plus && plus > p && (size_t)(plus - p) < module_n) {
            char *stop;
            uint64_t off = strtoull(plus + 3, &stop, 16);
            if (stop == end && end > plus + 3) {
                memcpy(module, p, (size_t)(plus - p));
                module[plus - p] = '\0';
                *offset = off;
                while (*end == ' ')
                    end++;
                if (*end)
                    *func = end;
                return 0;
            }
        }
        p = end;
    }
    return -1;
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

static int sym_from_maps(const char *module, int pid, char *path, size_t n)
{
    char name[64], line[4096];
    snprintf(name, sizeof name, "/proc/%d/maps", pid);
    FILE *f = fopen(name, "re");
    int rc = -1;
    if (!f)
        return -1;
    while (rc != 0 && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        char *slash = strchr(line, '/');
        if (slash && !strcmp(base_name(slash), module)) {
            snprintf(path, n, "%s", slash);
            rc = 0;
        }
    }
    fclose(f);
    return rc;
}

int sym_find_module(const char *module, const char *exe, int pid, char *path, size_t n)
{
    static const char *const dirs[] = { "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu",
                                        "/lib/aarch64-linux-gnu", "/usr/lib/aarch64-linux-gnu",
                                        "/lib64", "/usr/lib64", "/lib", "/usr/lib",
                                        "/usr/local/lib" };
    if (!*module || strchr(module, '/'))
        return -1;
    if (exe && *exe && !strcmp(base_name(exe), module) && access(exe, R_OK) == 0) {
        snprintf(path, n, "%s", exe);
        return 0;
    }
    if (pid > 0 && sym_from_maps(module, pid, path, n) == 0)
        return 0;
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        snprintf(path, n, "%s/%s", dirs[i], module);
        if (access(path, R_OK) == 0)
            return 0;
    }
    return -1;
}
