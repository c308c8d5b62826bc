/*
 * usage.c - the usage text of heaptag and the exits that print it. Kept out of
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
    "  heaptag mon [-p PID[,PID...]] [-n COUNT] [-i SECS] [--format table|csv]\n"
    "              [-b|-a|-f|-d|-t]               print the tag table (PoolMon)\n"
    "  heaptag gc                                 remove segments of exited and dead processes\n"
    "  heaptag dump [-p PID] > SNAP               live rows and ust stacks, symbolised\n"
    "  heaptag diff OLD NEW                       stacks whose live bytes grew (UMDH)\n"
    "  heaptag help                               show this text\n"
    "\n"
    "mon sorts by live bytes (-b, default), allocs (-a), frees (-f), diff (-d) or\n"
    "tag (-t); PoolMon's /b /a /f /d /t work too. -n 1 prints one snapshot.\n"
    "FLAGS: +ptg pool tagging, +ust stack traces, +htc tail checking,\n"
    "       +hfc free checking, +hpc parameter checking, +htd tagging by DLL.\n"
    "Segments are read from $HEAPTAG_SHM_DIR, default /dev/shm.\n";

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
