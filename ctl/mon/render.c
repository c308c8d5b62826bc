/* SPDX-License-Identifier: MIT
 * mon/render.c - the PoolMon table, CSV and JSON Lines for one snapshot of
 * the model's view, each a struct mon_renderer over the column table. All
 * numbers are printed as integers so the output is byte-stable and easy to
 * parse; every string goes through an escaper, and table cells are padded by
 * display width. Reads the model, never changes it.
 */
#include "mon/render.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "util/fmt.h"
#include "util/text_safe.h"
#include "util/width.h"

static void render_ctx(struct mon_render_ctx *c, FILE *out, int with_desc)
{
    c->out = out;
    c->with_desc = with_desc;
    c->n_rec = mon_col_records(c->rec, MON_COL_COUNT, with_desc);
}

static int table_has(const struct mon_col *col, int with_desc)
{
    return (col->where & MON_IN_TABLE) && (with_desc || !(col->where & MON_IF_DESC));
}

/* ---- table ------------------------------------------------------------ */

static void table_block(const struct mon_render_ctx *c, const struct mon_proc *p, const char *ts)
{
    /* "pid N state S exe PATH", the build id last: both kinds of readers
     * (state after pid, exe PATH to the build id or the line's end) parse it */
    char state[32];
    mon_state_text(state, sizeof state, p);
    fprintf(c->out, "# %s pid %d state %s exe %s%s%s\n", ts, (int)p->pid, state,
            text_safe_str(p->exe), p->build_id[0] ? " build-id " : "", p->build_id);
    for (size_t i = 0; i < MON_COL_COUNT; i++) {
        const struct mon_col *col = &mon_cols[i];
        if (!table_has(col, c->with_desc))
            continue;
        fprintf(c->out, "%*s", col->sep, "");
        if (col->width)
            fmt_put_cols(c->out, col->header, (size_t)col->width, col->val != MON_VAL_TEXT);
        else
            fputs(col->header, c->out);
    }
    fputc('\n', c->out);
}

static void table_row(const struct mon_render_ctx *c, const struct mon_cell *cell)
{
    char buf[MON_DETAIL_MAX + 64], fit[4 * MON_DETAIL_MAX];
    for (size_t i = 0; i < MON_COL_COUNT; i++) {
        const struct mon_col *col = &mon_cols[i];
        if (!table_has(col, c->with_desc))
            continue;
        fprintf(c->out, "%*s", col->sep, "");
        if (col->val != MON_VAL_TEXT) {
            uint64_t v = col->num(cell->l);
            if (col->val == MON_VAL_I64)
                fprintf(c->out, "%*" PRId64, col->width, (int64_t)v);
            else
                fprintf(c->out, "%*" PRIu64, col->width, v);
            continue;
        }
        const char *s = col->text(cell, buf, sizeof buf);
        s = s ? text_safe_str(s) : "-"; /* a name a tagged program chose: printable only */
        if (!col->width) {
            fputs(s, c->out);
            continue;
        }
        fmt_fit_cols(fit, sizeof fit, (size_t)col->width, s);
        fmt_put_cols(c->out, fit, (size_t)col->width, 0);
    }
    fputc('\n', c->out);
}

static void table_block_end(const struct mon_render_ctx *c)
{
    fputc('\n', c->out);
}

/* ---- CSV -------------------------------------------------------------- */

static void csv_header(const struct mon_render_ctx *c)
{
    for (size_t i = 0; i < c->n_rec; i++)
        fprintf(c->out, "%s%s", i ? "," : "", mon_cols[c->rec[i]].name);
    fputc('\n', c->out);
}

/* One record field: numbers as integers, text through the format's escaper. */
static void record_value(const struct mon_render_ctx *c, const struct mon_col *col,
                         const struct mon_cell *cell, int (*text_out)(FILE *, const char *))
{
    char buf[MON_DETAIL_MAX + 64];
    if (col->val == MON_VAL_I64) {
        fprintf(c->out, "%" PRId64, (int64_t)col->num(cell->l));
    } else if (col->val == MON_VAL_U64) {
        fprintf(c->out, "%" PRIu64, col->num(cell->l));
    } else {
        const char *s = col->text(cell, buf, sizeof buf);
        text_out(c->out, s ? s : "");
    }
}

