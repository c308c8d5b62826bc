/* SPDX-License-Identifier: MIT
 * mon/screen.c - the live screen. One loop: refresh the model every interval,
 * wait on stdin with poll() until then, act on keys, redraw. SIGWINCH only
 * sets a flag; the loop resizes and redraws. Each line is composed in a
 * buffer and written clipped to the width, so no size of terminal breaks it.
 */
#include "mon/screen.h"

#include <ctype.h>
#include <curses.h>
#include <langinfo.h>
#include <locale.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "util/fmt.h"
#include "util/width.h"
#include "mon/columns.h"
#include "mon/view.h"
#include "segment/proc_mem.h"
#include "segment/reader.h"
#include "sym/site_name.h"
#include "util/text_safe.h"
#include "verdict/live.h"

#define SCR_HEAD_LINES 5 /* two figure lines, the view line, the problem line, the header */
#define SCR_LINE_MAX 2048
#define SCR_SITE_STEP 8  /* Right past the last column scrolls the Site text */

static int scr_page(void)
{
    int n = LINES - SCR_HEAD_LINES;
    return n > 1 ? n : 1;
}

static volatile sig_atomic_t scr_resized;

static void scr_on_winch(int sig)
{
    (void)sig;
    scr_resized = 1;
}

/* One column as this terminal draws it. */
struct scr_col {
    enum mon_col_id id;
    int w;      /* cell width */
    int vw, dw; /* numbers: value and (change) widths; dw 0: no change shown */
};

/* The screen's own state: it starts from the options and never writes them. */
struct scr {
    const struct mon_opts *o;
    struct mon_model *m;
    struct mon_view_cfg view; /* sort, filters: changed by keys */
    int totals;          /* e */
    int no_highlight;    /* l */
    size_t top;          /* first view line shown */
    int help;
    struct proc_sys sys, sys_prev;
    int have_prev_sys;
    struct scr_col cols[MON_COL_COUNT];
    size_t n_cols;
    int narrow;          /* 0: wide; 1: numbers shortened to fit 80 columns;
                          * 2: tight (split on 80 columns): shorter changes,
                          * Trend its mark alone, a narrower Tag */
    size_t hcol;         /* columns hidden right of Tag (Left/Right) */
    size_t hsite;        /* display columns of the Site text scrolled away */
};

/* Table lines on the page: the totals line takes the last one. */
static int scr_rows(const struct scr *s)
{
    int n = scr_page() - (s->totals ? 1 : 0);
    return n > 0 ? n : 0;
}

static long long scr_now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* Writes text at line y, clipped to the terminal's width in display columns. */
static void scr_put(int y, const char *text, attr_t attr)
{
    if (y >= LINES)
        return;
    attrset(attr);
    const char *safe = text_safe_str(text); /* every line: printable only */
    mvaddnstr(y, 0, safe, (int)fmt_prefix_cols(safe, COLS > 0 ? (size_t)COLS : 0));
    clrtoeol();
    attrset(A_NORMAL);
}

static int scr_has(const struct scr *s, const struct mon_col *c)
{
    if (!(c->where & MON_IN_SCREEN))
        return 0;
    if ((c->where & MON_IF_SPLIT) && !s->m->cfg.split)
        return 0;
    if ((c->where & MON_IF_WIDE) && COLS <= 80)
        return 0;
    return !(c->where & MON_IF_DESC) || s->m->cfg.desc;
}

static int scr_core_width(const struct scr *s)
{
    int w = 0;
    for (size_t i = 0; i < s->n_cols; i++)
        if (!(mon_cols[s->cols[i].id].where & MON_WIDE_ONLY))
            w += mon_cols[s->cols[i].id].sep + s->cols[i].w;
    return w;
}

/* The widths for this terminal: the numbers in full when Tag to Trend fit,
 * else shortened (K/M/G) so that they and the Trend mark fit 80 columns, a
 * PID column included (split) in the tightest layout; Tag takes what is left,
 * up to its full width. Site follows, reached by Right when cut. */
