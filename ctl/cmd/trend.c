/* SPDX-License-Identifier: MIT
 * cmd/trend.c - `heaptag trend LOG...`: reads mon logs, cuts each process's
 * series at its exit (and the teardown before it) and to --since/--until,
 * runs the leak test on every row with the error bounded over all rows,
 * drops growth that another row's decline mirrors, ranks the suspects and
 * prints them as a table (with the verdict) or CSV/JSON records. Exits 1
 * when it names a suspect (a leak, or a leak that stopped), 0 when none, 2 on
 * usage errors, no usable input, or a --since/--until window too short for
 * the test. Damaged input costs one line on stderr per file, never the run.
 */
#include <err.h>
#include <inttypes.h>
#include <errno.h>
#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include "util/xsort.h"
#include "ctl.h"
#include "util/fmt.h"
#include "trend/log_reader.h"
#include "util/out.h"
#include "sym/lookup.h"
#include "sym/symbolize.h"
#include "verdict/ages.h"
#include "verdict/analysis.h"
#include "trend/plot.h"
#include "trend/prom_reader.h"
#include "verdict/rows.h"
#include "util/text_safe.h"

#define TREND_DEFAULT_TOP 10

/* Exit statuses, for scripts and CI. */
#define TREND_EXIT_CLEAN 0
#define TREND_EXIT_SUSPECT 1
#define TREND_EXIT_ERROR 2

enum trend_format { TREND_TABLE, TREND_CSV, TREND_JSON };

/* A --since/--until bound: a time, or an offset from the log's first snapshot. */
struct trend_bound {
    int set, relative;
    double t;
};

struct trend_opts {
    char **files;
    int n_files;
    const char *plot;
    size_t top;
    int verbose;
    enum trend_format format;
    struct trend_bound since, until;
    const char *prometheus; /* --prometheus URL: read series from there, not logs */
    const char *match;
    double step;
    int fetch; /* enum promr_fetch; -1 when not given */
};

struct verdict {
    const struct log_series *s;
    const struct log_point *pts; /* the part analysed: after cuts and window */
    size_t n;
    struct trend_result r;
    double max_live;
    char why[160];               /* a reason built here (the mirror) */
};

/* "2026-11-25T22:40:01Z", or an offset from the first snapshot: "+90",
 * "90s", "+15m", "2h", "1d". Returns 0, or -1. */
static int trend_parse_bound(const char *v, struct trend_bound *b)
{
    if (log_parse_time(v, strlen(v), &b->t) == 0) {
        b->set = 1;
        b->relative = 0;
        return 0;
    }
    const char *p = v[0] == '+' ? v + 1 : v;
    char *end;
    errno = 0;
    double x = strtod(p, &end);
    if (end == p || errno || !(x >= 0) || x > 1e9 || *p == '-' || *p == '+' || isspace((unsigned char)*p))
        return -1;
    double unit = 1;
    if (*end == 's')
        end++;
    else if (*end == 'm')
        unit = 60, end++;
    else if (*end == 'h')
        unit = 3600, end++;
    else if (*end == 'd')
        unit = 86400, end++;
    if (*end)
        return -1;
    b->set = 1;
    b->relative = 1;
    b->t = x * unit;
    return 0;
}

