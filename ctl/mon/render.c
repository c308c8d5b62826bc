/*
 * mon/render.c - the PoolMon table, CSV and JSON Lines for one snapshot of
 * the model's view. All numbers are printed as integers so the output is
 * byte-stable and easy to parse; every string goes through an escaper. Reads
 * the model, never changes it.
 */
#include "mon/render.h"

#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "util/fmt.h"
#include "util/text_safe.h"
#include "sym/site_name.h"
#include "trend/live.h"

void mon_render_header(FILE *out, enum mon_format format, int with_desc)
{
    if (format == MON_FORMAT_CSV)
        fprintf(out, "%s%s\n", MON_CSV_HEADER, with_desc ? ",description" : "");
}

static void mon_table_head(FILE *out, const struct mon_proc *p, const char *ts, int with_desc)
{
    fprintf(out, "# %s pid %d exe %s\n", ts, (int)p->pid, text_safe_str(p->exe));
    fprintf(out, "%-*s %-4s %12s %12s %12s %14s %10s  ", MON_TAG_WIDTH, "Tag", "Type",
            "Allocs", "Frees", "Diff", "Bytes", "Per Alloc");
    if (with_desc)
        fprintf(out, "%-*s  ", MON_DESC_WIDTH, "Description");
    fprintf(out, "%-*s  Site\n", TREND_LIVE_WIDTH, "Trend");
}

/* A line's identity for the Trend history: its process and its label. */
static uint32_t line_id(const struct mon_line *l)
{
    uint32_t h = 2166136261u ^ l->key.kind;
    for (const char *c = l->key.label; *c; c++)
        h = (h ^ (unsigned char)*c) * 16777619u;
    return h;
}

static void mon_table_row(FILE *out, const struct mon_line *l, int with_desc, double now)
{
    char trend[TREND_LIVE_CELL];
    char tag[MON_TAG_WIDTH + 1], desc[MON_DESC_WIDTH + 1];
    fmt_fit(tag, MON_TAG_WIDTH, l->key.label);
    fprintf(out, "%-*s %-4s %12" PRIu64 " %12" PRIu64 " %12" PRId64 " %14" PRIu64 " %10" PRIu64
            "  ", MON_TAG_WIDTH, tag, site_kind_name(l->key.kind), l->allocs, l->frees,
            l->diff, l->bytes, mon_per_alloc(l));
    if (with_desc) {
        fmt_fit(desc, MON_DESC_WIDTH, l->desc ? l->desc : "-");
        fprintf(out, "%-*s  ", MON_DESC_WIDTH, desc);
    }
    trend_live_cell(trend, sizeof trend, (int)l->key.pid, line_id(l), l->bytes, now);
    fprintf(out, "%s  %s\n", trend, text_safe_str(l->detail));
}

static void mon_csv_row(FILE *out, const struct mon_line *l, const char *ts, int with_desc)
{
    fprintf(out, "%s,%d,", ts, (int)l->key.pid);
    fmt_csv_field(out, l->key.label);
    fprintf(out, ",%s,%" PRIu64 ",%" PRIu64 ",%" PRId64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64
            ",%" PRIu64 ",%" PRIu64 ",", site_kind_name(l->key.kind), l->allocs, l->frees,
            l->diff, l->bytes, mon_per_alloc(l), l->bytes_alloc, l->bytes_freed, l->peak);
    fmt_csv_field(out, l->detail);
    if (with_desc) {
        fputc(',', out);
        fmt_csv_field(out, l->desc ? l->desc : "");
    }
    fputc('\n', out);
}

static void mon_json_row(FILE *out, const struct mon_line *l, const char *ts, int with_desc)
{
    fputs("{\"timestamp\":", out);
    fmt_json_string(out, ts);
    fprintf(out, ",\"pid\":%d,\"tag\":", (int)l->key.pid);
    fmt_json_string(out, l->key.label);
    fprintf(out, ",\"type\":\"%s\",\"allocs\":%" PRIu64 ",\"frees\":%" PRIu64 ",\"diff\":%"
            PRId64 ",\"bytes\":%" PRIu64 ",\"per_alloc\":%" PRIu64 ",\"bytes_alloc\":%" PRIu64
            ",\"bytes_freed\":%" PRIu64 ",\"peak\":%" PRIu64 ",\"site\":",
            site_kind_name(l->key.kind), l->allocs, l->frees, l->diff, l->bytes,
            mon_per_alloc(l), l->bytes_alloc, l->bytes_freed, l->peak);
    fmt_json_string(out, l->detail);
    if (with_desc) {
        fputs(",\"description\":", out);
        fmt_json_string(out, l->desc ? l->desc : "");
    }
    fputs("}\n", out);
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
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    for (size_t i = 0; i < m->n_procs; i++) {
        const struct mon_proc *p = &m->procs[i];
        if (p->status != MON_PROC_OK)
            continue;
        if (format == MON_FORMAT_TABLE)
            mon_table_head(out, p, ts, with_desc);
        for (size_t k = mon_lower_bound(m, p->pid, p->seq); k < m->n_view; k++) {
            const struct mon_line *l = m->view[k];
            if (l->key.pid != p->pid || l->key.seq != p->seq)
                break;
            if (format == MON_FORMAT_TABLE)
                mon_table_row(out, l, with_desc, (double)now.tv_sec + now.tv_nsec / 1e9);
            else if (format == MON_FORMAT_CSV)
                mon_csv_row(out, l, ts, with_desc);
            else
                mon_json_row(out, l, ts, with_desc);
        }
        if (format == MON_FORMAT_TABLE)
            fputc('\n', out);
    }
}