static void scr_layout(struct scr *s)
{
    for (int pass = 0; pass < 3; pass++) {
        s->narrow = pass;
        s->n_cols = 0;
        for (size_t i = 0; i < MON_COL_COUNT; i++) {
            const struct mon_col *c = &mon_cols[i];
            if (!scr_has(s, c))
                continue;
            struct scr_col *sc = &s->cols[s->n_cols++];
            sc->id = (enum mon_col_id)i;
            sc->vw = pass ? c->scr_narrow : c->scr_wide;
            sc->dw = pass ? c->scr_ndelta : c->scr_delta;
            /* allocs and frees only grow: 3 columns hold their changes */
            if (pass == 2 && (sc->id == MON_COL_ALLOCS || sc->id == MON_COL_FREES))
                sc->dw = 3;
            if (pass == 2 && sc->id == MON_COL_TREND)
                sc->vw = 1;
            if (pass == 2 && sc->id == MON_COL_TAG)
                sc->vw = 10;
            sc->w = sc->vw + (sc->dw ? sc->dw + 3 : 0);
        }
        if (scr_core_width(s) <= COLS)
            break;
    }
    if (s->narrow) { /* Tag grows as far as its longest name needs, Site gets the rest */
        struct scr_col *tag = &s->cols[0];
        int room = COLS - scr_core_width(s), want = (int)strlen(mon_cols[MON_COL_TAG].header);
        for (size_t i = 0; i < s->m->n_view && want < mon_cols[MON_COL_TAG].scr_wide; i++) {
            int w = (int)fmt_width(s->m->view[i]->key.label);
            want = w > want ? w : want;
        }
        if (want > mon_cols[MON_COL_TAG].scr_wide)
            want = mon_cols[MON_COL_TAG].scr_wide;
        if (room > 0 && tag->w < want)
            tag->w += room < want - tag->w ? room : want - tag->w;
    }
    if (s->hcol + 1 >= s->n_cols)
        s->hcol = s->n_cols > 1 ? s->n_cols - 2 : 0;
}

/* g: the next age Old counts from (the lines are read again with it). */
static void scr_next_old(struct scr *s)
{
    static const uint64_t ages[] = { 10, 60, 600, 3600, 86400 };
    size_t i = 0;
    while (i < sizeof ages / sizeof *ages && ages[i] <= s->m->cfg.old_secs)
        i++;
    s->m->cfg.old_secs = ages[i % (sizeof ages / sizeof *ages)];
    mon_model_regroup(s->m, s->m->cfg.by, s->m->cfg.split);
}

/* "10m", "90s": an age as the header shows it. */
static void scr_age_text(char *buf, size_t n, uint64_t s)
{
    if (s % 86400 == 0)
        snprintf(buf, n, "%" PRIu64 "d", s / 86400);
    else if (s % 3600 == 0)
        snprintf(buf, n, "%" PRIu64 "h", s / 3600);
    else if (s % 60 == 0)
        snprintf(buf, n, "%" PRIu64 "m", s / 60);
    else
        snprintf(buf, n, "%" PRIu64 "s", s);
}

static const char *scr_sort_name(const struct mon_view_cfg *v)
{
    return mon_col_sorted(v->sort)->sort_name;
}

