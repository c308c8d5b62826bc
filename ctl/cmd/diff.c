/* SPDX-License-Identifier: MIT
 * cmd/diff.c - `heaptag diff OLD NEW [NEWER ...]`: compares dumps
 * (dump_format.h) as UMDH's compare mode does. With two: the stacks whose
 * live bytes grew, most first, then those that shrank, with the change in
 * bytes and live allocations, their frames, and the total. With more: the
 * stacks ranked by steady growth across the intervals (a slow leak that adds
 * blocks every interval above a cache whose bytes wobble). Warns when the
 * dumps come from different processes. Reads files written by anyone: every
 * line is parsed with bounds, junk lines are skipped, a file that is not a
 * dump is an error.
 */
#include <err.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/xsort.h"
#include "ctl.h"
#include "dump/format.h"
#include "util/text_safe.h"

struct diff_stack {
    uint64_t id;
    uint64_t live_allocs;
    uint64_t live_bytes;
    char *frames;      /* the frame lines as the dump wrote them */
    size_t frames_len;
};

struct diff_dump {
    struct diff_stack *v;
    size_t n, cap;
    int pid;            /* from the process line, 0 if none */
    char exe[512];
};

static void add_frame(struct diff_stack *s, const char *line, size_t len)
{
    char *f = realloc(s->frames, s->frames_len + len + 1);
    if (!f)
        errx(1, "out of memory");
    memcpy(f + s->frames_len, line, len);
    s->frames_len += len;
    f[s->frames_len] = '\0';
    s->frames = f;
}

static void diff_read(const char *path, struct diff_dump *d)
{
    FILE *f = fopen(path, "r");
    if (!f)
        err(1, "%s", path);
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int lineno = 0;
    struct diff_stack *cur = NULL;
    while ((len = getline(&line, &cap, f)) > 0) {
        if (++lineno == 1) {
            if (strncmp(line, DUMP_MAGIC_LINE, strlen(DUMP_MAGIC_LINE)) != 0)
                errx(1, "%s: not a heaptag dump", path);
            continue;
        }
        struct diff_stack s = { 0, 0, 0, NULL, 0 };
        unsigned row;
        if (!strncmp(line, "process pid=", 12) && !d->pid) {
            const char *exe = strstr(line, " exe=");
            d->pid = atoi(line + 12);
            if (exe)
                snprintf(d->exe, sizeof d->exe, "%.*s", (int)strcspn(exe + 5, "\n"), exe + 5);
            continue;
        }
        uint64_t allocs, frees;
        if (sscanf(line, "stack %16" SCNx64 " row=%u allocs=%" SCNu64 " frees=%" SCNu64
                         " live_allocs=%" SCNu64 " live_bytes=%" SCNu64,
                   &s.id, &row, &allocs, &frees, &s.live_allocs, &s.live_bytes) == 6) {
            if (d->n == d->cap) {
                d->cap = d->cap ? d->cap * 2 : 64;
                d->v = realloc(d->v, d->cap * sizeof *d->v);
                if (!d->v)
                    errx(1, "out of memory");
            }
            d->v[d->n] = s;
            cur = &d->v[d->n++];
        } else if (cur && (strncmp(line, "  #", 3) == 0 || strncmp(line, "    inline ", 11) == 0)) {
            /* a dump is outside input: its frames are shown printable */
            line[strcspn(line, "\n")] = '\0';
            const char *safe = text_safe_str(line);
            add_frame(cur, safe, strlen(safe));
            add_frame(cur, "\n", 1);
        } else {
            cur = NULL;
        }
    }
    if (ferror(f))
        err(1, "%s", path);
    if (lineno == 0)
        errx(1, "%s: empty, not a heaptag dump", path);
    free(line);
    fclose(f);
}

static int by_id(const void *a, const void *b)
{
    const struct diff_stack *x = a, *y = b;
    return (x->id > y->id) - (x->id < y->id);
}

/* Sorts d by ID and adds up entries that share one (the same source-level
 * stack recorded at several return addresses); the first keeps its frames. */
static void diff_merge(struct diff_dump *d)
{
    xsort(d->v, d->n, sizeof *d->v, by_id);
    size_t out = 0;
    for (size_t i = 0; i < d->n; i++) {
        if (out && d->v[out - 1].id == d->v[i].id) {
            d->v[out - 1].live_allocs += d->v[i].live_allocs;
            d->v[out - 1].live_bytes += d->v[i].live_bytes;
            free(d->v[i].frames);
            continue;
        }
        d->v[out++] = d->v[i];
    }
    d->n = out;
}

struct diff_change {
    const struct diff_stack *old, *new;
    int64_t bytes, allocs;
};

static int by_growth(const void *a, const void *b)
{
    const struct diff_change *x = a, *y = b;
    if (x->bytes != y->bytes)
        return x->bytes < y->bytes ? 1 : -1;
    return (x->new->id > y->new->id) - (x->new->id < y->new->id);
}

static void diff_free(struct diff_dump *d)
{
    for (size_t i = 0; i < d->n; i++)
        free(d->v[i].frames);
    free(d->v);
}

