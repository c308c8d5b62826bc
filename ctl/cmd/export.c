/* SPDX-License-Identifier: MIT
 * cmd/export.c - `heaptag export --prometheus [-p PID...] [--top N] [--by function|tag|site]
 * [-o FILE]`: one Prometheus exposition of the tagged processes, on stdout or
 * written atomically to FILE for node_exporter's textfile collector (temporary
 * file in the same directory, fsync, rename), so a reader never sees half a file.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl.h"
#include "full_io.h"
#include "util/out.h"
#include "prom/collect.h"
#include "sym/symbolize.h"
#include "prom/format.h"
#include "segment/children.h"

static int export_missing; /* a PID asked for gave nothing: exit 1 after writing */

static void export_report(pid_t pid, const char *path, const char *why)
{
    if (!strcmp(why, "not tagged"))
        warnx("PID %d is not tagged; start it with heaptag run", (int)pid);
    else
        warnx("%s: skipped: %s", path[0] ? path : "?", why);
    export_missing = 1;
}

static void export_report_all(pid_t pid, const char *path, const char *why)
{
    (void)pid;
    warnx("%s: skipped: %s", path, why);
}

/* The directory part of path ("." when none), in buf. */
static void export_dir_of(char *buf, size_t n, const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(buf, n, ".");
    else if (slash == path)
        snprintf(buf, n, "/");
    else
        snprintf(buf, n, "%.*s", (int)(slash - path), path);
}

/* Temp file beside path, data, fsync, rename over path, fsync the directory.
 * The temp name starts with '.' and does not end in .prom, so the textfile
 * collector never reads it. */
static void export_atomic(const char *path, const char *data, size_t len)
{
    char dir[4096], tmp[4200];
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    if (!*base)
        errx(1, "%s: not a file name", path);
    export_dir_of(dir, sizeof dir, path);
    if ((size_t)snprintf(tmp, sizeof tmp, "%s/.%s.XXXXXX", dir, base) >= sizeof tmp)
        errx(1, "%s: path too long", path);
    int fd = mkstemp(tmp);
    if (fd < 0)
        err(1, "%s", tmp);
    mode_t mask = umask(0);
    umask(mask);
    /* mkstemp makes 0600; a scraper runs as another user, so use the usual mode */
    if (fchmod(fd, 0666 & ~mask) != 0 || ht_write_full(fd, data, len) != 0 || fsync(fd) != 0) {
        int e = errno;
        close(fd);
        unlink(tmp);
        errno = e;
        err(1, "%s", tmp);
    }
    if (close(fd) != 0 || rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        errno = e;
        err(1, "%s", path);
    }
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) { /* the rename itself survives a crash only once the directory is synced */
        if (fsync(dfd) != 0 && errno != EINVAL)
            warn("%s", dir);
        close(dfd);
    }
}

int cmd_export(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "prometheus", no_argument, NULL, 'P' },
        { "output", required_argument, NULL, 'o' },
        { "children", no_argument, NULL, 'C' },
        PROM_ARGS_LONGOPTS,
        { NULL, 0, NULL, 0 },
    };
    struct prom_args a = PROM_ARGS_INIT;
    const char *file = NULL;
    int prometheus = 0, children = 0, c;

    opterr = 0;
    while ((c = getopt_long(argc, argv, "+:p:o:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'P': prometheus = 1; break;
        case 'o': file = optarg; break;
        case 'C': children = 1; break;
        default: prom_args_opt("export", c, argv, &a);
        }
    }
    const pid_t *pids = a.pids;
    const size_t n_pids = a.n_pids;
    struct prom_opts o = a.opts; /* its symbol cache is set below */
    const unsigned flags = a.flags;
    if (optind < argc)
        ctl_usage_error("export: unexpected argument '%s'", argv[optind]);
    if (!prometheus)
        ctl_usage_error("export: choose a format (--prometheus)");
    if (file && !*file)
        ctl_usage_error("export: -o needs a file name");
    if (children && !n_pids)
        ctl_usage_error("export: --children needs -p PID");

    struct prom_set set;
    const char *dir = segread_dir();
    if (o.by != PROM_BY_TAG)
        o.sym = sym_cache_new(); /* the series are grouped, and named, as they are read */
    pid_t *watch = malloc(n_pids * sizeof *watch + 1);
    size_t n_watch = n_pids;
    if (!watch)
        err(1, "malloc");
    memcpy(watch, pids, n_pids * sizeof *watch);
    if (children && segread_add_children(dir, &watch, &n_watch) != 0)
        err(1, "%s", dir);
    if (prom_collect(dir, watch, n_watch, flags, &o, &set,
                     n_watch ? export_report : export_report_all) != 0)
        err(1, "%s", dir);
    free(watch);

    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    if (!mem)
        err(1, "export");
    prom_write_procs(mem, set.procs, set.n, &o, set.skipped);
    if (fclose(mem) != 0)
        err(1, "export");
    sym_cache_free(o.sym);
    prom_set_free(&set);

    if (file) {
        export_atomic(file, buf, len);
    } else {
        out_init();
        fwrite(buf, 1, len, stdout);
        out_flush();
    }
    free(buf);
    return export_missing ? 1 : 0;
}
