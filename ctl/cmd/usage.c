/*
 * cmd/usage.c - the usage text of heaptag and the exits that print it. Kept out of
 * main.c so that the unit tests can link every other object.
 */
#include "ctl.h"

#include <stdarg.h>
#include <stdlib.h>

static const char usage_text[] =
    "usage: heaptag COMMAND [ARGS]\n"
    "\n"
    "  heaptag run [+FLAGS ...] [--] CMD [ARGS]   run CMD with the shim (default +ptg)\n"
    "  heaptag ls                                 list tagged processes, live and exited\n"
    "  heaptag flags [-r | -i IMAGE | -p PID] [+FLAGS -FLAGS ...] [--tracedb MB]\n"
    "                                             show or change flags (GFlags)\n"
    "  heaptag trend [--plot FILE.svg|.html] [--top N] [-v] LOG...\n"
    "                                             rank the tags whose live bytes grow steadily\n"
    "  heaptag mon [-p PID[,PID...]] [-i SECS] [-n COUNT] [-N FILE]\n"
    "              [--format table|csv|json] [--by tag|site|func|module] [--split]\n"
    "              [-b|-a|-f|-d|-t|-m] [-(] [/iTAG ...] [/xTAG ...] [-e] [-l] [-g FILE]\n"
    "                                             the tag table (PoolMon), live or as a log\n"
    "  heaptag gc                                 remove segments of exited and dead processes\n"
    "  heaptag dump [-p PID] > SNAP               live rows and ust stacks, symbolised\n"
    "  heaptag diff OLD NEW                       stacks whose live bytes grew (UMDH)\n"
    "  heaptag export --prometheus [-p PID[,PID...]] [--top N] [--by tag|site] [-o FILE]\n"
    "                                             the counters as Prometheus metrics\n"
    "  heaptag serve [--listen HOST:PORT] [--allow-remote] [-p PID[,PID...]]\n"
    "                [--top N] [--by tag|site]    answer GET /metrics (default 127.0.0.1:9464)\n"
    "  heaptag help                               show this text\n"
    "\n"
    "mon on a terminal redraws every -i SECS (default 1); keys: t a f d b m sort by\n"
    "tag, allocs, frees, diff, bytes, bytes per alloc (again: reverse), ( ) sort by\n"
    "change, p cycles the Type filter, s splits by process, w cycles the grouping,\n"
    "e totals, l highlighting, h help, q quits. Not on a terminal, or with -n or\n"
    "--format, it prints a timestamped snapshot every interval (-n: COUNT times).\n"
    "-N FILE (/n: poolsnap.log) writes one snapshot to FILE. /iTAG and /xTAG (or\n"
    "--include, --exclude) keep or drop tags matching * and ? patterns. -e totals,\n"
    "-l no highlighting, -g FILE adds descriptions from \"Tag  description\" lines.\n"
    "The PoolMon spellings /b /a /f /d /t /m /( /e /l /p /g work too.\n"
    "FLAGS: +ptg pool tagging, +ust stack traces, +htc tail checking,\n"
    "       +hfc free checking, +hpc parameter checking, +htd tagging by DLL.\n"
    "flags scopes: -r persistent (/etc/heaptag/flags as root, else\n"
    "       ~/.config/heaptag/flags), -i IMAGE one executable, -p PID (or -k PID)\n"
    "       a running process; /r /i /p /k work too. Hex values: +0x1400, -20.\n"
    "export and serve: --top N series per process by live bytes (default 100; the\n"
    "rest are counted in heaptag_series_dropped_total); -o writes FILE atomically.\n"
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

void ctl_usage_error(const char *fmt, ...)
{
    va_list ap;
    fputs("heaptag: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\n", stderr);
    ctl_usage(stderr);
    exit(2);
}

void ctl_help(void)
{
    ctl_usage(stdout);
    exit(fflush(stdout) == 0 ? 0 : 1);
}
