/* SPDX-License-Identifier: MIT
 * cmd/usage.c - the usage text of heaptag and the exits that print it. Kept out of
 * main.c so that the unit tests can link every other object.
 */
#include "ctl.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "heaptag_flags.h"

static const char usage_text[] =
    "usage: heaptag COMMAND [ARGS]\n"
    "\n"
    "  heaptag run [+FLAGS ...] [--anyway] [--] CMD [ARGS]\n"
    "                                             run CMD with the shim (ptg is on by default)\n"
    "  heaptag ls                                 list tagged processes, live and exited\n"
    "  heaptag flags [-r | -i IMAGE | -p PID] [+FLAGS -FLAGS ...] [--tracedb MB]\n"
    "                                             show or change flags (GFlags)\n"
    "  heaptag trend [--plot FILE.svg|.html] [--top N] [-v] [--format table|csv|json]\n"
    "                [--since TIME|+OFFSET] [--until TIME|+OFFSET] LOG...\n"
    "  heaptag trend --prometheus URL [--match '{LABEL=\"VALUE\"}'] [--step DUR]\n"
    "                [--since TIME|DUR] [--until TIME|DUR] [same options]\n"
    "                                             rank the rows that leak, and since when\n"
    "                                             (from logs, or from Prometheus: DUR back\n"
    "                                             from now, default the last day);\n"
    "                                             exits 1 on a suspect, 0 on none, 2 on error\n"
    "  heaptag mon [-p PID[,PID...]] [-i SECS] [-n COUNT] [-N FILE]\n"
    "              [--format table|csv|json] [--by tag|site|func|module] [--split] [--all]\n"
    "              [--children]\n"
    "              [-b|-a|-f|-d|-t|-m] [-(] [/iTAG ...] [/xTAG ...] [-e] [-l] [-g FILE]\n"
    "                                             the tag table (PoolMon), live or as a log\n"
    "  heaptag gc                                 remove segments of exited and dead processes\n"
    "  heaptag dump [-p PID [--children]] > SNAP  live rows and ust stacks, symbolised\n"
    "  heaptag diff OLD NEW [NEWER ...]           stacks whose live bytes grew (UMDH);\n"
    "                                             with more dumps, ranked by steady growth\n"
    "  heaptag reports [-p PID]                   heap check reports, symbolised\n"
    "  heaptag export --prometheus [-p PID[,PID...] [--children]] [--top N]\n"
    "                 [--by function|tag|site] [--all] [-o FILE]\n"
    "                                             the counters as Prometheus metrics\n"
    "  heaptag serve [--listen HOST:PORT] [--allow-remote] [-p PID[,PID...]]\n"
    "                [--top N] [--by function|tag|site] [--all]\n"
    "                                             answer GET /metrics (default 127.0.0.1:9464)\n"
    "  heaptag rules [--window DUR] [--for DUR] [--row-rate SIZE] [--min-bytes SIZE]\n"
    "                [--instance-rate SIZE]     Prometheus recording and alerting rules\n"
    "  heaptag help                               show this text\n"
    "\n"
    "mon on a terminal redraws every -i SECS (default 1); keys (either case): t a f d\n"
    "b m sort by tag, allocs, frees, diff, bytes, bytes per alloc (again: reverse),\n"
    "( ) sort by change, p cycles the Type filter, s splits by process, w cycles the\n"
    "grouping, x adds exited and dead processes (--all; without -p the screen shows\n"
    "live ones), e totals, l highlighting, Left Right scroll sideways (Trend, Site),\n"
    "h help, q quits. Not on a terminal, or with -n or --format, it prints a\n"
    "timestamped snapshot every interval (-n: COUNT times).\n"
    "-N FILE (/n: poolsnap.log) writes one snapshot to FILE. /iTAG and /xTAG (or\n"
    "--include, --exclude) keep or drop tags matching * and ? patterns. -e totals,\n"
    "-l no highlighting, -g FILE adds descriptions from \"Tag  description\" lines.\n"
    "The PoolMon spellings /b /a /f /d /t /m /( /e /l /p /g work too.\n"
    "run adds its FLAGS after HEAPTAG_FLAGS (settings files, the variable, then\n"
    "run's arguments; later ones win), and refuses a static, setuid or setgid CMD\n"
    "(the loader would not preload the shim) unless --anyway is given.\n";

