/*
 * cmd/trend.c - `heaptag trend LOG...`: reads mon logs, runs the leak test on
 * every row's series, ranks the suspects, names the function of the worst,
 * and optionally draws the picture. Damaged input costs one line on stderr
 * per file, never the run.
 */
#include <err.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/xsort.h"
#include "ctl.h"
#include "util/fmt.h"
#include "trend/log_reader.h"
#include "util/out.h"
#include "sym/lookup.h"
#include "trend/analysis.h"
#include "trend/plot.h"

#define TREND_DEFAULT_TOP 10

struct trend_opts {
    char **files;
    int n_files;
    const char *plot;
    size_t top;
    int verbose;
};

struct verdict {
    const struct log_series *s;
    struct trend_result r;
    double max_live;
};

static void trend_parse(struct trend_opts *o, int argc, char **argv)
{
    memset(o, 0, sizeof *o);
    o->top = TREND_DEFAULT_TOP;
    o->files = calloc((size_t)argc, sizeof *o->files);
    if (!o->files)
        err(1, "malloc");
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (ctl_is_help(a))
            ctl_help();
        else if (!strcmp(a, "-v") || !strcmp(a, "--verbose"))
            o->verbose = 1;
        else if (!strcmp(a, "--plot") || !strncmp(a, "--plot=", 7)) {
            if (a[6] == '=')
                o->plot = a + 7;
            else if (i + 1 < argc)
                o->plot = argv[++i];
            if (!o->plot || !*o->plot)
                ctl_usage_error("trend: --plot needs a file name (.svg or .html)");
        } else if (!strcmp(a, "--top") || !strncmp(a, "--top=", 6)) {
            const char *v = a[5] == '=' ? a + 6 : i + 1 < argc ? argv[++i] : "";
            char *end;
            errno = 0;
            unsigned long n = strtoul(v, &end, 10);
            if (!*v || *end || errno || n == 0 || n > 1000 || v[0] == '-')
                ctl_usage_error("trend: bad --top '%s' (1 to 1000)", v);
            o->top = n;
        } else if (a[0] == '-' && a[1])
            ctl_usage_error("trend: unknown option '%s'", a);
        else
            o->files[o->n_files++] = argv[i];
    }
    if (o->n_files == 0)
        ctl_usage_error("trend: no log file given");
}

/* Reads every file; returns how many could be read. */
static int trend_read(struct log_data *d, const struct trend_opts *o)
{
    int ok = 0;
    for (int i = 0; i < o->n_files; i++) {
        const char *name = o->files[i];
        int is_stdin = !strcmp(name, "-");
        FILE *f = is_stdin ? stdin : fopen(name, "re");
        struct log_stats st = { 0 };
        char why[256];
        if (!f) {
            warn("trend: %s", name);
            continue;
        }
        if (log_read(d, f, &st) != 0)
            warn("trend: %s: read error after line %zu", name, st.lines);
        else
            ok++;
        log_skip_summary(why, sizeof why, &st);
        if (*why)
            warnx("trend: %s: %s", is_stdin ? "(stdin)" : name, why);
        else if (st.rows == 0)
            warnx("trend: %s: no snapshots in it", is_stdin ? "(stdin)" : name);
        if (!is_stdin)
            fclose(f);
    }
    return ok;
}

static int cmp_verdict(const void *pa, const void *pb)
{
    const struct verdict *a = pa, *b = pb;
    if (a->r.suspect != b->r.suspect)
        return b->r.suspect - a->r.suspect;
    if (a->r.suspect && a->r.score != b->r.score)
        return (a->r.score < b->r.score) - (a->r.score > b->r.score);
    return (a->max_live < b->max_live) - (a->max_live > b->max_live);
}

static void pid_text(char *buf, size_t n, const struct log_series *s)
{
    if (s->run)
        snprintf(buf, n, "%d#%u", s->pid, s->run + 1);
    else
        snprintf(buf, n, "%d", s->pid);
}

static void rate_text(char *buf, size_t n, double bph)
{
    char h[16];
    fmt_human_size(h, sizeof h, (uint64_t)(bph > 0 ? bph + 0.5 : 0));
    snprintf(buf, n, "+%s/h", h);
}

/* The function of a series' site: from the site text, else from the module. */
static int trend_function(const struct log_series *s, char *buf, size_t n)
{
    char module[256], path[PATH_MAX];
    uint64_t off;
    const char *func;
    if (sym_parse_site(s->site, module, sizeof module, &off, &func) != 0 &&
        sym_parse_site(s->tag, module, sizeof module, &off, &func) != 0)
        return -1;
    if (func) {
        snprintf(buf, n, "%s", func);
        return 0;
    }
    if (sym_find_module(module, s->exe, s->pid, path, sizeof path) != 0)
        return -1;
    return sym_function(path, off, buf, n);
}

/* "leaky+0x11bd" out of "0x55d1c0a011bd leaky+0x11bd"; the whole text otherwise. */
static const char *short_site(const char *site)
{
    const char *sp = strchr(site, ' ');
    return site[0] == '0' && site[1] == 'x' && sp ? sp + 1 : site;
}