static void trend_parse(struct trend_opts *o, int argc, char **argv)
{
    memset(o, 0, sizeof *o);
    o->top = TREND_DEFAULT_TOP;
    o->fetch = -1;
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
        } else if (!strcmp(a, "--format") || !strncmp(a, "--format=", 9)) {
            const char *v = a[8] == '=' ? a + 9 : i + 1 < argc ? argv[++i] : "";
            if (!strcmp(v, "table") || !strcmp(v, "text"))
                o->format = TREND_TABLE;
            else if (!strcmp(v, "csv"))
                o->format = TREND_CSV;
            else if (!strcmp(v, "json"))
                o->format = TREND_JSON;
            else
                ctl_usage_error("trend: bad --format '%s' (table, csv or json)", v);
        } else if (!strcmp(a, "--since") || !strncmp(a, "--since=", 8) ||
                   !strcmp(a, "--until") || !strncmp(a, "--until=", 8)) {
            int since = a[2] == 's';
            const char *v = a[7] == '=' ? a + 8 : i + 1 < argc ? argv[++i] : "";
            if (trend_parse_bound(v, since ? &o->since : &o->until) != 0)
                ctl_usage_error("trend: bad --%s '%s' (a time like 2026-11-25T22:40:01Z, or "
                                "an offset from the first snapshot like +90s, 15m, 2h)",
                                since ? "since" : "until", v);
        } else if (!strcmp(a, "--prometheus") || !strncmp(a, "--prometheus=", 13)) {
            o->prometheus = a[12] == '=' ? a + 13 : i + 1 < argc ? argv[++i] : "";
            if (strncmp(o->prometheus, "http://", 7) != 0)
                ctl_usage_error("trend: bad --prometheus '%s' (a URL like http://localhost:9090)",
                                o->prometheus);
        } else if (!strcmp(a, "--match") || !strncmp(a, "--match=", 8)) {
            o->match = a[7] == '=' ? a + 8 : i + 1 < argc ? argv[++i] : "";
            if (promr_match_ok(o->match) != 0)
                ctl_usage_error("trend: bad --match '%s' (a label selector like '{job=\"api\"}')",
                                o->match);
        } else if (!strcmp(a, "--fetch") || !strncmp(a, "--fetch=", 8)) {
            const char *v = a[7] == '=' ? a + 8 : i + 1 < argc ? argv[++i] : "";
            if (!strcmp(v, "auto"))
                o->fetch = PROMR_FETCH_AUTO;
            else if (!strcmp(v, "read"))
                o->fetch = PROMR_FETCH_READ;
            else if (!strcmp(v, "query"))
                o->fetch = PROMR_FETCH_QUERY;
            else
                ctl_usage_error("trend: bad --fetch '%s' (auto, read or query)", v);
        } else if (!strcmp(a, "--step") || !strncmp(a, "--step=", 7)) {
            const char *v = a[6] == '=' ? a + 7 : i + 1 < argc ? argv[++i] : "";
            struct trend_bound b;
            if (trend_parse_bound(v, &b) != 0 || !b.relative || b.t < 0.001 || b.t > 86400)
                ctl_usage_error("trend: bad --step '%s' (a duration like 15s or 1m)", v);
            o->step = b.t;
        } else if (a[0] == '-' && a[1])
            ctl_usage_error("trend: unknown option '%s'", a);
        else
            o->files[o->n_files++] = argv[i];
    }
    if (o->prometheus && o->n_files)
        ctl_usage_error("trend: log files and --prometheus do not mix");
    if (!o->prometheus && (o->match || o->step || o->fetch >= 0))
        ctl_usage_error("trend: --match, --step and --fetch need --prometheus");
    if (o->n_files == 0 && !o->prometheus)
        ctl_usage_error("trend: no log file given");
    if (o->since.set && o->until.set && o->since.relative == o->until.relative &&
        o->until.t <= o->since.t)
        ctl_usage_error("trend: --until must come after --since");
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
    if (s->instance)
        snprintf(buf, n, "%s/%d", text_safe_str(s->instance), s->pid);
    else if (s->run)
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

/* Splits "function file:line" as a table log's Site column ends: the last
 * word is the place when it reads FILE:NUMBER. */
static void trend_split_where(const char *text, char *func, size_t fn, char *where, size_t wn)
{
    size_t len = strlen(text);
    const char *sp = strrchr(text, ' ');
    const char *colon = sp ? strrchr(sp, ':') : NULL;
    where[0] = '\0';
    if (colon && colon[1] && strspn(colon + 1, "0123456789") == strlen(colon + 1)) {
        snprintf(where, wn, "%s", sp + 1);
        len = (size_t)(sp - text);
    }
    snprintf(func, fn, "%.*s", (int)len, text);
}

/* The function of a series' site and its file:line ("" when unknown): what
 * the log says first; else the module's file, when it is still the one the
 * process ran (same build id, where the log recorded one). */