static void scr_header(struct scr *s)
{
    char line[SCR_LINE_MAX], a[16], b[16], c[16];
    const struct mon_model *m = s->m;
    uint64_t rss = 0, peak = 0;
    size_t live = 0, hidden = 0;
    for (size_t i = 0; i < m->n_procs; i++) {
        const struct mon_proc *p = &m->procs[i];
        if (p->status != MON_PROC_OK)
            continue;
        live += p->state == SEGREAD_LIVE;
        hidden += p->hidden != 0;
        if (p->hidden)
            continue;
        rss += p->rss;
        peak += p->rss_peak;
    }
    long long dfault = s->have_prev_sys
        ? (long long)(s->sys.page_faults - s->sys_prev.page_faults) : 0;
    snprintf(line, sizeof line, " Memory: %s  Avail: %s  PageFlts: %" PRIu64 " (%lld)"
             "  Processes: %zu (%zu live)",
             fmt_human_size(a, sizeof a, s->sys.mem_total),
             fmt_human_size(b, sizeof b, s->sys.mem_avail), s->sys.page_faults, dfault,
             m->n_procs, live);
    scr_put(0, line, A_NORMAL);
    snprintf(line, sizeof line, " RSS: %s  Peak: %s  Tagged: %s in %zu rows%s",
             fmt_human_size(a, sizeof a, rss), fmt_human_size(b, sizeof b, peak),
             fmt_human_size(c, sizeof c, m->tagged_bytes), m->tagged_rows,
             m->cfg.pids ? "" : m->cfg.live_only
                 ? (hidden ? "   Live only (x: all)" : "   Live only")
                 : "   All processes (x: live only)");
    scr_put(1, line, A_NORMAL);
    char old[64] = "", age[32];
    if (COLS > 80) { /* the Old column is shown */
        scr_age_text(age, sizeof age, m->cfg.old_secs);
        snprintf(old, sizeof old, "   Old: %s+ (g)", age);
    }
    snprintf(line, sizeof line, " Sort: %s%s%s   By: %s%s   Type: %s%s%s%s",
             scr_sort_name(&s->view), s->view.by_change ? " change" : "",
             s->view.reverse ? " (reversed)" : "", mon_by_name(m->cfg.by),
             m->cfg.split ? ", per process" : "", mon_type_name(s->view.type), old,
             s->view.n_include || s->view.n_exclude ? "   Filtered" : "",
             s->hcol || s->hsite ? "   (scrolled: Left)" : "");
    /* where the page is: "Lines 21-40 of 95" */
    size_t n = m->n_view, rows = (size_t)scr_rows(s);
    size_t first = n ? s->top + 1 : 0, last = s->top + rows < n ? s->top + rows : n;
    size_t len = strlen(line);
    snprintf(line + len, sizeof line - len, "   Lines %zu-%zu of %zu", first, last, n);
    scr_put(2, line, A_NORMAL);
}

/* How a process that is not running ended, as the logs' last word says
 * it: "exited(0)", "killed"; NULL while it runs. */
static const char *scr_end(const struct mon_proc *p, char *buf, size_t n)
{
    if (p->status != MON_PROC_OK || p->state == SEGREAD_LIVE)
        return NULL;
    if (p->state == SEGREAD_EXITED)
        mon_state_text(buf, n, p);
    else
        snprintf(buf, n, "killed");
    return buf;
}

/* The processes shown that have ended and how ("Ended: 4242 exited(0)"),
 * those that count nothing and why ("4243 passive: ..."), then the segments
 * that could not be read this time, shown and skipped. */
static void scr_problems(struct scr *s)
{
    char line[SCR_LINE_MAX], how[32];
    size_t len = 0, bad = 0, ended = 0;
    line[0] = '\0';
    for (size_t i = 0; i < s->m->n_procs && len < sizeof line - 1; i++) {
        const struct mon_proc *p = &s->m->procs[i];
        if (!scr_end(p, how, sizeof how) || p->hidden)
            continue;
        int n = snprintf(line + len, sizeof line - len, "%s%d %s", ended ? ", " : " Ended: ",
                         (int)p->pid, how);
        ended++;
        if (n > 0)
            len += (size_t)n < sizeof line - len ? (size_t)n : sizeof line - len - 1;
    }
    /* a passive process shows no rows: say why, as the logs do */
    size_t passive = 0;
    for (size_t i = 0; i < s->m->n_procs && len < sizeof line - 1; i++) {
        const struct mon_proc *p = &s->m->procs[i];
        if (p->status != MON_PROC_OK || !p->passive || p->hidden)
            continue;
        int n = snprintf(line + len, sizeof line - len, "%s%d passive: %s",
                         ended || passive ? ", " : " ", (int)p->pid,
                         segread_passive_why(p->passive_reason));
        passive++;
        if (n > 0)
            len += (size_t)n < sizeof line - len ? (size_t)n : sizeof line - len - 1;
    }
    if ((ended || passive) && len < sizeof line - 1) {
        int n = snprintf(line + len, sizeof line - len, "%s", "  ");
        len += n > 0 ? (size_t)n : 0;
    }
    for (size_t i = 0; i < s->m->n_procs && len < sizeof line - 1; i++) {
        const struct mon_proc *p = &s->m->procs[i];
        if (p->status == MON_PROC_OK)
            continue;
        int n = snprintf(line + len, sizeof line - len, "%s%s %s", bad ? ", " : " Skipped: ",
                         p->name, p->status == MON_PROC_DAMAGED ? p->why
                         : s->m->cfg.pids ? p->why : "vanished");
        bad++;
        if (n > 0)
            len += (size_t)n < sizeof line - len ? (size_t)n : sizeof line - len - 1;
    }
    scr_put(3, line, bad || ended || passive ? A_BOLD : A_NORMAL);
}

