/* SPDX-License-Identifier: MIT
 * prom/format.c - snapshots as Prometheus text. Rows are grouped into series
 * by a key string (label, or label and site) and summed, so no two series of a
 * process ever share a label set; only the top N by live bytes are written and
 * the rest are counted. Sorts private arrays, never the snapshots.
 */
#include "util/xsort.h"
#include "prom/format.h"
#include "segment/ages.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "sym/site_name.h"
#include "sym/symbolize.h"
#include "util/text_safe.h"
#include "util/sums.h"

#define PROM_LABEL_MAX 128

struct prom_series {
    char tag[PROM_LABEL_MAX];
    char site[PROM_LABEL_MAX]; /* by site only; "" otherwise */
    const char *func;          /* the site's function, or "" (not by tag; needs a symbol cache) */
    const char *file;          /* the site's source file, or "" */
    uint64_t allocs, frees, live, peak, bytes_alloc;
    int64_t age[SEGAGE_CLASSES];   /* live bytes by age class (segment/ages.h) */
};

void prom_label_value(FILE *out, const char *s)
{
    /* printable and valid UTF-8 first (no control byte of any kind, no
     * newline), then the format's escapes, written in spans between them */
    const char *p = text_safe_str(s);
    for (;;) {
        size_t span = strcspn(p, "\\\"");
        fwrite(p, 1, span, out);
        p += span;
        if (!*p)
            return;
        fputc('\\', out);
        fputc(*p++, out);
    }
}

static int series_key_cmp(const void *pa, const void *pb)
{
    const struct prom_series *a = pa, *b = pb;
    int c = strcmp(a->tag, b->tag);
    if (!c)
        c = strcmp(a->site, b->site);
    if (!c)
        c = strcmp(a->func, b->func);
    return c ? c : strcmp(a->file, b->file);
}

static int series_live_cmp(const void *pa, const void *pb)
{
    const struct prom_series *a = pa, *b = pb;
    if (a->live != b->live)
        return a->live < b->live ? 1 : -1;
    return series_key_cmp(pa, pb);
}

/* Groups the rows of p->snap that ever allocated, sums equal keys, keeps the
 * top o->top by live bytes in an array of their own. scratch holds at least
 * n_rows series and is reused from process to process, so what stays
 * allocated is the shown series only. Returns 0 or -1 (ENOMEM). */
static int prom_group(struct prom_proc *p, const struct prom_opts *o,
                      struct prom_series *v)
{
    const struct segread_snap *s = p->snap;
    size_t n = 0;
    uint64_t now = segage_now_ns(s);
    for (size_t i = 0; i < s->n_rows; i++) {
        const struct segread_row *r = &s->rows[i];
        if (r->allocs == 0)
            continue;
        struct prom_series *e = &v[n++];
        site_row_label(e->tag, sizeof e->tag, s, r);
        e->site[0] = '\0';
        e->func = e->file = "";
        struct sym_info si;
        if (o->by == PROM_BY_SITE) {
            site_format_near(e->site, sizeof e->site, s, r->site, site_row_hint(r));
            if (o->sym && sym_lookup_near(o->sym, s, r->site, site_row_hint(r), &si) == 0) {
                e->func = si.func; /* the same site, the same names: no new key */
                e->file = si.file;
            }
        } else if (o->by == PROM_BY_FUNCTION && r->kind == HT_KIND_SITE && o->sym &&
                   sym_lookup_near(o->sym, s, r->site, site_row_hint(r), &si) == 0 && si.func[0]) {
            /* a rebuild moves the offset, not the function: the series goes on */
            snprintf(e->tag, sizeof e->tag, "%s", si.func);
            e->func = si.func;
            e->file = si.file;
        }
        e->allocs = r->allocs;
        e->frees = r->frees;
        e->live = r->live;
        e->peak = r->peak;
        e->bytes_alloc = r->bytes_alloc;
        int64_t blocks[SEGAGE_CLASSES];
        segage_classes(s, r, now, e->age, blocks);
    }
    xsort(v, n, sizeof *v, series_key_cmp);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (m > 0 && series_key_cmp(&v[m - 1], &v[i]) == 0) {
            struct prom_series *d = &v[m - 1];
            d->allocs = sat_add(d->allocs, v[i].allocs);
            d->frees = sat_add(d->frees, v[i].frees);
            d->live = sat_add(d->live, v[i].live);
            d->peak = sat_add(d->peak, v[i].peak); /* the rows' sampled peaks, summed */
            d->bytes_alloc = sat_add(d->bytes_alloc, v[i].bytes_alloc);
            for (int c = 0; c < SEGAGE_CLASSES; c++)
                d->age[c] += v[i].age[c];
        } else if (m++ != i) {
            v[m - 1] = v[i];
        }
    }
    xsort(v, m, sizeof *v, series_live_cmp);
    p->n = m < o->top ? m : o->top;
    p->dropped = m - p->n;
    p->series = malloc((p->n ? p->n : 1) * sizeof *p->series);
    if (!p->series)
        return -1;
    memcpy(p->series, v, p->n * sizeof *v);
    p->live_total = segread_live_total(s);
    return 0;
}

