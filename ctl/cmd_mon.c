/*
 * cmd_mon.c - `heaptag mon`: the PoolMon table, printed as timestamped
 * snapshots every interval (the redrawing screen comes later). Parses the
 * options, picks the segments and paces the loop; mon_render.c draws.
 */
#include <err.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl.h"
#include "fmt.h"
#include "mon_render.h"
#include "out.h"
#include "segment_reader.h"

#define MON_MAX_PIDS 64
#define MON_MAX_INTERVAL 31536000.0 /* a year */
#define MON_MAX_WARNED 256

struct mon_opts {
    pid_t pids[MON_MAX_PIDS];
    size_t n_pids;
    unsigned long count;   /* 0: forever */
    long long interval_ns;
    enum mon_sort sort;
    enum mon_format format;
};

static void mon_parse_pids(struct mon_opts *o, const char *arg)
{
    const char *p = arg;
    for (;;) {
        char *end;
        errno = 0;
        long v = strtol(p, &end, 10);
        if (end == p || errno || v <= 0 || v > INT_MAX || (*end && *end != ','))
            ctl_usage_error("mon: bad PID list '%s'", arg);
        if (o->n_pids == MON_MAX_PIDS)
            ctl_usage_error("mon: at most %d PIDs", MON_MAX_PIDS);
        o->pids[o->n_pids++] = (pid_t)v;
        if (!*end)
            return;
        p = end + 1;
    }
}

static unsigned long mon_parse_count(const char *arg)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(arg, &end, 10);
    if (arg[0] < '0' || arg[0] > '9' || *end || errno || v == 0)
        ctl_usage_error("mon: bad count '%s' (a whole number, 1 or more)", arg);
    return v;
}

static long long mon_parse_interval(const char *arg)
{
    char *end;
    errno = 0;
    double v = strtod(arg, &end);
    if (end == arg || *end || errno || !isfinite(v) || v <= 0 || v > MON_MAX_INTERVAL ||
        (long long)(v * 1e9) < 1000000)
        ctl_usage_error("mon: bad interval '%s' (seconds, 0.001 or more)", arg);
    return (long long)(v * 1e9);
}

/* Single-letter sorts, dashed or PoolMon's slash spelling; -1 if not one. */
static int mon_sort_letter(const char *a)
{
    if ((a[0] != '-' && a[0] != '/') || !a[1] || a[2])
        return -1;
    switch (a[1]) {
    case 'b': return MON_SORT_BYTES;
    case 'a': return MON_SORT_ALLOCS;
    case 'f': return MON_SORT_FREES;
    case 'd': return MON_SORT_DIFF;
    case 't': return MON_SORT_TAG;
    }
    return -1;
}

/* The value of option opt at argv[*i]: "-pVALUE", "--opt=VALUE" or the next arg. */
static const char *mon_value(int argc, char **argv, int *i, const char *opt)
{
    size_t len = strlen(opt);
    const char *a = argv[*i];
    if (a[len] == '=' && opt[1] == '-')
        return a + len + 1;
    if (a[len] && opt[1] != '-')
        return a + len;
    if (*i + 1 >= argc)
        ctl_usage_error("mon: %s needs a value", opt);
    return argv[++*i];
}

static int mon_is_opt(const char *a, const char *opt)
{
    size_t len = strlen(opt);
    if (strncmp(a, opt, len) != 0)
        return 0;
    return a[len] == '\0' || (opt[1] == '-' ? a[len] == '=' : 1);
}

static void mon_parse(struct mon_opts *o, int argc, char **argv)
{
    memset(o, 0, sizeof *o);
    o->interval_ns = 1000000000LL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int s = mon_sort_letter(a);
        if (s >= 0)
            o->sort = (enum mon_sort)s;
        else if (!strcmp(a, "-h") || !strcmp(a, "--help"))
            ctl_help();
        else if (mon_is_opt(a, "-p"))
            mon_parse_pids(o, mon_value(argc, argv, &i, "-p"));
        else if (mon_is_opt(a, "-n"))
            o->count = mon_parse_count(mon_value(argc, argv, &i, "-n"));
        else if (mon_is_opt(a, "-i"))
            o->interval_ns = mon_parse_interval(mon_value(argc, argv, &i, "-i"));
        else if (mon_is_opt(a, "--format")) {
            const char *f = mon_value(argc, argv, &i, "--format");
            if (!strcmp(f, "table"))
                o->format = MON_FORMAT_TABLE;
            else if (!strcmp(f, "csv"))
                o->format = MON_FORMAT_CSV;
            else
                ctl_usage_error("mon: unknown format '%s' (table or csv)", f);
        } else
            ctl_usage_error("mon: unknown option '%s'", a);
    }
}