/* A number cell: the value, and its change in parentheses when shown. */
static void scr_number(char *buf, size_t n, const struct scr_col *sc, const struct mon_col *c,
                       const struct mon_line *l)
{
    char v[32], d[32];
    uint64_t x = c->num(l);
    fmt_short(v, sizeof v, sc->vw, (int64_t)x, x, c->val == MON_VAL_I64, c->human);
    if (!sc->dw || !c->change) {
        snprintf(buf, n, "%*s", sc->vw, v);
        return;
    }
    int64_t dx = c->change(l);
    fmt_short(d, sizeof d, sc->dw, dx, 0, 1, c->human);
    snprintf(buf, n, "%*s (%*s)", sc->vw, v, sc->dw, d);
}

/* One line of the table into line: the Tag cell, then the columns from the
 * horizontal scroll on. head: the header names instead of cells; total: the
 * totals line (only MON_IN_TOTAL columns). */
static void scr_compose(char *line, size_t n, const struct scr *s, const struct mon_line *l,
                        int head, int total)
{
    char cell[SCR_LINE_MAX], fit[SCR_LINE_MAX], tbuf[64];
    size_t len = 0;
    line[0] = '\0';
    for (size_t i = 0; i < s->n_cols && len + 1 < n; i++) {
        if (i > 0 && i <= s->hcol)
            continue;
        const struct scr_col *sc = &s->cols[i];
        const struct mon_col *c = &mon_cols[sc->id];
        int last = sc->id == MON_COL_SITE;
        const char *text;
        if (i > 0)
            len += (size_t)snprintf(line + len, n - len, "%*s", c->sep, "");
        if (head) {
            text = sc->id == MON_COL_SITE && s->m->cfg.by == MON_BY_FUNC ? "File:Line"
                   : sc->id == MON_COL_TREND && sc->w < (int)strlen(c->header) ? "^"
                   : c->header;
        } else if (total && sc->id == MON_COL_TAG) {
            text = "Total";
        } else if (total && sc->id == MON_COL_SITE) {
            snprintf(cell, sizeof cell, "%zu lines", s->m->totals.lines);
            text = cell;
        } else if (total && !(c->where & MON_IN_TOTAL)) {
            text = "";
        } else if (c->val != MON_VAL_TEXT) {
            scr_number(cell, sizeof cell, sc, c, l);
            text = cell;
        } else {
            struct mon_cell mc = { .l = l, .t = s->m->refreshed_at };
            text = c->text(&mc, tbuf, sizeof tbuf);
            if (!text)
                text = "-";
            else if (sc->id == MON_COL_TREND && sc->w < TREND_LIVE_WIDTH)
                text += fmt_skip_cols(text, (size_t)(TREND_LIVE_WIDTH - sc->w)); /* newest */
        }
        if (last) {
            const char *t = text + fmt_skip_cols(text, s->hsite);
            len += (size_t)snprintf(line + len, n - len, "%s", t);
            continue;
        }
        fmt_fit_cols(fit, sizeof fit, (size_t)sc->w, text);
        if (len < n)
            len += fmt_pad_cols(line + len, n - len, fit, (size_t)sc->w,
                                c->val != MON_VAL_TEXT || (head && sc->dw));
    }
}

static void scr_row(struct scr *s, int y, const struct mon_line *l)
{
    char line[SCR_LINE_MAX];
    scr_compose(line, sizeof line, s, l, 0, 0);
    int changed = l->d_allocs || l->d_frees || l->d_bytes;
    scr_put(y, line, changed && !s->no_highlight ? A_REVERSE : A_NORMAL);
}