static int trend_function(struct sym_cache *sc, const struct log_series *s, char *buf, size_t n,
                          char *where, size_t wn)
{
    char module[256], path[PATH_MAX];
    uint64_t off;
    const char *func;
    where[0] = '\0';
    if (s->func[0]) {
        snprintf(buf, n, "%s", s->func);
        if (s->file[0] && s->line > 0)
            snprintf(where, wn, "%s:%d", s->file, s->line);
        else if (s->file[0]) /* from Prometheus: the file, no line */
            snprintf(where, wn, "%s", s->file);
        return 0;
    }
    if (sym_parse_site(s->site, module, sizeof module, &off, &func) != 0 &&
        sym_parse_site(s->tag, module, sizeof module, &off, &func) != 0)
        return -1;
    if (func) {
        trend_split_where(func, buf, n, where, wn);
        return 0;
    }
    if (sym_find_module(module, s->exe, s->pid, path, sizeof path) != 0)
        return -1;
    /* the exe is used only while it is the file that ran, when the log says
     * which one that was (libraries' build ids are not logged) */
    uint8_t id[64];
    size_t id_len = 0;
    const char *slash = strrchr(s->exe, '/');
    if (s->build_id[0] && !strcmp(slash ? slash + 1 : s->exe, module) &&
        (id_len = sym_build_id_parse(s->build_id, id, sizeof id)) == 0)
        return -1;
    struct sym_info si;
    if (sym_lookup_file(sc, path, id, id_len, off, &si) != 0 || !si.func[0])
        return -1;
    snprintf(buf, n, "%s", si.func);
    sym_where(where, wn, &si);
    return 0;
}

/* "function file:line" (the file's last component) or the function alone. */
static void trend_name(char *buf, size_t n, const char *func, const char *where)
{
    const char *slash = strrchr(where, '/');
    snprintf(buf, n, "%s%s%s", func, *where ? " " : "", slash ? slash + 1 : where);
}

/* "leaky+0x11bd" out of "0x55d1c0a011bd leaky+0x11bd function file:line"; the
 * whole text when it holds no module+offset. */
static const char *short_site(const char *site)
{
    static char buf[300];
    char module[256];
    uint64_t off;
    const char *func;
    if (sym_parse_site(site, module, sizeof module, &off, &func) != 0)
        return site;
    snprintf(buf, sizeof buf, "%s+0x%" PRIx64, module, off);
    return buf;
}

/* "file.c:42" when the site text carries one (logs grouped by function and
 * older logs, which have no file and line fields). */
static void file_line(const struct log_series *s, char *buf, size_t n)
{
    *buf = '\0';
    const char *p = s->site;
    while (*p) {
        const char *e = p;
        while (*e && *e != ' ')
            e++;
        const char *colon = NULL;
        for (const char *c = p; c < e; c++)
            if (*c == ':')
                colon = c;
        if (colon && colon > p && colon + 1 < e) {
            const char *d = colon + 1;
            while (d < e && isdigit((unsigned char)*d))
                d++;
            if (d == e) {
                snprintf(buf, n, "%.*s", (int)(e - p), p);
                return;
            }
        }
        p = *e ? e + 1 : e;
    }
}

static void trend_table(struct sym_cache *sc, const struct verdict *v, size_t n)
{
    printf("%4s %11s %5s %-9s %-24s %9s  %-20s  %-20s  %s\n", "Rank", "Growth", "Conf", "PID",
           "Tag", "Live", "Growing since", "Last seen", "Site / function");
    for (size_t i = 0; i < n; i++) {
        const struct log_series *s = v[i].s;
        char rate[40], pid[32], live[32], first[32], last[32], func[256], tag[25];
        char where[600], name[900];
        rate_text(rate, sizeof rate, v[i].r.rate_bph);
        if (v[i].r.stopped)
            snprintf(rate, sizeof rate, "stopped");
        pid_text(pid, sizeof pid, s);
        fmt_human_size(live, sizeof live, v[i].pts[v[i].n - 1].live);
        fmt_timestamp(first, sizeof first, (time_t)v[i].r.onset_t);
        fmt_timestamp(last, sizeof last, (time_t)v[i].pts[v[i].n - 1].t);
        fmt_fit(tag, 24, text_safe_str(s->tag));
        const char *site = *s->site ? short_site(s->site) : "-";
        /* the site text may name the function already (logs by function) */
        int have_func = trend_function(sc, s, func, sizeof func, where, sizeof where) == 0 &&
                        !strstr(site, func);
        if (have_func)
            trend_name(name, sizeof name, func, where);
        printf("%4zu %11s %4.0f%% %-9s %-24s %9s  %-20s  %-20s  %s%s%s\n", i + 1, rate,
               floor(v[i].r.confidence * 100), pid, tag, live, first, last,
               text_safe_str(site), have_func ? " " : "", have_func ? text_safe_str(name) : "");
    }
}