/* Damaged files are reported once per run, not once per snapshot. */
static int mon_first_warning(const char *name)
{
    static char warned[MON_MAX_WARNED][NAME_MAX + 1];
    static size_t n;
    for (size_t i = 0; i < n; i++)
        if (!strcmp(warned[i], name))
            return 0;
    if (n < MON_MAX_WARNED)
        strcpy(warned[n++], name);
    return 1;
}

/* The CSV header goes out once, just before the first record block. */
static void mon_csv_header(const struct mon_opts *o)
{
    static int done;
    if (o->format == MON_FORMAT_CSV && !done)
        fputs(MON_CSV_HEADER, stdout);
    done = 1;
}

static void mon_fail_pid(pid_t pid, int rc, const struct segread_snap *s, const char *why)
{
    out_flush();
    if (rc == SEGREAD_NOACCESS && !strcmp(why, "not tagged"))
        errx(1, "Query heap tags failed: PID %d is not tagged; start it with heaptag run",
             (int)pid);
    errx(1, "Query heap tags failed: PID %d: %s: %s", (int)pid, s->path, why);
}

/* One round with -p: every pid must have a readable segment. */
static void mon_round_pids(const struct mon_opts *o, const char *dir, const char *ts)
{
    static struct segread_snap snaps[MON_MAX_PIDS];
    for (size_t i = 0; i < o->n_pids; i++) {
        const char *why;
        int rc = segread_open_pid(dir, o->pids[i], &snaps[i], &why);
        if (rc != SEGREAD_OK)
            mon_fail_pid(o->pids[i], rc, &snaps[i], why);
    }
    mon_csv_header(o);
    for (size_t i = 0; i < o->n_pids; i++) {
        mon_render(stdout, &snaps[i], o->sort, o->format, ts);
        segread_close(&snaps[i]);
    }
}

/* One round without -p: every segment we can read. Returns how many. */
static size_t mon_round_all(const struct mon_opts *o, const char *dir, const char *ts)
{
    struct segread_entry *v;
    size_t n, shown = 0;
    if (segread_list(dir, &v, &n) != 0)
        err(1, "%s", dir);
    for (size_t i = 0; i < n; i++) {
        struct segread_snap s;
        const char *why;
        int rc = segread_open(dir, v[i].name, &s, &why);
        if (rc == SEGREAD_DAMAGED && mon_first_warning(v[i].name)) {
            out_flush();
            warnx("%s: skipped: %s", s.path, why);
        }
        if (rc != SEGREAD_OK)
            continue;
        mon_csv_header(o);
        mon_render(stdout, &s, o->sort, o->format, ts);
        segread_close(&s);
        shown++;
    }
    free(v);
    return shown;
}

static void mon_sleep_until(struct timespec *next, long long interval_ns)
{
    struct timespec now;
    next->tv_sec += (time_t)(interval_ns / 1000000000LL);
    next->tv_nsec += (long)(interval_ns % 1000000000LL);
    if (next->tv_nsec >= 1000000000L) {
        next->tv_sec++;
        next->tv_nsec -= 1000000000L;
    }
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (now.tv_sec > next->tv_sec || (now.tv_sec == next->tv_sec && now.tv_nsec > next->tv_nsec)) {
        *next = now; /* fell behind (stopped, slow disk): start afresh, no burst */
        return;
    }
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, next, NULL) == EINTR)
        ;
}

int cmd_mon(int argc, char **argv)
{
    struct mon_opts o;
    struct timespec next;
    char ts[32];
    mon_parse(&o, argc, argv);
    const char *dir = segread_dir();

    out_init();
    clock_gettime(CLOCK_MONOTONIC, &next);
    for (unsigned long round = 0; o.count == 0 || round < o.count; round++) {
        if (round > 0)
            mon_sleep_until(&next, o.interval_ns);
        fmt_timestamp(ts, sizeof ts, time(NULL));
        if (o.n_pids) {
            mon_round_pids(&o, dir, ts);
        } else if (mon_round_all(&o, dir, ts) == 0 && round == 0) {
            out_flush();
            errx(1, "Query heap tags failed: no tagged process found in %s; "
                    "start one with heaptag run", dir);
        }
        out_flush();
    }
    return 0;
}
