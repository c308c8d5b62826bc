/*
 * mon/screen.c - the live screen. One loop: refresh the model every interval,
 * wait on stdin with poll() until then, act on keys, redraw. SIGWINCH only
 * sets a flag; the loop resizes and redraws. Each line is composed in a
 * buffer and written clipped to the width, so no size of terminal breaks it.
 */
#include "mon/screen.h"

#include <curses.h>
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
#include "segment/proc_mem.h"
#include "sym/site_name.h"
#include "util/text_safe.h"

#define SCR_HEAD_LINES 4 /* two figure lines, the problem line, the column header */
#define SCR_LINE_MAX 1024

static volatile sig_atomic_t scr_resized;

static void scr_on_winch(int sig)
{
    (void)sig;
    scr_resized = 1;
}

struct scr {
    struct mon_opts *o;
    struct mon_model *m;
    size_t top;          /* first view line shown */
    int help;
    struct proc_sys sys, sys_prev;
    int have_prev_sys;
};

static long long scr_now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void scr_put(int y, const char *text, attr_t attr)
{
    if (y >= LINES)
        return;
    attrset(attr);
    mvaddnstr(y, 0, text_safe_str(text), COLS); /* every line: printable only */
    clrtoeol();
    attrset(A_NORMAL);
}

static const char *scr_sort_name(const struct mon_view_cfg *v)
{
    static const char *names[] = { "bytes", "allocs", "frees", "diff", "tag", "per alloc" };
    return names[v->sort];
}

static void scr_header(struct scr *s)
{
    char line[SCR_LINE_MAX], a[16], b[16], c[16];
    const struct mon_model *m = s->m;
    uint64_t rss = 0, peak = 0;
    size_t live = 0;
    for (size_t i = 0; i < m->n_procs; i++) {
        const struct mon_proc *p = &m->procs[i];
        if (p->status != MON_PROC_OK)
            continue;
        live += p->state == SEGREAD_LIVE;
        rss += p->rss;
        peak += p->rss_peak;
    }
    long long dfault = s->have_prev_sys
        ? (long long)(s->sys.page_faults - s->sys_prev.page_faults) : 0;
    snprintf(line, sizeof line, " Memory:%8s  Avail:%8s  PageFlts:%12" PRIu64 " (%lld)"
             "   Processes: %zu (%zu live)",
             fmt_human_size(a, sizeof a, s->sys.mem_total),
             fmt_human_size(b, sizeof b, s->sys.mem_avail), s->sys.page_faults, dfault,
             m->n_procs, live);
    scr_put(0, line, A_NORMAL);
    snprintf(line, sizeof line, " RSS:%8s  Peak:%8s   Tagged:%8s in %zu rows   Sort: %s%s%s"
             "   By: %s%s   Type: %s%s",
             fmt_human_size(a, sizeof a, rss), fmt_human_size(b, sizeof b, peak),
             fmt_human_size(c, sizeof c, m->tagged_bytes), m->tagged_rows,
             scr_sort_name(&s->o->view), s->o->view.by_change ? " change" : "",
             s->o->view.reverse ? " (reversed)" : "", mon_by_name(m->cfg.by),
             m->cfg.split ? ", per process" : "", mon_type_name(s->o->view.type),
             s->o->view.n_include || s->o->view.n_exclude ? "   Filtered" : "");
    scr_put(1, line, A_NORMAL);
}

/* Segments that could not be read this time, shown and skipped. */
static void scr_problems(struct scr *s)
{
    char line[SCR_LINE_MAX];
    size_t len = 0, bad = 0;
    line[0] = '\0';
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
    scr_put(2, line, bad ? A_BOLD : A_NORMAL);
}

static void scr_cell(char *buf, size_t n, uint64_t v, int64_t d)
{
    snprintf(buf, n, "%11" PRIu64 " (%7" PRId64 ")", v, d);
}

static int scr_compose(char *line, size_t n, const struct scr *s, const char *tag,
                       const char *type, const char *pid, const char *allocs,
                       const char *frees, const char *diff, const char *bytes,
                       const char *per, const char *desc, const char *site)
{
    int len = snprintf(line, n, "%-*s %-4s ", MON_TAG_WIDTH, tag, type);
    if (s->m->cfg.split)
        len += snprintf(line + len, n - (size_t)len, "%7s ", pid);
    len += snprintf(line + len, n - (size_t)len, "%21s %21s %11s %23s %9s ", allocs, frees,
                    diff, bytes, per);
    if (s->m->cfg.desc)
        len += snprintf(line + len, n - (size_t)len, "%-*s ", MON_DESC_WIDTH, desc);
    return snprintf(line + len, n - (size_t)len, " %s", site);
}

static void scr_row(struct scr *s, int y, const struct mon_line *l)
{
    char line[SCR_LINE_MAX], tag[MON_TAG_WIDTH + 1], desc[MON_DESC_WIDTH + 1];
    char pid[16], al[32], fr[32], df[32], by[40], pa[24];
    fmt_fit(tag, MON_TAG_WIDTH, l->key.label);
    fmt_fit(desc, MON_DESC_WIDTH, l->desc ? l->desc : "-");
    snprintf(pid, sizeof pid, "%d", (int)l->key.pid);
    scr_cell(al, sizeof al, l->allocs, l->d_allocs);
    scr_cell(fr, sizeof fr, l->frees, l->d_frees);
    snprintf(df, sizeof df, "%11" PRId64, l->diff);
    snprintf(by, sizeof by, "%13" PRIu64 " (%7" PRId64 ")", l->bytes, l->d_bytes);
    snprintf(pa, sizeof pa, "%9" PRIu64, mon_per_alloc(l));
    scr_compose(line, sizeof line, s, tag, site_kind_name(l->key.kind), pid, al, fr, df, by,
                pa, desc, l->detail);
    int changed = l->d_allocs || l->d_frees || l->d_bytes;
    scr_put(y, line, changed && !s->o->no_highlight ? A_REVERSE : A_NORMAL);
}