/* The ages line of a verdict, where the log has ages (mon's old_bytes). */
static void trend_verdict_ages(const struct verdict *v)
{
    uint64_t from, to;
    char a[32], b[32];
    enum trend_age_verdict av = trend_age_verdict(v->pts, v->n, &from, &to);
    fmt_human_size(a, sizeof a, from);
    fmt_human_size(b, sizeof b, to);
    if (av == TREND_AGE_LEAK)
        printf("verdict: its old bytes grow too (%s to %s): memory nobody frees, a leak\n", a, b);
    else if (av == TREND_AGE_CACHE)
        printf("verdict: but its old bytes stay flat (%s to %s): the growth is young, "
               "a cache still filling rather than a leak\n", a, b);
}

static void trend_verdict(struct sym_cache *sc, const struct verdict *v)
{
    const struct log_series *s = v->s;
    char rate[40], func[256], pid[32], since[32], where[600];
    rate_text(rate, sizeof rate, v->r.rate_bph);
    pid_text(pid, sizeof pid, s);
    double hours = (v->pts[v->n - 1].t - v->r.onset_t) / 3600;
    if (v->r.stopped) {
        char per_s[32], held[32];
        double span = v->r.stop_t - v->r.onset_t;
        fmt_human_size(per_s, sizeof per_s,
                       (uint64_t)(span > 0 ? v->r.rise / span + 0.5 : 0));
        fmt_human_size(held, sizeof held, (uint64_t)(v->r.held > 0 ? v->r.held + 0.5 : 0));
        printf("\nverdict: %s leaked in pid %s%s%s: grew +%s/s from +%.0f s to +%.0f s, then "
               "stopped; %s still held, confidence %.0f%%\n", text_safe_str(s->tag), pid,
               *s->exe ? " " : "", text_safe_str(s->exe), per_s, v->r.onset_t - v->pts[0].t,
               v->r.stop_t - v->pts[0].t, held, floor(v->r.confidence * 100));
    } else if (v->r.onset > 0) {
        fmt_timestamp(since, sizeof since, (time_t)v->r.onset_t);
        printf("\nverdict: %s leaks in pid %s%s%s: live bytes grow %s since %s, steadily over "
               "the last %zu snapshots (%.2g h), confidence %.0f%%\n", text_safe_str(s->tag), pid,
               *s->exe ? " " : "", text_safe_str(s->exe), rate, since, v->r.tail, hours,
               floor(v->r.confidence * 100));
    } else {
        printf("\nverdict: %s leaks in pid %s%s%s: live bytes grow %s, steadily over %zu "
               "snapshots (%.2g h), confidence %.0f%%\n", text_safe_str(s->tag), pid,
               *s->exe ? " " : "", text_safe_str(s->exe), rate, v->n, hours,
               floor(v->r.confidence * 100));
    }
    trend_verdict_ages(v);
    if (trend_function(sc, s, func, sizeof func, where, sizeof where) == 0 && !*s->site &&
        !strcmp(func, s->tag)) /* from Prometheus, named by function: no site to add */
        printf("verdict: allocated in function %s%s%s\n", text_safe_str(func),
               *where ? " at " : "", text_safe_str(where));
    else if (trend_function(sc, s, func, sizeof func, where, sizeof where) == 0)
        printf("verdict: allocated in function %s%s%s (site %s)\n", text_safe_str(func),
               *where ? " at " : "", text_safe_str(where),
               text_safe_str(*s->site ? short_site(s->site) : s->tag));
    else if (*s->site)
        printf("verdict: allocated at site %s\n", text_safe_str(short_site(s->site)));
}

