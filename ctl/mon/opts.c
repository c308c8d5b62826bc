/* SPDX-License-Identifier: MIT
 * mon/opts.c - parses mon's command line. Every spelling maps onto one field
 * of struct mon_opts; values are checked here so the rest can trust them.
 */
#include "mon/opts.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "mon/columns.h"

#define MON_MAX_INTERVAL 31536000.0 /* a year */

static void mon_parse_pids(struct mon_opts *o, const char *arg)
{
    const char *p = arg;
    for (;;) {
        char *end;
        if (!isdigit((unsigned char)*p) && *p != '-' && *p != '+') { /* a program name */
            size_t len = strcspn(p, ",");
            if (!len || memchr(p, '/', len))
                ctl_usage_error("mon: bad PID or program name in '%s'", arg);
            if (o->n_names == MON_MAX_PIDS)
                ctl_usage_error("mon: at most %d program names", MON_MAX_PIDS);
            char *name = strndup(p, len);
            if (!name)
                ctl_usage_error("mon: out of memory");
            o->names[o->n_names++] = name;
            if (!p[len])
                return;
            p += len + 1;
            continue;
        }
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

/* --old: whole seconds, 1 up to ten years. */
static uint64_t mon_parse_old(const char *arg)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(arg, &end, 10);
    if (arg[0] < '0' || arg[0] > '9' || *end || errno || v == 0 || v > 315360000ull)
        ctl_usage_error("mon: bad age '%s' for --old (whole seconds, 1 or more)", arg);
    return (uint64_t)v;
}

/* Single-letter switches, dashed or slashed; 0 if a is not one. */
static int mon_letter(struct mon_opts *o, const char *a)
{
    if ((a[0] != '-' && a[0] != '/') || !a[1] || a[2])
        return 0;
    /* the sort letters come from the column table; PoolMon's are upper case too */
    int sort = a[0] == '/' || islower((unsigned char)a[1]) ? mon_col_sort_key(a[1]) : -1;
    if (sort >= 0) {
        o->view.sort = (enum mon_sort)sort;
        return 1;
    }
    switch (a[1]) {
    case '(': case ')': o->view.by_change = 1; return 1;
    case 'e': o->totals = 1; return 1;
    case 'l': o->no_highlight = 1; return 1;
    }
    if (a[0] == '/' && (a[1] == 'p' || a[1] == 'P')) { /* PoolMon's /p: one step of the Type filter */
        o->view.type = (enum mon_type)((o->view.type + 1) % MON_TYPE_COUNT);
        return 1;
    }
    if (a[0] == '/' && (a[1] == 'n' || a[1] == 'N')) {
        o->snap_file = "poolsnap.log";
        return 1;
    }
    return 0;
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

static void mon_pattern(const char **list, size_t *n, const char *pat, const char *what)
{
    if (!*pat)
        ctl_usage_error("mon: empty %s pattern", what);
    if (*n == MON_MAX_PATTERNS)
        ctl_usage_error("mon: at most %d %s patterns", MON_MAX_PATTERNS, what);
    list[(*n)++] = pat;
}

static void mon_format_arg(struct mon_opts *o, const char *f)
{
    int format = mon_format_parse(f);
    if (format < 0)
        ctl_usage_error("mon: unknown format '%s' (table, csv or json)", f);
    o->format = (enum mon_format)format;
    o->format_set = 1;
}

void mon_opts_parse(struct mon_opts *o, int argc, char **argv)
{
    memset(o, 0, sizeof *o);
    o->interval_ns = 1000000000LL;
    o->old_secs = MON_OLD_DEFAULT;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (mon_letter(o, a))
            continue;
        if (ctl_is_help(a))
            ctl_help();
        else if (!strncmp(a, "/i", 2))
            mon_pattern(o->view.include, &o->view.n_include, a + 2, "include");
        else if (!strncmp(a, "/x", 2))
            mon_pattern(o->view.exclude, &o->view.n_exclude, a + 2, "exclude");
        else if (mon_is_opt(a, "--include"))
            mon_pattern(o->view.include, &o->view.n_include,
                        mon_value(argc, argv, &i, "--include"), "include");
        else if (mon_is_opt(a, "--exclude"))
            mon_pattern(o->view.exclude, &o->view.n_exclude,
                        mon_value(argc, argv, &i, "--exclude"), "exclude");
        else if (mon_is_opt(a, "-p"))
            mon_parse_pids(o, mon_value(argc, argv, &i, "-p"));
        else if (mon_is_opt(a, "-n"))
            o->count = mon_parse_count(mon_value(argc, argv, &i, "-n"));
        else if (mon_is_opt(a, "-i"))
            o->interval_ns = mon_parse_interval(mon_value(argc, argv, &i, "-i"));
        else if (mon_is_opt(a, "-N"))
            o->snap_file = mon_value(argc, argv, &i, "-N");
        else if (mon_is_opt(a, "-g"))
            o->tag_file = mon_value(argc, argv, &i, "-g");
        else if (!strcmp(a, "/g"))
            o->tag_file = mon_value(argc, argv, &i, "/g");
        else if (mon_is_opt(a, "--old"))
            o->old_secs = mon_parse_old(mon_value(argc, argv, &i, "--old"));
        else if (mon_is_opt(a, "--format"))
            mon_format_arg(o, mon_value(argc, argv, &i, "--format"));
        else if (mon_is_opt(a, "--by")) {
            const char *b = mon_value(argc, argv, &i, "--by");
            int by = mon_by_parse(b);
            if (by < 0)
                ctl_usage_error("mon: unknown grouping '%s' (tag, site, func or module)", b);
            o->by = (enum mon_by)by;
        } else if (!strcmp(a, "--split"))
            o->split = 1;
        else if (!strcmp(a, "--children"))
            o->children = 1;
        else if (!strcmp(a, "--all"))
            o->all = 1;
        else if (a[0] == '-' || a[0] == '/')
            ctl_usage_error("mon: unknown option %s", a);
        else
            ctl_usage_error("mon: unexpected argument '%s'", a);
    }
    if (o->snap_file && !*o->snap_file)
        ctl_usage_error("mon: -N needs a file name");
    if (o->children && !o->n_pids && !o->n_names)
        ctl_usage_error("mon: --children needs -p PID");
}