static void csv_row(const struct mon_render_ctx *c, const struct mon_cell *cell)
{
    for (size_t i = 0; i < c->n_rec; i++) {
        if (i)
            fputc(',', c->out);
        record_value(c, &mon_cols[c->rec[i]], cell, fmt_csv_field);
    }
    fputc('\n', c->out);
}

/* ---- JSON Lines ------------------------------------------------------- */

static void json_row(const struct mon_render_ctx *c, const struct mon_cell *cell)
{
    for (size_t i = 0; i < c->n_rec; i++) {
        fprintf(c->out, "%s\"%s\":", i ? "," : "{", mon_cols[c->rec[i]].name);
        record_value(c, &mon_cols[c->rec[i]], cell, fmt_json_string);
    }
    if (cell->l->has_ages) { /* the whole histogram: live bytes and blocks by age class */
        fputs(",\"ages\":{", c->out);
        for (int k = 0; k < SEGAGE_CLASSES; k++)
            fprintf(c->out, "%s\"%s\":{\"bytes\":%" PRId64 ",\"blocks\":%" PRId64 "}",
                    k ? "," : "", segage_class_name[k], cell->l->age_bytes[k],
                    cell->l->age_blocks[k]);
        fputc('}', c->out);
    }
    fputs("}\n", c->out);
}

const struct mon_renderer mon_renderers[MON_FORMAT_COUNT] = {
    [MON_FORMAT_TABLE] = { .name = "table", .block = table_block, .row = table_row,
                           .block_end = table_block_end },
    [MON_FORMAT_CSV] = { .name = "csv", .header = csv_header, .row = csv_row },
    [MON_FORMAT_JSON] = { .name = "json", .row = json_row },
};

int mon_format_parse(const char *s)
{
    for (int f = 0; f < MON_FORMAT_COUNT; f++)
        if (!strcmp(s, mon_renderers[f].name))
            return f;
    return -1;
}

void mon_render_header(FILE *out, enum mon_format format, int with_desc)
{
    struct mon_render_ctx c;
    render_ctx(&c, out, with_desc);
    if (mon_renderers[format].header)
        mon_renderers[format].header(&c);
}

/* mon's last word on a process: in records, an End row whose state says how
 * it ended, every other field empty or 0. */
void mon_render_end(FILE *out, enum mon_format format, const char *ts, int pid,
                    const char *state, int with_desc)
{
    int code;
    int exited = !strncmp(state, "exited(", 7) && sscanf(state, "exited(%d)", &code) == 1;
    if (format == MON_FORMAT_TABLE) {
        fprintf(out, "# %s pid %d ended %s: %s", ts, pid, state,
                exited ? "the process exited"
                : !strcmp(state, "killed") ? "the process was killed" : "the process is gone");
        if (exited)
            fprintf(out, " with code %d", code);
        fputc('\n', out);
        return;
    }
    struct mon_render_ctx c;
    render_ctx(&c, out, with_desc);
    for (size_t i = 0; i < c.n_rec; i++) {
        const struct mon_col *col = &mon_cols[c.rec[i]];
        const char *text = c.rec[i] == MON_COL_TIMESTAMP ? ts
                            : c.rec[i] == MON_COL_TYPE   ? "End"
                            : c.rec[i] == MON_COL_STATE  ? state
                                                         : "";
        if (format == MON_FORMAT_CSV) {
            fputs(i ? "," : "", out);
            if (c.rec[i] == MON_COL_PID)
                fprintf(out, "%d", pid);
            else if (col->val != MON_VAL_TEXT)
                fputc('0', out);
            else
                fmt_csv_field(out, text);
        } else if (c.rec[i] == MON_COL_PID) {
            fprintf(out, "%s\"pid\":%d", i ? "," : "{", pid);
        } else if (c.rec[i] == MON_COL_TIMESTAMP || c.rec[i] == MON_COL_TYPE ||
                   c.rec[i] == MON_COL_STATE) {
            fprintf(out, "%s\"%s\":", i ? "," : "{", col->name);
            fmt_json_string(out, text);
        }
    }
    fputs(format == MON_FORMAT_CSV ? "\n" : "}\n", out);
}

