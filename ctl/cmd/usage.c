/*
 * cmd/usage.c - the usage text of heaptag and the exits that print it. Kept out of
 * main.c so that the unit tests can link every other object.
 */
#include "ctl.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static const char usage_text[] =
    "usage: heaptag COMMAND [ARGS]\n"
    "\n"
    "  heaptag run [+FLAGS ...] [--anyway] [--] CMD [ARGS]\n"
    "                                             run CMD with the shim (ptg is on by default)\n"
    "  heaptag ls                                 list tagged processes, live and exited\n"
    "  heaptag flags [-r | -i IMAGE | -p PID] [+FLAGS -FLAGS ...] [--tracedb MB]\n"
    "                                             show or change flags (GFlags)\n"
    "  heaptag trend [--plot FILE.svg|.html] [--top N] [-v] LOG...\n"
    "                                             rank the tags whose live bytes grow steadily\n"
    "  heaptag mon [-p PID[,PID...]] [-i SECS] [-n COUNT] [-N FILE]\n"
    "              [--format table|csv|json] [--by tag|site|func|module] [--split] [--all]\n"
    "              [-b|-a|-f|-d|-t|-m] [-(] [/iTAG ...] [/xTAG ...] [-e] [-l] [-g FILE]\n"
    "                                             the tag table (PoolMon), live or as a log\n"
    "  heaptag gc                                 remove segments of exited and dead processes\n"
    "  heaptag dump [-p PID] > SNAP               live rows and ust stacks, symbolised\n"
    "  heaptag diff OLD NEW                       stacks whose live bytes grew (UMDH)\n"
    "  heaptag export --prometheus [-p PID[,PID...]] [--top N] [--by tag|site] [--all]\n"
    "                 [-o FILE]                   the counters as Prometheus metrics\n"
    "  heaptag serve [--listen HOST:PORT] [--allow-remote] [-p PID[,PID...]]\n"
    "                [--top N] [--by tag|site] [--all]\n"
    "                                             answer GET /metrics (default 127.0.0.1:9464)\n"
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
    "(the loader would not preload the shim) unless --anyway is given.\n"
    "FLAGS: +ptg pool tagging, +ust stack traces, +htc tail checking,\n"
    "       +hfc free checking, +hpc parameter checking, +htd tagging by DLL.\n"
    "flags scopes: -r persistent (/etc/heaptag/flags as root, else\n"
    "       ~/.config/heaptag/flags), -i IMAGE one executable, -p PID (or -k PID)\n"
    "       a running process (+ust only if it started with ust or a tracedb\n"
    "       size); /r /i /p /k work too. Hex values: +0x1400, -20. An image is\n"
    "       matched by name, path and through links. /? and /h show this text.\n"
    "export and serve: --top N series per process by live bytes (default 100; the\n"
    "rest are counted in heaptag_series_dropped_total); -o writes FILE atomically.\n"
    "Without -p they show live processes and those that exited in the last 5\n"
    "minutes; --all shows every segment.\n"
    "serve binds to loopback only unless --allow-remote is given.\n"
    "Segments are read from $HEAPTAG_SHM_DIR, default /dev/shm.\n";

const char *ctl_usage_text(void)
{
    return usage_text;
}

void ctl_usage(FILE *out)
{
    fputs(usage_text, out);
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

void ctl_help(void)
{
    ctl_usage(stdout);
    exit(fflush(stdout) == 0 ? 0 : 1);
}