/* One record per suspect: rank, pid, run, exe, tag, function, file:line,
 * site, rate (bytes per hour), onset, confidence. */
static void trend_records(struct sym_cache *sc, const struct verdict *v, size_t n,
                          enum trend_format format)
{
    /* from Prometheus, the instance follows (logs keep their columns) */
    int inst = n && v[0].s->instance;
    if (format == TREND_CSV)
        printf("rank,pid,run,exe,tag,function,file_line,site,rate_bph,onset,confidence,class,"
               "stop,held_bytes%s\n", inst ? ",instance" : "");
    for (size_t i = 0; i < n; i++) {
        const struct log_series *s = v[i].s;
        char func[256], fl[600], onset[32];
        /* the logged function, file and line first (trend_function) */
        if (trend_function(sc, s, func, sizeof func, fl, sizeof fl) != 0)
            *func = *fl = '\0';
        if (!*fl)
            file_line(s, fl, sizeof fl);
        fmt_timestamp(onset, sizeof onset, (time_t)v[i].r.onset_t);
        char stop[32] = "";
        if (v[i].r.stopped)
            fmt_timestamp(stop, sizeof stop, (time_t)v[i].r.stop_t);
        const char *cls = v[i].r.stopped ? "stopped" : "leak";
        double held = v[i].r.stopped ? floor(v[i].r.held + 0.5) : 0;
        const char *site = *s->site ? short_site(s->site) : "";
        double rate = floor(v[i].r.rate_bph + 0.5), conf = v[i].r.confidence;
        if (format == TREND_CSV) {
            printf("%zu,%d,%u,", i + 1, s->pid, s->run + 1);
            const char *text[] = { text_safe_str(s->exe), text_safe_str(s->tag),
                                   text_safe_str(func), text_safe_str(fl), text_safe_str(site) };
            for (size_t k = 0; k < sizeof text / sizeof text[0]; k++) {
                fmt_csv_field(stdout, text[k]);
                putchar(',');
            }
            printf("%.0f,%s,%.4f,%s,%s,%.0f", rate, onset, conf, cls, stop, held);
            if (inst) {
                putchar(',');
                fmt_csv_field(stdout, text_safe_str(s->instance));
            }
            putchar('\n');
        } else {
            printf("{\"rank\":%zu,\"pid\":%d,\"run\":%u,\"exe\":", i + 1, s->pid, s->run + 1);
            fmt_json_string(stdout, text_safe_str(s->exe));
            fputs(",\"tag\":", stdout);
            fmt_json_string(stdout, text_safe_str(s->tag));
            fputs(",\"function\":", stdout);
            fmt_json_string(stdout, text_safe_str(func));
            fputs(",\"file_line\":", stdout);
            fmt_json_string(stdout, text_safe_str(fl));
            fputs(",\"site\":", stdout);
            fmt_json_string(stdout, text_safe_str(site));
            printf(",\"rate_bph\":%.0f,\"onset\":\"%s\",\"confidence\":%.4f,\"class\":\"%s\"",
                   rate, onset, conf, cls);
            if (v[i].r.stopped)
                printf(",\"stop\":\"%s\",\"held_bytes\":%.0f", stop, held);
            if (inst) {
                fputs(",\"instance\":", stdout);
                fmt_json_string(stdout, text_safe_str(s->instance));
            }
            fputs("}\n", stdout);
        }
    }
}

static void trend_verbose(const struct verdict *v, size_t n)
{
    printf("\nevery row:\n");
    for (size_t i = 0; i < n; i++) {
        char pid[32], rate[32];
        pid_text(pid, sizeof pid, v[i].s);
        snprintf(rate, sizeof rate, "%+.0f B/h", v[i].r.rate_bph);
        printf("  %-9s %-24s %5zu pts %14s  z=%.2f p=%.2g up=%.2f  %s\n", pid,
               text_safe_str(v[i].s->tag),
               v[i].n, rate, v[i].r.z, v[i].r.p_row, v[i].r.frac_up,
               v[i].r.stopped ? "SUSPECT (stopped)" : v[i].r.suspect ? "SUSPECT"
               : v[i].why[0] ? v[i].why : v[i].r.reason); /* why moved with the sort */
    }
}