int prom_proc_prepare(struct prom_proc *p, const struct segread_snap *s,
                      const struct prom_opts *o)
{
    /* one scratch array for every process, grown to the largest: a scrape
     * keeps only the series it shows, not every row of every segment */
    static struct prom_series *scratch;
    static size_t cap;
    memset(p, 0, sizeof *p);
    p->snap = s;
    if (s->n_rows > cap) {
        struct prom_series *v = realloc(scratch, s->n_rows * sizeof *v);
        if (!v) {
            errno = ENOMEM;
            return -1;
        }
        scratch = v;
        cap = s->n_rows;
    }
    if (prom_group(p, o, scratch) != 0) {
        errno = ENOMEM;
        return -1;
    }
    return 0;
}

void prom_proc_free(struct prom_proc *p)
{
    free(p->series);
    p->series = NULL;
    p->n = 0;
}

static void family(FILE *out, const char *name, const char *type, const char *help)
{
    fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* name{pid="..",exe=".." (no closing brace: the caller may add labels) */
static void proc_labels(FILE *out, const char *name, const struct segread_snap *s)
{
    fprintf(out, "%s{pid=\"%d\",exe=\"", name, (int)s->pid);
    prom_label_value(out, s->exe);
    fputc('"', out);
}

static void proc_u64(FILE *out, const char *name, const struct segread_snap *s, uint64_t v)
{
    proc_labels(out, name, s);
    fprintf(out, "} %" PRIu64 "\n", v);
}

/* The labels of one row group's sample, up to an open last value: the
 * process's, tag, site (with --by site), function and file. Every family of
 * row groups writes these, so their series join label for label. */
static void series_labels(FILE *out, const char *name, const struct segread_snap *s,
                          const struct prom_opts *o, const struct prom_series *e)
{
    proc_labels(out, name, s);
    fputs(",tag=\"", out);
    prom_label_value(out, e->tag);
    if (o->by == PROM_BY_SITE) {
        fputs("\",site=\"", out);
        prom_label_value(out, e->site);
    }
    if (e->func[0]) {
        fputs("\",function=\"", out);
        prom_label_value(out, e->func);
    }
    if (e->file[0]) {
        fputs("\",file=\"", out);
        prom_label_value(out, e->file);
    }
}

enum series_field { F_ALLOCS, F_FREES, F_LIVE, F_PEAK, F_BYTES_ALLOC };

static void series_family(FILE *out, const struct prom_proc *procs, size_t n,
                          const struct prom_opts *o, const char *name, enum series_field f)
{
    for (size_t i = 0; i < n; i++) {
        const struct prom_proc *p = &procs[i];
        for (size_t k = 0; k < p->n; k++) {
            const struct prom_series *e = &p->series[k];
            uint64_t v = f == F_ALLOCS ? e->allocs : f == F_FREES ? e->frees
                       : f == F_LIVE ? e->live : f == F_PEAK ? e->peak : e->bytes_alloc;
            series_labels(out, name, p->snap, o, e);
            fprintf(out, "\"} %" PRIu64 "\n", v);
        }
    }
}

/* Live bytes by age: one series per row group and age class, the age label
 * one of segage_class_name (the age the bytes surely have: under 10s, 1m,
 * 10m, 1h, 1d, and older); the classes of a group sum to heaptag_live_bytes. */
static void age_family(FILE *out, const struct prom_proc *procs, size_t n,
                       const struct prom_opts *o)
{
    family(out, "heaptag_live_bytes_by_age", "gauge",
           "Live bytes of the row group by the age of their allocation (age: under 10s, 1m, "
           "10m, 1h, 1d, or older).");
    for (size_t i = 0; i < n; i++) {
        const struct prom_proc *p = &procs[i];
        if (!p->snap->has_ages)
            continue;
        for (size_t k = 0; k < p->n; k++) {
            const struct prom_series *e = &p->series[k];
            for (int c = 0; c < SEGAGE_CLASSES; c++) {
                series_labels(out, "heaptag_live_bytes_by_age", p->snap, o, e);
                fprintf(out, "\",age=\"%s\"} %" PRIu64 "\n", segage_class_name[c],
                        e->age[c] > 0 ? (uint64_t)e->age[c] : 0);
            }
        }
    }
}

static const char *const corrupt_names[] = {
    [HT_CORRUPT_OVERRUN] = "overrun",
    [HT_CORRUPT_DOUBLE_FREE] = "double_free",
    [HT_CORRUPT_INVALID_PTR] = "invalid_pointer",
    [HT_CORRUPT_USE_AFTER_FREE] = "use_after_free",
};
#define CORRUPT_NAMED (sizeof corrupt_names / sizeof corrupt_names[0])

static void process_families(FILE *out, const struct prom_proc *procs, size_t n)
{
    static const enum segread_state states[] = { SEGREAD_LIVE, SEGREAD_EXITED, SEGREAD_DEAD };

    family(out, "heaptag_series_dropped", "gauge",
           "Row groups of the process left out by the per-process series cap (--top) at this scrape.");
    for (size_t i = 0; i < n; i++)
        proc_u64(out, "heaptag_series_dropped", procs[i].snap, procs[i].dropped);

    family(out, "heaptag_process_live_bytes", "gauge",
           "Live heap bytes of the process over all rows, dropped ones included.");
    for (size_t i = 0; i < n; i++)
        proc_u64(out, "heaptag_process_live_bytes", procs[i].snap, procs[i].live_total);

    family(out, "heaptag_segment_state", "gauge",
           "1 for the state of the process's segment (live, exited, dead), 0 for the others.");
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < sizeof states / sizeof states[0]; k++) {
            proc_labels(out, "heaptag_segment_state", procs[i].snap);
            fprintf(out, ",state=\"%s\"} %d\n", segread_state_name(states[k]),
                    procs[i].snap->state == states[k]);
        }

    family(out, "heaptag_process_passive", "gauge",
           "1 when the shim stood aside in the process and counts nothing (its malloc is "
           "not the shim's: defined by the program, or an allocator loaded first), else 0.");
    for (size_t i = 0; i < n; i++)
        proc_u64(out, "heaptag_process_passive", procs[i].snap, (uint64_t)procs[i].snap->passive);

    family(out, "heaptag_process_start_time_seconds", "gauge",
           "Start time of the process since the Unix epoch in seconds.");
    for (size_t i = 0; i < n; i++) {
        const struct segread_snap *s = procs[i].snap;
        proc_labels(out, "heaptag_process_start_time_seconds", s);
        fprintf(out, "} %" PRIu64 ".%03" PRIu64 "\n", s->start_unix_ns / 1000000000u,
                s->start_unix_ns % 1000000000u / 1000000u);
    }

    family(out, "heaptag_untracked_frees_total", "counter",
           "Frees of pointers the shim did not hand out (allocated before it started).");
    for (size_t i = 0; i < n; i++)
        proc_u64(out, "heaptag_untracked_frees_total", procs[i].snap,
                 procs[i].snap->untracked_frees);

    family(out, "heaptag_untracked_reallocs_total", "counter",
           "Reallocs of pointers the shim did not hand out.");
    for (size_t i = 0; i < n; i++)
        proc_u64(out, "heaptag_untracked_reallocs_total", procs[i].snap,
                 procs[i].snap->untracked_reallocs);

    family(out, "heaptag_corruptions_total", "counter",
           "Heap corruptions and misuse caught by the checking flags, by kind.");
    for (size_t i = 0; i < n; i++) {
        const struct segread_snap *s = procs[i].snap;
        uint64_t other = 0;
        for (size_t k = CORRUPT_NAMED; k < HT_CORRUPT_KINDS; k++)
            other = sat_add(other, s->corruptions[k]);
        for (size_t k = 0; k <= CORRUPT_NAMED; k++) {
            proc_labels(out, "heaptag_corruptions_total", s);
            fprintf(out, ",kind=\"%s\"} %" PRIu64 "\n",
                    k < CORRUPT_NAMED ? corrupt_names[k] : "other",
                    k < CORRUPT_NAMED ? s->corruptions[k] : other);
        }
    }

    family(out, "heaptag_rows_used", "gauge",
           "Rows of the segment's row table in use; at capacity, new sites share the overflow row.");
    for (size_t i = 0; i < n; i++)
        proc_u64(out, "heaptag_rows_used", procs[i].snap, procs[i].snap->rows_used);

    family(out, "heaptag_rows_capacity", "gauge", "Size of the segment's row table.");
    for (size_t i = 0; i < n; i++)
        proc_u64(out, "heaptag_rows_capacity", procs[i].snap, procs[i].snap->row_capacity);
}

void prom_write_procs(FILE *out, const struct prom_proc *procs, size_t n,
                      const struct prom_opts *o, size_t skipped)
{
    static const struct {
        const char *name, *type, *help;
        enum series_field f;
    } series[] = {
        { "heaptag_allocations_total", "counter",
          "Allocations counted in the row group since the process started.", F_ALLOCS },
        { "heaptag_frees_total", "counter",
          "Frees of blocks of the row group since the process started.", F_FREES },
        { "heaptag_allocated_bytes_total", "counter",
          "Bytes allocated in the row group since the process started (sizes asked for).",
          F_BYTES_ALLOC },
        { "heaptag_live_bytes", "gauge",
          "Bytes allocated and not yet freed in the row group (sizes asked for).", F_LIVE },
        { "heaptag_peak_bytes", "gauge",
          "Highest live bytes of the row group: the rows' peaks, sampled by the shim, summed.",
          F_PEAK },
    };
    for (size_t k = 0; k < sizeof series / sizeof series[0]; k++) {
        family(out, series[k].name, series[k].type, series[k].help);
        series_family(out, procs, n, o, series[k].name, series[k].f);
    }
    age_family(out, procs, n, o);
    process_families(out, procs, n);
    family(out, "heaptag_segments_skipped", "gauge",
           "Files named like segments that could not be read as one at this scrape.");
    fprintf(out, "heaptag_segments_skipped %zu\n", skipped);
}

int prom_write(FILE *out, const struct segread_snap *snaps, size_t n,
               const struct prom_opts *o, size_t skipped)
{
    struct prom_proc *procs = calloc(n ? n : 1, sizeof *procs);
    int rc = 0;
    if (!procs)
        return -1;
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = prom_proc_prepare(&procs[i], &snaps[i], o);
    if (rc == 0)
        prom_write_procs(out, procs, n, o, skipped);
    for (size_t i = 0; i < n; i++)
        prom_proc_free(&procs[i]);
    free(procs);
    if (rc)
        errno = ENOMEM;
    return rc;
}
