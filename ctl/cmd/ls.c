/* SPDX-License-Identifier: MIT
 * cmd/ls.c - `heaptag ls`: one line per segment, live and exited processes
 * alike, sorted by pid; then the processes that have the shim loaded but no
 * segment to show (counting privately), and one line on what heaptag's
 * segments occupy. A damaged segment of our own costs one warning on stderr
 * and is skipped; other users' damaged segments and segments we may not read
 * are skipped silently (the summary counts them).
 */
#include <err.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl.h"
#include "util/fmt.h"
#include "util/out.h"
#include "util/text_safe.h"
#include "util/xsort.h"
#include "segment/proc_maps.h"
#include "segment/reader.h"

#define LS_HEADER_FMT "%7s %-7s %14s %8s %7s %7s %s\n"

/* "passive": the shim stood aside (the program's malloc is not its own),
 * live or ended: its 0 rows are not "no allocations";
 * "other": another PID namespace's, whose liveness /proc cannot tell. */
static const char *ls_state(const struct segread_snap *s)
{
    if (s->passive)
        return "passive";
    if (s->state == SEGREAD_LIVE && s->other_pidns)
        return "other";
    return segread_state_name(s->state);
}

static void ls_print(const struct segread_snap *s)
{
    char size[16];
    printf("%7d %-7s %14" PRIu64 " %8zu %7s %7" PRIu64 " %s\n", (int)s->pid, ls_state(s),
           segread_live_total(s), s->n_rows,
           fmt_human_size(size, sizeof size, s->disk_bytes), segread_corrupt_total(s),
           s->exe[0] ? s->exe : "?");
}

static int pid_cmp(const void *a, const void *b)
{
    pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
    return (x > y) - (x < y);
}

/* Processes with the shim loaded and no live segment of our namespace:
 * their counts are in private memory. Returns how many were printed. */
static size_t ls_private(const pid_t *seen, size_t n_seen)
{
    pid_t *v;
    size_t n, shown = 0;
    if (procmaps_shim_pids(&v, &n) != 0)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (n_seen && bsearch(&v[i], seen, n_seen, sizeof *seen, pid_cmp))
            continue;
        char link[64], exe[HT_PATH_MAX];
        snprintf(link, sizeof link, "/proc/%d/exe", (int)v[i]);
        ssize_t len = readlink(link, exe, sizeof exe - 1);
        exe[len > 0 ? len : 0] = '\0';
        text_safe_inplace(exe, sizeof exe); /* a path is the program's choice */
        printf("%7d %-7s %14s %8s %7s %7s %s\n", (int)v[i], "private", "-", "-", "-", "-",
               exe[0] ? exe : "?");
        shown++;
    }
    free(v);
    return shown;
}

/* "segments: 3 live, 2 exited, 0 dead, 1.2M in /dev/shm; not visible: 1 private" */
static void ls_summary(const char *dir, size_t n_private)
{
    struct segread_usage u;
    char size[16];
    if (segread_usage(dir, &u) != 0)
        return;
    printf("segments: %zu live, %zu exited, %zu dead", u.live, u.exited, u.dead);
    if (u.passive)
        printf(", %zu passive", u.passive);
    if (u.other_ns)
        printf(", %zu other pid namespace", u.other_ns);
    if (u.damaged)
        printf(", %zu damaged", u.damaged);
    printf(", %s in %s; not visible: %zu private\n", fmt_human_size(size, sizeof size, u.bytes),
           dir, n_private);
}

/* Whether dir/name is our own file: a damaged segment of another user is
 * theirs to hear about (the summary line still counts it). */
static int ls_own_file(const char *dir, const char *name)
{
    char path[PATH_MAX];
    struct stat st;
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path)
        return 0;
    return lstat(path, &st) == 0 && st.st_uid == geteuid();
}

int cmd_ls(int argc, char **argv)
{
    ctl_no_args("ls", argc, argv);
    const char *dir = segread_dir();
    struct segread_entry *v;
    size_t n;
    if (segread_list(dir, &v, &n) != 0)
        err(1, "%s", dir);

    out_init();
    printf(LS_HEADER_FMT, "PID", "STATE", "LIVE BYTES", "ROWS", "SEGMENT", "CORRUPT", "EXE");
    pid_t *seen = calloc(n ? n : 1, sizeof *seen);
    size_t n_seen = 0;
    if (!seen)
        err(1, "ls");
    for (size_t i = 0; i < n; i++) {
        struct segread_snap s;
        const char *why;
        int rc = segread_open(dir, v[i].name, &s, &why);
        if (rc == SEGREAD_DAMAGED && ls_own_file(dir, v[i].name)) {
            out_flush(); /* keep stdout and stderr in order on a terminal */
            warnx("%s: skipped: %s", s.path, why);
        }
        if (rc == SEGREAD_FORGED) /* planted by another user: shown, never read */
            printf("%7d %-6s %14s %8s %7s %7s %s (file of uid %u, process of uid %u)\n",
                   (int)s.pid, "forged", "-", "-", "-", "-", s.exe[0] ? s.exe : "?",
                   (unsigned)s.uid, (unsigned)s.proc_uid);
        if (rc != SEGREAD_OK)
            continue;
        if (s.state == SEGREAD_LIVE && !s.other_pidns)
            seen[n_seen++] = s.pid;
        ls_print(&s);
        segread_close(&s);
    }
    free(v);
    xsort(seen, n_seen, sizeof *seen, pid_cmp);
    size_t n_private = ls_private(seen, n_seen);
    free(seen);
    ls_summary(dir, n_private);
    out_flush();
    return 0;
}