static const struct diff_stack *diff_find(const struct diff_dump *d, uint64_t id)
{
    struct diff_stack key = { id, 0, 0, NULL, 0 };
    return d->n ? bsearch(&key, d->v, d->n, sizeof *d->v, by_id) : NULL;
}

/* Two dumps, UMDH-style: what grew, most first, then what shrank. */
static void diff_two(const char *old_name, const char *new_name, const struct diff_dump *od,
                     const struct diff_dump *nd)
{
    size_t cap = od->n + nd->n;
    struct diff_change *ch = calloc(cap ? cap : 1, sizeof *ch);
    struct diff_change *sh = calloc(cap ? cap : 1, sizeof *sh);
    if (!ch || !sh)
        errx(1, "out of memory");
    size_t n = 0, ns = 0;
    int64_t total_bytes = 0, total_allocs = 0;
    for (size_t i = 0; i < nd->n; i++) {
        const struct diff_stack *o = diff_find(od, nd->v[i].id);
        int64_t db = (int64_t)nd->v[i].live_bytes - (int64_t)(o ? o->live_bytes : 0);
        int64_t da = (int64_t)nd->v[i].live_allocs - (int64_t)(o ? o->live_allocs : 0);
        total_bytes += db;
        total_allocs += da;
        if (db > 0)
            ch[n++] = (struct diff_change){ o, &nd->v[i], db, da };
        else if (db < 0)
            sh[ns++] = (struct diff_change){ o, &nd->v[i], -db, da };
    }
    /* stacks gone from NEW: everything they held was freed */
    static const struct diff_stack none = { 0, 0, 0, NULL, 0 };
    for (size_t i = 0; i < od->n; i++)
        if (!diff_find(nd, od->v[i].id)) {
            total_bytes -= (int64_t)od->v[i].live_bytes;
            total_allocs -= (int64_t)od->v[i].live_allocs;
            /* nothing live in NEW; frames from OLD */
            sh[ns++] = (struct diff_change){ &od->v[i], &none, (int64_t)od->v[i].live_bytes,
                                             -(int64_t)od->v[i].live_allocs };
        }
    xsort(ch, n, sizeof *ch, by_growth);

    printf("// heaptag diff: stacks whose live bytes grew from %s to %s, most first\n"
           "// +BYTES ( NEW - OLD ) +ALLOCS ( NEW - OLD ) stack ID, then its frames\n\n",
           old_name, new_name);
    for (size_t i = 0; i < n; i++) {
        const struct diff_change *c = &ch[i];
        printf("+ %10" PRId64 " ( %10" PRIu64 " - %10" PRIu64 " ) %+8" PRId64
               " allocs ( %" PRIu64 " - %" PRIu64 " )\tstack %016" PRIx64 "\n",
               c->bytes, c->new->live_bytes, c->old ? c->old->live_bytes : 0, c->allocs,
               c->new->live_allocs, c->old ? c->old->live_allocs : 0, c->new->id);
        fputs(c->new->frames ? c->new->frames : "  (no frames)\n", stdout);
        putchar('\n');
    }
    for (size_t i = 0; i < ns; i++) /* most shrunk first: sort by the freed bytes */
        for (size_t j = i + 1; j < ns; j++)
            if (sh[j].bytes > sh[i].bytes) {
                struct diff_change t = sh[i];
                sh[i] = sh[j];
                sh[j] = t;
            }
    if (ns)
        printf("// stacks whose live bytes shrank, most first\n"
               "// -BYTES ( NEW - OLD ) ALLOCS ( NEW - OLD ) stack ID, then its frames\n\n");
    for (size_t i = 0; i < ns; i++) {
        const struct diff_change *c = &sh[i];
        const struct diff_stack *shown = c->new != &none ? c->new : c->old;
        printf("- %10" PRId64 " ( %10" PRIu64 " - %10" PRIu64 " ) %+8" PRId64
               " allocs ( %" PRIu64 " - %" PRIu64 " )\tstack %016" PRIx64 "\n",
               c->bytes, c->new->live_bytes, c->old ? c->old->live_bytes : 0, c->allocs,
               c->new->live_allocs, c->old ? c->old->live_allocs : 0, shown->id);
        fputs(shown->frames ? shown->frames : "  (no frames)\n", stdout);
        putchar('\n');
    }
    printf("Total change == %+" PRId64 " bytes, %+" PRId64 " allocations (%zu stacks grew)\n",
           total_bytes, total_allocs, n);
    printf("%zu stacks shrank\n", ns);
    free(ch);
    free(sh);
}

/* One stack over several dumps. */
struct diff_trend {
    uint64_t id;
    const char *frames;
    int64_t first, last;         /* live bytes in the first and the last dump */
    int64_t first_n, last_n;     /* live allocations */
    unsigned up, down, blocks_up; /* intervals in which bytes (blocks) grew or fell */
    double score;                /* steady growth: mean step times (up - down) / steps */
};