/* After the FLAGS lines, which come from the flag list. */
static const char usage_tail[] =
    "flags scopes: -r persistent (/etc/heaptag/flags as root, else\n"
    "       ~/.config/heaptag/flags), -i IMAGE one executable, -p PID (or -k PID)\n"
    "       a running process (+ust only if it started with ust or a tracedb\n"
    "       size); /r /i /p /k work too. Hex values: +0x1400, -20. An image is\n"
    "       matched by name, path and through links. /? and /h show this text.\n"
    "export and serve: --top N series per process by live bytes (default 100; the\n"
    "rest are counted in heaptag_series_dropped); -o writes FILE atomically.\n"
    "--by function (default) names a call site by its function and file, which a\n"
    "rebuild keeps; --by tag by module+0xoffset; --by site adds a site label.\n"
    "Without -p they show live processes and those that exited in the last 5\n"
    "minutes; --all shows every segment.\n"
    "--children (mon, dump, export, with -p): every descendant of the processes\n"
    "that carries the shim too (forked, or exec'd with it inherited).\n"
    "serve binds to loopback only unless --allow-remote is given.\n"
    "Segments are read from $HEAPTAG_SHM_DIR, default /dev/shm.\n";

/* "FLAGS: +ptg pool tagging, +ust stack traces, ..." wrapped before column
 * 80, appended to buf (cap bytes, NUL-terminated). */
static void usage_flags(char *buf, size_t cap)
{
    static const char *const items[][2] = {
#define USAGE_FLAG(abbr, value, text, help) { #abbr, help },
        HT_FLAG_LIST(USAGE_FLAG)
#undef USAGE_FLAG
    };
    size_t n = sizeof items / sizeof items[0], at = strlen(buf), col;
    at += (size_t)snprintf(buf + at, cap - at, "FLAGS:");
    col = strlen("FLAGS:");
    for (size_t i = 0; i < n && at < cap; i++) {
        size_t len = 1 + 1 + strlen(items[i][0]) + 1 + strlen(items[i][1]) + 1;
        if (col + len > 80) {
            at += (size_t)snprintf(buf + at, cap - at, "\n      ");
            col = 6;
        }
        int w = snprintf(buf + at, cap - at, " +%s %s%s", items[i][0], items[i][1],
                         i + 1 < n ? "," : ".");
        at += (size_t)w;
        col += (size_t)w;
    }
    if (at < cap)
        snprintf(buf + at, cap - at, "\n");
}

const char *ctl_usage_text(void)
{
    static char text[sizeof usage_text + sizeof usage_tail + 512];
    if (!text[0]) {
        memcpy(text, usage_text, sizeof usage_text);
        usage_flags(text, sizeof text - sizeof usage_tail);
        strcat(text, usage_tail);
    }
    return text;
}

void ctl_usage(FILE *out)
{
    fputs(ctl_usage_text(), out);
}

const char *ctl_cmd;

/* One line: the problem and where to read more, never the whole help. */
void ctl_usage_error(const char *fmt, ...)
{
    va_list ap;
    fputs("heaptag: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    if (ctl_cmd)
        fprintf(stderr, "; see heaptag %s --help\n", ctl_cmd);
    else
        fputs("; see heaptag --help\n", stderr);
    exit(2);
}

int ctl_is_help(const char *a)
{
    return !strcmp(a, "-h") || !strcmp(a, "--help") || !strcmp(a, "/?") || !strcmp(a, "/h") ||
           !strcmp(a, "/H");
}

void ctl_no_args(const char *cmd, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (ctl_is_help(argv[i]))
            ctl_help();
        ctl_usage_error("%s: unexpected argument '%s'", cmd, argv[i]);
    }
}

void ctl_help(void)
{
    ctl_usage(stdout);
    exit(fflush(stdout) == 0 ? 0 : 1);
}