static void trend_table(const struct verdict *v, size_t n)
{
    printf("%4s %11s %5s %-9s %-24s %9s  %-20s  %-20s  %s\n", "Rank", "Growth", "Conf", "PID",
           "Tag", "Live", "First seen", "Last seen", "Site / function");
    for (size_t i = 0; i < n; i++) {
        const struct log_series *s = v[i].s;
        char rate[40], pid[32], live[32], first[32], last[32], func[256], tag[25];
        rate_text(rate, sizeof rate, v[i].r.rate_bph);
        pid_text(pid, sizeof pid, s);
        fmt_human_size(live, sizeof live, s->pts[s->n - 1].live);
        fmt_timestamp(first, sizeof first, (time_t)s->pts[0].t);
        fmt_timestamp(last, sizeof last, (time_t)s->pts[s->n - 1].t);
        fmt_fit(tag, 24, s->tag);
        int have_func = trend_function(s, func, sizeof func) == 0;
        printf("%4zu %11s %4.0f%% %-9s %-24s %9s  %-20s  %-20s  %s%s%s\n", i + 1, rate,
               floor(v[i].r.confidence * 100), pid, tag, live, first, last,
               *s->site ? short_site(s->site) : "-", have_func ? " " : "", have_func ? func : "");
    }
}

static void trend_verdict(const struct verdict *v)
{
    const struct log_series *s = v->s;
    char rate[40], func[256], pid[32];
    rate_text(rate, sizeof rate, v->r.rate_bph);
    pid_text(pid, sizeof pid, s);
    double hours = (s->pts[s->n - 1].t - s->pts[0].t) / 3600;
    printf("\nverdict: %s leaks in pid %s%s%s: live bytes grow %s, steadily over %zu snapshots "
           "(%.2g h), confidence %.0f%%\n", s->tag, pid, *s->exe ? " " : "", s->exe, rate, s->n,
           hours, floor(v->r.confidence * 100));
    if (trend_function(s, func, sizeof func) == 0)
        printf("verdict: allocated in function %s (site %s)\n", func,
               *s->site ? short_site(s->site) : s->tag);
    else if (*s->site)
        printf("verdict: allocated at site %s\n", short_site(s->site));
}

static void trend_verbose(const struct verdict *v, size_t n)
{
    printf("\nevery row:\n");
    for (size_t i = 0; i < n; i++) {
        char pid[32], rate[32];
        pid_text(pid, sizeof pid, v[i].s);
        snprintf(rate, sizeof rate, "%+.0f B/h", v[i].r.rate_bph);
        printf("  %-9s %-24s %5zu pts %14s  p=%.2g up=%.2f  %s\n", pid, v[i].s->tag, v[i].s->n,
               rate, v[i].r.p_value, v[i].r.frac_up,
               v[i].r.suspect ? "SUSPECT" : v[i].r.reason);
    }
}

static void trend_write_plot(const struct trend_opts *o, const struct verdict *v, size_t n,
                             const char *subtitle)
{
    struct plot_line lines[PLOT_MAX_LINES];
    static char funcs[PLOT_MAX_LINES][256];
    size_t k = 0, want = o->top < PLOT_MAX_LINES ? o->top : PLOT_MAX_LINES;
    if (want < 2)
        want = 2;
    /* suspects first (v is sorted so), then the biggest of the rest */
    for (size_t i = 0; i < n && k < want; i++)
        if (v[i].s->n) {
            int named = v[i].r.suspect && trend_function(v[i].s, funcs[k], sizeof funcs[k]) == 0;
            lines[k] = (struct plot_line){ v[i].s, v[i].r.suspect, v[i].r.rate_bph,
                                           named ? funcs[k] : NULL };
            k++;
        }
    size_t len = strlen(o->plot);
    int html = len > 5 && (!strcmp(o->plot + len - 5, ".html") || !strcmp(o->plot + len - 4, ".htm"));
    FILE *f = fopen(o->plot, "we");
    if (!f)
        err(1, "trend: %s", o->plot);
    if (trend_plot(f, lines, k, html, subtitle) != 0 || fclose(f) != 0)
        err(1, "trend: %s", o->plot);
    printf("plot: %s (%zu lines)\n", o->plot, k);
}

int cmd_trend(int argc, char **argv)
{
    struct trend_opts o;
    trend_parse(&o, argc, argv);
    out_init();
    struct log_data *d = log_new();
    if (trend_read(d, &o) == 0)
        errx(1, "trend: no log could be read");
    size_t n;
    const struct log_series *s = log_series(d, &n);
    if (n == 0)
        errx(1, "trend: no snapshots of heaptag mon in the input");
    struct verdict *v = calloc(n ? n : 1, sizeof *v);
    if (!v)
        err(1, "malloc");
    double t0 = INFINITY, t1 = -INFINITY;
    size_t procs = 0, suspects = 0;
    for (size_t i = 0; i < n; i++) {
        v[i].s = &s[i];
        trend_analyze(s[i].pts, s[i].n, &v[i].r);
        for (size_t k = 0; k < s[i].n; k++)
            v[i].max_live = fmax(v[i].max_live, (double)s[i].pts[k].live);
        t0 = fmin(t0, s[i].pts[0].t);
        t1 = fmax(t1, s[i].pts[s[i].n - 1].t);
        procs += i == 0 || s[i].pid != s[i - 1].pid || s[i].run != s[i - 1].run;
        suspects += v[i].r.suspect;
    }
    xsort(v, n, sizeof *v, cmp_verdict);

    char subtitle[160], a[32], b[32];
    fmt_timestamp(a, sizeof a, (time_t)t0);
    fmt_timestamp(b, sizeof b, (time_t)t1);
    snprintf(subtitle, sizeof subtitle, "%zu snapshots of %zu process%s, %s to %s",
             log_snapshots(d), procs, procs == 1 ? "" : "es", a, b);
    printf("heaptag trend: %zu rows in %s\n", n, subtitle);
    if (suspects == 0) {
        printf("no growing tags\n");
    } else {
        trend_table(v, suspects < o.top ? suspects : o.top);
        trend_verdict(&v[0]);
    }
    if (o.verbose)
        trend_verbose(v, n);
    if (o.plot)
        trend_write_plot(&o, v, n, subtitle);
    out_flush();
    free(v);
    log_free(d);
    free(o.files);
    return 0;
}
