/*
 * cmd/diff.c - `heaptag diff OLD NEW`: compares two dumps (dump_format.h) as
 * UMDH's compare mode does: the stacks whose live bytes grew, most first,
 * with the change in bytes and live allocations, their frames, and the total.
 * Reads files written by anyone: every line is parsed with bounds, junk lines
 * are skipped, a file that is not a dump is an error.
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
        } else if (cur && strncmp(line, "  #", 3) == 0) {
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

int cmd_diff(int argc, char **argv)
{
    if (argc == 2 && ctl_is_help(argv[1]))
        ctl_help();
    if (argc != 3)
        ctl_usage_error("diff: needs two dump files, OLD and NEW");
    struct diff_dump od = { 0 }, nd = { 0 };
    diff_read(argv[1], &od);
    diff_read(argv[2], &nd);
    diff_merge(&od);
    diff_merge(&nd);

    struct diff_change *ch = calloc(nd.n ? nd.n : 1, sizeof *ch);
    if (!ch)
        errx(1, "out of memory");
    size_t n = 0;
    int64_t total_bytes = 0, total_allocs = 0;
    for (size_t i = 0; i < nd.n; i++) {
        struct diff_stack key = { nd.v[i].id, 0, 0, NULL, 0 };
        const struct diff_stack *o = od.n ? bsearch(&key, od.v, od.n, sizeof *od.v, by_id) : NULL;
        int64_t db = (int64_t)nd.v[i].live_bytes - (int64_t)(o ? o->live_bytes : 0);
        int64_t da = (int64_t)nd.v[i].live_allocs - (int64_t)(o ? o->live_allocs : 0);
        total_bytes += db;
        total_allocs += da;
        if (db > 0)
            ch[n++] = (struct diff_change){ o, &nd.v[i], db, da };
    }
    /* stacks gone from NEW: everything they held was freed */
    for (size_t i = 0; i < od.n; i++)
        if (!nd.n || !bsearch(&od.v[i], nd.v, nd.n, sizeof *nd.v, by_id)) {
            total_bytes -= (int64_t)od.v[i].live_bytes;
            total_allocs -= (int64_t)od.v[i].live_allocs;
        }
    xsort(ch, n, sizeof *ch, by_growth);

    printf("// heaptag diff: stacks whose live bytes grew from %s to %s, most first\n"
           "// +BYTES ( NEW - OLD ) +ALLOCS ( NEW - OLD ) stack ID, then its frames\n\n",
           argv[1], argv[2]);
    for (size_t i = 0; i < n; i++) {
        const struct diff_change *c = &ch[i];
        printf("+ %10" PRId64 " ( %10" PRIu64 " - %10" PRIu64 " ) %+8" PRId64
               " allocs ( %" PRIu64 " - %" PRIu64 " )\tstack %016" PRIx64 "\n",
               c->bytes, c->new->live_bytes, c->old ? c->old->live_bytes : 0, c->allocs,
               c->new->live_allocs, c->old ? c->old->live_allocs : 0, c->new->id);
        fputs(c->new->frames ? c->new->frames : "  (no frames)\n", stdout);
        putchar('\n');
    }
    printf("Total change == %+" PRId64 " bytes, %+" PRId64 " allocations (%zu stacks grew)\n",
           total_bytes, total_allocs, n);
    for (size_t i = 0; i < od.n; i++)
        free(od.v[i].frames);
    for (size_t i = 0; i < nd.n; i++)
        free(nd.v[i].frames);
    free(od.v);
    free(nd.v);
    free(ch);
    if (fflush(stdout) != 0 || ferror(stdout))
        err(1, "stdout");
    return 0;
}