static int by_steady(const void *a, const void *b)
{
    const struct diff_trend *x = a, *y = b;
    if (x->score != y->score)
        return x->score < y->score ? 1 : -1;
    if (x->last - x->first != y->last - y->first)
        return x->last - x->first < y->last - y->first ? 1 : -1;
    return (x->id > y->id) - (x->id < y->id);
}

static void diff_print_trend(const struct diff_trend *t, unsigned steps, char sign)
{
    printf("%c %10" PRId64 " ( %10" PRId64 " - %10" PRId64 " ) %+8" PRId64
           " allocs  grew in %u of %u intervals (blocks in %u), %+.0f bytes per interval"
           "\tstack %016" PRIx64 "\n", sign, t->last - t->first, t->last, t->first,
           t->last_n - t->first_n, t->up, steps, t->blocks_up,
           (double)(t->last - t->first) / steps, t->id);
    fputs(t->frames ? t->frames : "  (no frames)\n", stdout);
    putchar('\n');
}

/* Several dumps: stacks ranked by how steadily they grew across the intervals. */
static void diff_many(char **names, const struct diff_dump *d, size_t nd)
{
    size_t cap = 0;
    for (size_t k = 0; k < nd; k++)
        cap += d[k].n;
    struct diff_trend *t = calloc(cap ? cap : 1, sizeof *t);
    if (!t)
        errx(1, "out of memory");
    size_t n = 0;
    unsigned steps = (unsigned)(nd - 1);
    for (size_t k = 0; k < nd; k++)
        for (size_t i = 0; i < d[k].n; i++) {
            uint64_t id = d[k].v[i].id;
            int seen = 0;
            for (size_t j = 0; j < k && !seen; j++)
                seen = diff_find(&d[j], id) != NULL;
            if (seen)
                continue;
            struct diff_trend *x = &t[n++];
            x->id = id;
            int64_t prev = 0, prev_n = 0;
            for (size_t j = 0; j < nd; j++) {
                const struct diff_stack *s = diff_find(&d[j], id);
                int64_t b = s ? (int64_t)s->live_bytes : 0, a = s ? (int64_t)s->live_allocs : 0;
                if (s && s->frames)
                    x->frames = s->frames;
                if (j == 0) {
                    x->first = b;
                    x->first_n = a;
                } else {
                    x->up += b > prev;
                    x->down += b < prev;
                    x->blocks_up += a > prev_n;
                }
                prev = b;
                prev_n = a;
            }
            x->last = prev;
            x->last_n = prev_n;
            double mean = (double)(x->last - x->first) / steps;
            double steady = ((double)x->up - (double)x->down) / steps;
            x->score = mean > 0 && steady > 0 ? mean * steady : mean < 0 ? mean : 0;
        }
    xsort(t, n, sizeof *t, by_steady);
    printf("// heaptag diff: %zu dumps, %s to %s: stacks ranked by steady growth across the "
           "%u intervals\n// (mean growth per interval times the share of intervals that grew "
           "less the share that fell), then those that shrank\n"
           "// +BYTES ( LAST - FIRST ) +ALLOCS, intervals grown, stack ID, then its frames\n\n",
           nd, names[0], names[nd - 1], steps);
    size_t grew = 0, shrank = 0;
    int64_t total = 0;
    for (size_t i = 0; i < n; i++) {
        total += t[i].last - t[i].first;
        if (t[i].last > t[i].first) {
            diff_print_trend(&t[i], steps, '+');
            grew++;
        }
    }
    if (n)
        printf("// stacks whose live bytes shrank, most first\n\n");
    for (size_t i = n; i-- > 0;)
        if (t[i].last < t[i].first) {
            diff_print_trend(&t[i], steps, '-');
            shrank++;
        }
    printf("Total change == %+" PRId64 " bytes over %zu dumps (%zu stacks grew, %zu shrank)\n",
           total, nd, grew, shrank);
    free(t);
}

int cmd_diff(int argc, char **argv)
{
    if (argc == 2 && ctl_is_help(argv[1]))
        ctl_help();
    if (argc < 3)
        ctl_usage_error("diff: needs two dump files or more, OLD NEW [NEWER ...]");
    size_t nd = (size_t)argc - 1;
    struct diff_dump *d = calloc(nd, sizeof *d);
    if (!d)
        errx(1, "out of memory");
    for (size_t k = 0; k < nd; k++) {
        diff_read(argv[k + 1], &d[k]);
        diff_merge(&d[k]);
    }
    for (size_t k = 1; k < nd; k++)
        if (d[k].pid != d[0].pid || strcmp(d[k].exe, d[0].exe)) {
            warnx("diff: warning: the dumps come from different processes (%s: pid %d %s; "
                  "%s: pid %d %s): stacks of one are compared with another's",
                  argv[1], d[0].pid, d[0].exe, argv[k + 1], d[k].pid, d[k].exe);
            break;
        }
    if (nd == 2)
        diff_two(argv[1], argv[2], &d[0], &d[1]);
    else
        diff_many(argv + 1, d, nd);
    for (size_t k = 0; k < nd; k++)
        diff_free(&d[k]);
    free(d);
    if (fflush(stdout) != 0 || ferror(stdout))
        err(1, "stdout");
    return 0;
}