static void trend_write_plot(struct sym_cache *sc, const struct trend_opts *o,
                             const struct verdict *v, size_t n, const char *subtitle)
{
    struct plot_line lines[PLOT_MAX_LINES];
    static char funcs[PLOT_MAX_LINES][900];
    char func[256], where[600];
    size_t k = 0, want = o->top < PLOT_MAX_LINES ? o->top : PLOT_MAX_LINES;
    if (want < 2)
        want = 2;
    /* suspects first (v is sorted so), then the biggest of the rest */
    for (size_t i = 0; i < n && k < want; i++)
        if (v[i].s->n) {
            int named = v[i].r.suspect &&
                        trend_function(sc, v[i].s, func, sizeof func, where, sizeof where) == 0;
            if (named)
                trend_name(funcs[k], sizeof funcs[k], func, where);
            lines[k] = (struct plot_line){ .s = v[i].s, .suspect = v[i].r.suspect,
                                           .rate_bph = v[i].r.rate_bph,
                                           .func = named ? funcs[k] : NULL,
                                           .stopped = v[i].r.stopped,
                                           .stop_t = v[i].r.stop_t, .held = v[i].r.held };
            k++;
        }
    size_t len = strlen(o->plot);
    int html = len > 5 && (!strcmp(o->plot + len - 5, ".html") || !strcmp(o->plot + len - 4, ".htm"));
    FILE *f = fopen(o->plot, "we");
    if (!f)
        err(1, "trend: %s", o->plot);
    if (trend_plot(f, lines, k, html, subtitle) != 0 || fclose(f) != 0)
        err(1, "trend: %s", o->plot);
    fprintf(o->format == TREND_TABLE ? stdout : stderr, "plot: %s (%zu lines)\n", o->plot, k);
}

/* The points of one series worth analysing: up to the process's exit cut,
 * then inside --since/--until. */
static void trend_window(struct verdict *v, double cut, const struct trend_opts *o, double t0)
{
    const struct log_series *s = v->s;
    size_t end = trend_exit_points(s, cut), start = 0;
    double lo = o->since.set ? o->since.t + (o->since.relative ? t0 : 0) : -INFINITY;
    double hi = o->until.set ? o->until.t + (o->until.relative ? t0 : 0) : INFINITY;
    while (start < end && s->pts[start].t < lo)
        start++;
    while (end > start && s->pts[end - 1].t > hi)
        end--;
    v->pts = s->pts + start;
    v->n = end - start;
}

/* After a sort, a reason written into a verdict's own buffer points into
 * whichever verdict now sits where it was: point it back at its own. */
static void trend_own_reasons(struct verdict *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!v[i].r.suspect && v[i].why[0])
            v[i].r.reason = v[i].why;
}

struct analyze_job {
    struct verdict *v;
    size_t n, family;
    size_t next; /* taken with __atomic_fetch_add */
};

static void *analyze_worker(void *arg)
{
    struct analyze_job *j = arg;
    for (;;) {
        size_t i = __atomic_fetch_add(&j->next, 64, __ATOMIC_RELAXED);
        if (i >= j->n)
            return NULL;
        for (size_t e = i + 64 < j->n ? i + 64 : j->n; i < e; i++)
            trend_analyze_family(j->v[i].pts, j->v[i].n, j->family, &j->v[i].r);
    }
}

/* The analysis of every row, on every CPU when there are many rows (a fleet
 * from Prometheus): each row's verdict depends on its points and the family
 * size only. */