/* A passive process has no rows, and an empty block would read as "no
 * allocations": it gets one record that says nothing is counted, and why. */
static void passive_record(const struct mon_render_ctx *c, enum mon_format format,
                           const struct mon_proc *p, const char *ts)
{
    const char *why = segread_passive_why(p->passive_reason);
    if (format == MON_FORMAT_TABLE) {
        fprintf(c->out, "# %s pid %d passive: nothing is counted: %s\n", ts, (int)p->pid, why);
        return;
    }
    char state[32];
    mon_state_text(state, sizeof state, p);
    const char *sep = format == MON_FORMAT_CSV ? "" : "{";
    for (size_t i = 0; i < c->n_rec; i++) {
        const struct mon_col *col = &mon_cols[c->rec[i]];
        const char *text = c->rec[i] == MON_COL_TIMESTAMP ? ts
                           : c->rec[i] == MON_COL_TYPE    ? "Passive"
                           : c->rec[i] == MON_COL_TAG     ? "passive"
                           : c->rec[i] == MON_COL_STATE   ? state
                           : c->rec[i] == MON_COL_SITE    ? why
                           : c->rec[i] == MON_COL_EXE     ? p->exe
                                                          : "";
        if (format == MON_FORMAT_CSV) {
            fputs(sep, c->out);
            sep = ",";
            if (c->rec[i] == MON_COL_PID)
                fprintf(c->out, "%d", (int)p->pid);
            else if (col->val != MON_VAL_TEXT)
                fputc('0', c->out);
            else
                fmt_csv_field(c->out, text);
        } else if (c->rec[i] == MON_COL_PID) {
            fprintf(c->out, "%s\"pid\":%d", sep, (int)p->pid);
            sep = ",";
        } else if (*text) {
            fprintf(c->out, "%s\"%s\":", sep, col->name);
            fmt_json_string(c->out, text);
            sep = ",";
        }
    }
    fputs(format == MON_FORMAT_CSV ? "\n" : "}\n", c->out);
}

/* First index of the view at or after (pid, seq); the view is ordered by them. */
static size_t mon_lower_bound(const struct mon_model *m, pid_t pid, unsigned seq)
{
    size_t lo = 0, hi = m->n_view;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const struct mon_key *k = &m->view[mid]->key;
        if (k->pid < pid || (k->pid == pid && k->seq < seq))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

void mon_render(FILE *out, const struct mon_model *m, enum mon_format format,
                const char *ts, int with_desc)
{
    const struct mon_renderer *r = &mon_renderers[format];
    struct mon_render_ctx c;
    render_ctx(&c, out, with_desc);
    for (size_t i = 0; i < m->n_procs; i++) {
        const struct mon_proc *p = &m->procs[i];
        if (p->status != MON_PROC_OK || !mon_proc_shown(m, p))
            continue;
        if (r->block)
            r->block(&c, p, ts);
        if (p->passive)
            passive_record(&c, format, p, ts);
        for (size_t k = mon_lower_bound(m, p->pid, p->seq); k < m->n_view; k++) {
            const struct mon_line *l = m->view[k];
            if (l->key.pid != p->pid || l->key.seq != p->seq)
                break;
            struct mon_cell cell = { .l = l, .p = p, .ts = ts, .t = m->refreshed_at };
            r->row(&c, &cell);
        }
        if (r->block_end)
            r->block_end(&c);
    }
}