static void scr_totals(struct scr *s, int y)
{
    const struct mon_totals *t = &s->m->totals;
    struct mon_line tl;
    char line[SCR_LINE_MAX];
    memset(&tl, 0, sizeof tl);
#define COPY(type, name, add) tl.name = t->name;
    MON_TOTALS(COPY)
#undef COPY
    scr_compose(line, sizeof line, s, &tl, 0, 1);
    scr_put(y, line, A_BOLD);
}

static const char *const scr_help_text[] = {
    "  ( )           sort by the change since the last refresh instead",
    "  p             cycle the Type filter: all, Tag, Site",
    "  s             sum over processes / a line per process",
    "  w             group by tag, site, function, module",
    "  x             live processes only / exited and dead ones too (without -p)",
    "  g             the age Old counts from: 10s, 1m, 10m, 1h, 1d",
    "  e             totals line on / off",
    "  l             highlighting of changed lines on / off",
    "  Left Right    scroll sideways: the Site column on a narrow terminal",
    "  Up Down PgUp PgDn Home End   scroll (the header says which lines show)",
    "  h ?           this help (any key closes it)",
    "  q Esc         quit",
    "  Keys work in either case.",
};

static void scr_help(void)
{
    char keys[64], names[256], line[SCR_LINE_MAX];
    int y = 0;
    mon_col_sort_help(keys, sizeof keys, names, sizeof names);
    scr_put(y++, " heaptag mon keys", A_BOLD);
    y++;
    snprintf(line, sizeof line, "  %-13s sort by %s", keys, names);
    scr_put(y++, line, A_NORMAL);
    scr_put(y++, "                (the same key again reverses the order)", A_NORMAL);
    for (size_t i = 0; i < sizeof scr_help_text / sizeof *scr_help_text; i++)
        scr_put(y++, scr_help_text[i], A_NORMAL);
}


static void scr_draw(struct scr *s)
{
    erase();
    if (s->help) {
        scr_help();
        refresh();
        return;
    }
    char line[SCR_LINE_MAX];
    scr_layout(s);
    int rows = scr_rows(s);
    size_t n = s->m->n_view;
    if (s->top + (size_t)rows > n)
        s->top = n > (size_t)rows ? n - (size_t)rows : 0;
    scr_header(s);
    scr_problems(s);
    scr_compose(line, sizeof line, s, NULL, 1, 0);
    scr_put(SCR_HEAD_LINES - 1, line, A_BOLD | A_UNDERLINE);
    for (int i = 0; i < rows && s->top + (size_t)i < n; i++)
        scr_row(s, SCR_HEAD_LINES + i, s->m->view[s->top + (size_t)i]);
    if (s->totals)
        scr_totals(s, LINES - 1);
    refresh();
}

static void scr_refresh_data(struct scr *s)
{
    s->sys_prev = s->sys;
    s->have_prev_sys = s->m->refreshes > 0;
    procmem_sys(&s->sys);
    mon_model_refresh(s->m);
    mon_model_view(s->m, &s->view);
}

static void scr_sort_key(struct scr *s, enum mon_sort sort)
{
    struct mon_view_cfg *v = &s->view;
    if (v->sort == sort)
        v->reverse = !v->reverse;
    else {
        v->sort = sort;
        v->reverse = 0;
    }
}

static void scr_hscroll(struct scr *s, int right)
{
    if (right) {
        if (s->hcol + 2 < s->n_cols)
            s->hcol++;
        else
            s->hsite += SCR_SITE_STEP;
    } else if (s->hsite) {
        s->hsite = s->hsite > SCR_SITE_STEP ? s->hsite - SCR_SITE_STEP : 0;
    } else if (s->hcol) {
        s->hcol--;
    }
}