static void trend_analyze_all(struct verdict *v, size_t n, size_t family)
{
    struct analyze_job job = { v, n, family, 0 };
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    size_t threads = n < 2048 || cpus < 2 ? 1 : cpus > 16 ? 16 : (size_t)cpus;
    pthread_t tid[16];
    size_t started = 0;
    for (size_t k = 1; k < threads; k++)
        if (pthread_create(&tid[started], NULL, analyze_worker, &job) == 0)
            started++;
    analyze_worker(&job);
    for (size_t k = 0; k < started; k++)
        pthread_join(tid[k], NULL);
}

/* Two rows of one run of one process (on one instance, from Prometheus). */
static int same_process(const struct log_series *a, const struct log_series *b)
{
    return a->pid == b->pid && a->run == b->run &&
           (a->instance == b->instance ||
            (a->instance && b->instance && !strcmp(a->instance, b->instance)));
}

/* From Prometheus, a process that restarted on the same instance runs the
 * same code as before: each run is judged on its own (the restart's drop is
 * no growth), and a leak found in several runs is named once, by its best. */
static void trend_chains(struct verdict *v, size_t n, size_t *suspects)
{
    for (size_t i = 0; i < n; i++) {
        if (!v[i].r.suspect)
            continue;
        for (size_t j = i + 1; j < n; j++)
            if (v[j].r.suspect && promr_same_code(v[i].s, v[j].s)) {
                snprintf(v[j].why, sizeof v[j].why,
                         "the same code as pid %d, named there", v[i].s->pid);
                v[j].r.suspect = 0;
                v[j].r.reason = v[j].why;
                (*suspects)--;
            }
    }
}

/* The window of --prometheus: --since/--until count back from now (default
 * the last day). */
static void trend_prom_window(const struct trend_opts *o, struct promr_opts *q)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    double t = (double)now.tv_sec;
    q->url = o->prometheus;
    q->match = o->match;
    q->step = o->step;
    q->verbose = o->verbose;
    q->fetch = o->fetch >= 0 ? (enum promr_fetch)o->fetch : PROMR_FETCH_AUTO;
    q->start = !o->since.set ? t - 86400 : o->since.relative ? t - o->since.t : o->since.t;
    q->end = !o->until.set ? t : o->until.relative ? t - o->until.t : o->until.t;
}

/* Growth that a decline of another row of the same process run mirrors is
 * ownership moving between sites, not a leak. */
static void trend_mirror(struct verdict *v, size_t n, size_t *suspects)
{
    for (size_t i = 0; i < n; i++) {
        if (!v[i].r.suspect)
            continue;
        /* the rows of i's process run lie around it (series are sorted by
         * process): the same j's, in the same order, as a pass over all */
        size_t from = i, to = i + 1;
        while (from > 0 && same_process(v[from - 1].s, v[i].s))
            from--;
        while (to < n && same_process(v[to].s, v[i].s))
            to++;
        for (size_t j = from; j < to; j++) {
            if (j == i)
                continue;
            if (trend_mirrored(v[i].pts, v[i].n, v[i].r.onset, v[j].pts, v[j].n)) {
                snprintf(v[i].why, sizeof v[i].why,
                         "growth mirrored by a decline of %.60s (ownership moving)", v[j].s->tag);
                v[i].r.suspect = 0;
                v[i].r.reason = v[i].why;
                (*suspects)--;
                break;
            }
        }
    }
}

