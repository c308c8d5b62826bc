/*
 * cmd/ls.c - `heaptag ls`: one line per segment, live and exited processes
 * alike, sorted by pid. A damaged segment costs one warning on stderr and is
 * skipped; segments we may not read are skipped silently.
 */
#include <err.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "util/fmt.h"
#include "util/out.h"
#include "segment/reader.h"

#define LS_HEADER_FMT "%7s %-6s %14s %8s %7s %7s %s\n"

static void ls_print(const struct segread_snap *s)
{
    char size[16];
    printf("%7d %-6s %14" PRIu64 " %8zu %7s %7" PRIu64 " %s\n", (int)s->pid,
           segread_state_name(s->state), segread_live_total(s), s->n_rows,
           fmt_human_size(size, sizeof size, s->segment_size), segread_corrupt_total(s),
           s->exe[0] ? s->exe : "?");
}

int cmd_ls(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (ctl_is_help(argv[i]))
            ctl_help();
        ctl_usage_error("ls: unexpected argument '%s'", argv[i]);
    }
    const char *dir = segread_dir();
    struct segread_entry *v;
    size_t n;
    if (segread_list(dir, &v, &n) != 0)
        err(1, "%s", dir);

    out_init();
    printf(LS_HEADER_FMT, "PID", "STATE", "LIVE BYTES", "ROWS", "SEGMENT", "CORRUPT", "EXE");
    for (size_t i = 0; i < n; i++) {
        struct segread_snap s;
        const char *why;
        int rc = segread_open(dir, v[i].name, &s, &why);
        if (rc == SEGREAD_DAMAGED) {
            out_flush(); /* keep stdout and stderr in order on a terminal */
            warnx("%s: skipped: %s", s.path, why);
        }
        if (rc == SEGREAD_FORGED) /* planted by another user: shown, never read */
            printf("%7d %-6s %14s %8s %7s %7s %s (file of uid %u, process of uid %u)\n",
                   (int)s.pid, "forged", "-", "-", "-", "-", s.exe[0] ? s.exe : "?",
                   (unsigned)s.uid, (unsigned)s.proc_uid);
        if (rc != SEGREAD_OK)
            continue;
        ls_print(&s);
        segread_close(&s);
    }
    free(v);
    out_flush();
    return 0;
}
