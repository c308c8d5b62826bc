/*
 * mon_render.c - the PoolMon table and its CSV twin for one snapshot. Sorts a
 * private array of views, never the snapshot; all numbers are printed as
 * integers so the output is byte-stable and easy to parse.
 */
#include "mon_render.h"

#include <err.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "site_name.h"

struct mon_view {
    const struct segread_row *row;
    int64_t diff;
    char label[64];
};

static int cmp_u64_desc(uint64_t a, uint64_t b) { return (a < b) - (a > b); }

static int mon_cmp(const void *pa, const void *pb, void *arg)
{
    const struct mon_view *a = pa, *b = pb;
    enum mon_sort sort = *(const enum mon_sort *)arg;
    int c = 0;
    switch (sort) {
    case MON_SORT_BYTES: c = cmp_u64_desc(a->row->live, b->row->live); break;
    case MON_SORT_ALLOCS: c = cmp_u64_desc(a->row->allocs, b->row->allocs); break;
    case MON_SORT_FREES: c = cmp_u64_desc(a->row->frees, b->row->frees); break;
    case MON_SORT_DIFF: c = (a->diff < b->diff) - (a->diff > b->diff); break;
    case MON_SORT_TAG: break;
    }
    if (c == 0)
        c = strcmp(a->label, b->label);
    if (c == 0)
        c = (a->row->index > b->row->index) - (a->row->index < b->row->index);
    return c;
}

/* The visible rows of snap, sorted; *n set. */
static struct mon_view *mon_views(const struct segread_snap *snap, enum mon_sort sort, size_t *n)
{
    struct mon_view *v = calloc(snap->n_rows ? snap->n_rows : 1, sizeof *v);
    *n = 0;
    if (!v)
        err(1, "malloc");
    for (size_t i = 0; i < snap->n_rows; i++) {
        const struct segread_row *r = &snap->rows[i];
        if (r->allocs == 0)
            continue;
        struct mon_view *o = &v[(*n)++];
        o->row = r;
        o->diff = (int64_t)(r->allocs - r->frees);
        site_row_label(o->label, sizeof o->label, snap, r);
    }
    qsort_r(v, *n, sizeof *v, mon_cmp, &sort);
    return v;
}

static void mon_table_row(FILE *out, const struct segread_snap *snap, const struct mon_view *v)
{
    const struct segread_row *r = v->row;
    char tag[MON_TAG_WIDTH + 1], site[128];
    fmt_fit(tag, MON_TAG_WIDTH, v->label);
    site_format_full(site, sizeof site, snap, r->site);
    fprintf(out, "%-*s %-4s %12" PRIu64 " %12" PRIu64 " %12" PRId64 " %14" PRIu64 " %10" PRIu64
            "  %s\n", MON_TAG_WIDTH, tag, site_kind_name(r->kind), r->allocs, r->frees,
            v->diff, r->live, r->bytes_alloc / r->allocs, site);
}

static void mon_csv_row(FILE *out, const struct segread_snap *snap, const struct mon_view *v,
                        const char *timestamp)
{
    const struct segread_row *r = v->row;
    char site[128];
    site_format_full(site, sizeof site, snap, r->site);
    fprintf(out, "%s,%d,", timestamp, (int)snap->pid);
    fmt_csv_field(out, v->label);
    fprintf(out, ",%s,%" PRIu64 ",%" PRIu64 ",%" PRId64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64
            ",%" PRIu64 ",%" PRIu64 ",", site_kind_name(r->kind), r->allocs, r->frees, v->diff,
            r->live, r->bytes_alloc / r->allocs, r->bytes_alloc, r->bytes_freed, r->peak);
    fmt_csv_field(out, site);
    fputc('\n', out);
}

void mon_render(FILE *out, const struct segread_snap *snap, enum mon_sort sort,
                enum mon_format format, const char *timestamp)
{
    size_t n;
    struct mon_view *v = mon_views(snap, sort, &n);
    if (format == MON_FORMAT_TABLE) {
        fprintf(out, "# %s pid %d exe %s\n", timestamp, (int)snap->pid,
                snap->exe[0] ? snap->exe : "?");
        fprintf(out, "%-*s %-4s %12s %12s %12s %14s %10s  %s\n", MON_TAG_WIDTH, "Tag", "Type",
                "Allocs", "Frees", "Diff", "Bytes", "Per Alloc", "Site");
    }
    for (size_t i = 0; i < n; i++) {
        if (format == MON_FORMAT_TABLE)
            mon_table_row(out, snap, &v[i]);
        else
            mon_csv_row(out, snap, &v[i], timestamp);
    }
    if (format == MON_FORMAT_TABLE)
        fputc('\n', out);
    free(v);
}