int cmd_trend(int argc, char **argv)
{
    struct trend_opts o;
    trend_parse(&o, argc, argv);
    out_init();
    struct log_data *d = NULL;
    struct promr_data *pd = NULL;
    struct promr_opts q;
    size_t n;
    const struct log_series *s;
    if (o.prometheus) {
        char why[512];
        trend_prom_window(&o, &q);
        if (q.end <= q.start)
            ctl_usage_error("trend: --until must come after --since");
        pd = promr_read(&q, why, sizeof why);
        if (!pd) {
            warnx("trend: %s: %s", o.prometheus, text_safe_str(why));
            return TREND_EXIT_ERROR;
        }
        s = promr_series(pd, &n);
        if (n == 0) {
            warnx("trend: %s: no heaptag_live_bytes series in the window", o.prometheus);
            promr_free(pd);
            return TREND_EXIT_ERROR;
        }
        o.since.set = o.until.set = 0; /* the query was the window */
        if (o.verbose)
            fprintf(stderr, "trend: %zu series, %zu points in %zu queries by %s, step %gs\n", n,
                    promr_snapshots(pd), promr_queries(pd), promr_fetched(pd), promr_step(pd));
    } else {
        d = log_new();
        if (trend_read(d, &o) == 0) {
            warnx("trend: no log could be read");
            return TREND_EXIT_ERROR;
        }
        s = log_series(d, &n);
        if (n == 0) {
            warnx("trend: no snapshots of heaptag mon in the input");
            return TREND_EXIT_ERROR;
        }
    }
    struct sym_cache *sc = sym_cache_new();
    struct verdict *v = calloc(n ? n : 1, sizeof *v);
    if (!v)
        err(1, "malloc");
    double t0 = INFINITY, t1 = -INFINITY;
    size_t procs = 0, suspects = 0, family = 0;
    int rc;
    for (size_t i = 0; i < n; i++) {
        t0 = fmin(t0, s[i].pts[0].t);
        t1 = fmax(t1, s[i].pts[s[i].n - 1].t);
    }
    /* per process run (series are sorted by pid and run): the exit cut */
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && same_process(&s[j], &s[i]))
            j++;
        const struct log_series **rows = malloc((j - i) * sizeof *rows);
        if (!rows)
            err(1, "malloc");
        for (size_t k = i; k < j; k++)
            rows[k - i] = &s[k];
        double cut = trend_exit_cut(rows, j - i);
        free(rows);
        for (size_t k = i; k < j; k++) {
            v[k].s = &s[k];
            trend_window(&v[k], cut, &o, t0);
            family += v[k].n >= TREND_MIN_POINTS;
        }
        procs++;
        i = j;
    }
    if (family == 0 && (o.since.set || o.until.set)) {
        size_t most = 0;
        for (size_t i = 0; i < n; i++)
            most = v[i].n > most ? v[i].n : most;
        warnx("trend: the --since/--until window holds %zu snapshot%s of a row at most, fewer "
              "than the %d the test needs", most, most == 1 ? "" : "s", TREND_MIN_POINTS);
        rc = TREND_EXIT_ERROR;
        goto done;
    }
    trend_analyze_all(v, n, family);
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < v[i].n; k++)
            v[i].max_live = fmax(v[i].max_live, (double)v[i].pts[k].live);
        suspects += v[i].r.suspect;
    }
    trend_mirror(v, n, &suspects);
    /* series cut to nothing sort last and are never drawn as data */
    xsort(v, n, sizeof *v, cmp_verdict);
    trend_own_reasons(v, n);
    if (pd) {
        trend_chains(v, n, &suspects);
        xsort(v, n, sizeof *v, cmp_verdict);
        trend_own_reasons(v, n);
    }

    char subtitle[160], a[32], b[32];
    fmt_timestamp(a, sizeof a, (time_t)t0);
    fmt_timestamp(b, sizeof b, (time_t)t1);
    snprintf(subtitle, sizeof subtitle, "%zu snapshots of %zu process%s, %s to %s",
             pd ? promr_snapshots(pd) : log_snapshots(d), procs, procs == 1 ? "" : "es", a, b);
    size_t shown = suspects < o.top ? suspects : o.top;
    if (o.format != TREND_TABLE) {
        trend_records(sc, v, shown, o.format);
    } else {
        printf("heaptag trend: %zu rows in %s\n", n, subtitle);
        if (suspects == 0) {
            printf("no growing tags\n");
        } else {
            trend_table(sc, v, shown);
            trend_verdict(sc, &v[0]);
        }
        if (o.verbose)
            trend_verbose(v, n);
    }
    if (o.plot)
        trend_write_plot(sc, &o, v, n, subtitle);
    out_flush();
    rc = suspects ? TREND_EXIT_SUSPECT : TREND_EXIT_CLEAN;
done:
    sym_cache_free(sc);
    free(v);
    if (d)
        log_free(d);
    promr_free(pd);
    free(o.files);
    return rc;
}