static void scr_totals(struct scr *s, int y)
{
    const struct mon_totals *t = &s->m->totals;
    char line[SCR_LINE_MAX], al[32], fr[32], df[32], by[40];
    scr_cell(al, sizeof al, t->allocs, t->d_allocs);
    scr_cell(fr, sizeof fr, t->frees, t->d_frees);
    snprintf(df, sizeof df, "%11" PRId64, t->diff);
    snprintf(by, sizeof by, "%13" PRIu64 " (%7" PRId64 ")", t->bytes, t->d_bytes);
    char what[48];
    snprintf(what, sizeof what, "%zu lines", t->lines);
    scr_compose(line, sizeof line, s, "Total", "", "", al, fr, df, by, "", "", what);
    scr_put(y, line, A_BOLD);
}

static const char *const scr_help_text[] = {
    " heaptag mon keys",
    "",
    "  t a f d b m   sort by tag, allocs, frees, diff, bytes, bytes per alloc",
    "                (the same key again reverses the order)",
    "  ( )           sort by the change since the last refresh instead",
    "  p             cycle the Type filter: all, Tag, Site",
    "  s             sum over processes / a line per process",
    "  w             group by tag, site, function, module",
    "  e             totals line on / off",
    "  l             highlighting of changed lines on / off",
    "  arrows PgUp PgDn Home End   scroll",
    "  h ?           this help (any key closes it)",
    "  q Esc         quit",
};

static int scr_page(void)
{
    int n = LINES - SCR_HEAD_LINES;
    return n > 1 ? n : 1;
}

static void scr_draw(struct scr *s)
{
    erase();
    if (s->help) {
        for (size_t i = 0; i < sizeof scr_help_text / sizeof *scr_help_text; i++)
            scr_put((int)i, scr_help_text[i], i == 0 ? A_BOLD : A_NORMAL);
        refresh();
        return;
    }
    char line[SCR_LINE_MAX];
    scr_header(s);
    scr_problems(s);
    scr_compose(line, sizeof line, s, "Tag", "Type", "PID", "Allocs", "Frees", "Diff",
                "Bytes", "Per Alloc", "Description",
                s->m->cfg.by == MON_BY_FUNC ? "File:Line" : "Site");
    scr_put(3, line, A_BOLD | A_UNDERLINE);
    int rows = scr_page() - (s->o->totals ? 1 : 0);
    size_t n = s->m->n_view;
    if (s->top + (size_t)rows > n)
        s->top = n > (size_t)rows ? n - (size_t)rows : 0;
    for (int i = 0; i < rows && s->top + (size_t)i < n; i++)
        scr_row(s, SCR_HEAD_LINES + i, s->m->view[s->top + (size_t)i]);
    if (s->o->totals)
        scr_totals(s, LINES - 1);
    refresh();
}

static void scr_refresh_data(struct scr *s)
{
    s->sys_prev = s->sys;
    s->have_prev_sys = s->m->refreshes > 0;
    procmem_sys(&s->sys);
    mon_model_refresh(s->m);
    mon_model_view(s->m, &s->o->view);
}

static void scr_sort_key(struct scr *s, enum mon_sort sort)
{
    struct mon_view_cfg *v = &s->o->view;
    if (v->sort == sort)
        v->reverse = !v->reverse;
    else {
        v->sort = sort;
        v->reverse = 0;
    }
}

/* Acts on one key; returns 1 to quit, 2 when the data must be read again. */
static int scr_key(struct scr *s, int ch)
{
    struct mon_view_cfg *v = &s->o->view;
    if (s->help) {
        s->help = 0;
        return 0;
    }
    switch (ch) {
    case 'q': case 'Q': case 27: return 1;
    case 'b': scr_sort_key(s, MON_SORT_BYTES); break;
    case 'a': scr_sort_key(s, MON_SORT_ALLOCS); break;
    case 'f': scr_sort_key(s, MON_SORT_FREES); break;
    case 'd': scr_sort_key(s, MON_SORT_DIFF); break;
    case 't': scr_sort_key(s, MON_SORT_TAG); break;
    case 'm': scr_sort_key(s, MON_SORT_PER_ALLOC); break;
    case '(': case ')': v->by_change = !v->by_change; break;
    case 'p': v->type = (enum mon_type)((v->type + 1) % MON_TYPE_COUNT); s->top = 0; break;
    case 'e': s->o->totals = !s->o->totals; break;
    case 'l': s->o->no_highlight = !s->o->no_highlight; break;
    case 'h': case '?': s->help = 1; break;
    case 's':
        mon_model_regroup(s->m, s->m->cfg.by, !s->m->cfg.split);
        return 2;
    case 'w':
        mon_model_regroup(s->m, (enum mon_by)((s->m->cfg.by + 1) % (MON_BY_MODULE + 1)),
                          s->m->cfg.split);
        return 2;
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

int mon_screen_run(struct mon_opts *o, struct mon_model *m)
{
    struct scr s = { .o = o, .m = m };
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = scr_on_winch; /* no SA_RESTART: poll() must wake up */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGWINCH, &sa, NULL);

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