/* Acts on one key; returns 1 to quit, 2 when the data must be read again. */
static int scr_key(struct scr *s, int ch)
{
    struct mon_view_cfg *v = &s->view;
    if (s->help) {
        s->help = 0;
        return 0;
    }
    if (ch >= 'A' && ch <= 'Z')
        ch = tolower(ch); /* PoolMon reads its keys in either case */
    int sort = ch < 0x80 ? mon_col_sort_key(ch) : -1;
    if (sort >= 0) {
        scr_sort_key(s, (enum mon_sort)sort);
        mon_model_view(s->m, v);
        return 0;
    }
    switch (ch) {
    case 'q': case 27: return 1;
    case '(': case ')': v->by_change = !v->by_change; break;
    case 'p': v->type = (enum mon_type)((v->type + 1) % MON_TYPE_COUNT); s->top = 0; break;
    case 'g': scr_next_old(s); return 2;
    case 'e': s->totals = !s->totals; break;
    case 'l': s->no_highlight = !s->no_highlight; break;
    case 'h': case '?': s->help = 1; break;
    case 's':
        mon_model_regroup(s->m, s->m->cfg.by, !s->m->cfg.split);
        return 2;
    case 'w':
        mon_model_regroup(s->m, (enum mon_by)((s->m->cfg.by + 1) % (MON_BY_MODULE + 1)),
                          s->m->cfg.split);
        return 2;
    case 'x':
        if (s->m->cfg.pids)
            return 0; /* the named processes are shown whatever their state */
        s->m->cfg.live_only = !s->m->cfg.live_only;
        mon_model_regroup(s->m, s->m->cfg.by, s->m->cfg.split);
        s->top = 0;
        return 2;
    case KEY_LEFT: scr_hscroll(s, 0); break;
    case KEY_RIGHT: scr_hscroll(s, 1); break;
    case KEY_UP: if (s->top > 0) s->top--; break;
    case KEY_DOWN: s->top++; break;
    case KEY_PPAGE: s->top = s->top > (size_t)scr_page() ? s->top - (size_t)scr_page() : 0; break;
    case KEY_NPAGE: s->top += (size_t)scr_page(); break;
    case KEY_HOME: s->top = 0; break;
    case KEY_END: s->top = s->m->n_view; break;
    case KEY_RESIZE: break;
    default: return 0;
    }
    mon_model_view(s->m, v);
    return 0;
}

static void scr_resize(void)
{
    struct winsize ws;
    scr_resized = 0;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0)
        resizeterm(ws.ws_row, ws.ws_col);
    clear();
}

int mon_screen_run(const struct mon_opts *o, struct mon_model *m)
{
    struct scr s = { .o = o, .m = m, .view = o->view, .totals = o->totals,
                     .no_highlight = o->no_highlight };
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = scr_on_winch; /* no SA_RESTART: poll() must wake up */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGWINCH, &sa, NULL);

    /* UTF-8 tags, names and the Trend glyphs need a UTF-8 character type;
     * an unset locale (C) is taken as UTF-8, which every terminal speaks now */
    if (!setlocale(LC_CTYPE, "") || strcmp(nl_langinfo(CODESET), "UTF-8") != 0) {
        const char *cur = setlocale(LC_CTYPE, NULL);
        if (!cur || !strcmp(cur, "C") || !strcmp(cur, "POSIX"))
            setlocale(LC_CTYPE, "C.UTF-8");
    }
    if (!initscr()) {
        fputs("heaptag: cannot start the screen\n", stderr);
        return 1;
    }
    cbreak();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    set_escdelay(25);
    curs_set(0);
    int keys = isatty(STDIN_FILENO);

    long long next = scr_now_ns();
    int quit = 0;
    while (!quit) {
        if (scr_now_ns() >= next) {
            scr_refresh_data(&s);
            next += o->interval_ns;
            if (next < scr_now_ns())
                next = scr_now_ns() + o->interval_ns; /* fell behind: no burst */
        }
        scr_draw(&s);
        long long wait = (next - scr_now_ns()) / 1000000LL;
        struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
        int ready = poll(keys ? &pfd : NULL, keys ? 1 : 0, wait < 0 ? 0 : (int)wait + 1);
        if (scr_resized)
            scr_resize();
        if (ready <= 0)
            continue;
        if (pfd.revents & (POLLHUP | POLLERR | POLLNVAL))
            break; /* the terminal went away */
        int ch;
        while (!quit && (ch = getch()) != ERR) {
            int r = scr_key(&s, ch);
            if (r == 1)
                quit = 1;
            else if (r == 2)
                next = scr_now_ns(); /* regrouped: read again now */
        }
    }
    endwin();
    return 0;
}
