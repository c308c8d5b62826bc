/* SPDX-License-Identifier: MIT
 * mon/view.c - the view of the model: the lines the filters keep, sorted by
 * the column the view names, and their totals. Above the model and the column
 * table, below the renderers and the screen: mon's parts include downward
 * only (model <- columns <- view <- render <- screen).
 */
#include "mon/view.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "mon/columns.h"
#include "util/sums.h"

static int cmp_u64(uint64_t a, uint64_t b) { return (a > b) - (a < b); }
static int cmp_i64(int64_t a, int64_t b) { return (a > b) - (a < b); }

struct model_sort {
    const struct mon_view_cfg *v;
    const struct mon_col *col; /* the column v->sort names */
};

static int model_cmp(const void *pa, const void *pb, void *arg)
{
    const struct mon_line *a = *(struct mon_line *const *)pa, *b = *(struct mon_line *const *)pb;
    const struct model_sort *ms = arg;
    const struct mon_view_cfg *v = ms->v;
    int c;
    if (v->pid_first) {
        c = cmp_i64(a->key.pid, b->key.pid);
        if (c == 0)
            c = cmp_u64(a->key.seq, b->key.seq);
        if (c)
            return c;
    }
    c = -mon_col_cmp(ms->col, a, b, v->by_change); /* numbers: largest first */
    if (c == 0)
        c = strcmp(a->key.label, b->key.label);
    if (v->reverse)
        c = -c;
    if (c == 0)
        c = cmp_u64(a->key.kind, b->key.kind);
    if (c == 0)
        c = cmp_i64(a->key.pid, b->key.pid);
    if (c == 0)
        c = cmp_u64(a->key.seq, b->key.seq);
    return c;
}

static int model_matches(const char *const *pats, size_t n, const char *label)
{
    for (size_t i = 0; i < n; i++)
        if (fnmatch(pats[i], label, 0) == 0)
            return 1;
    return 0;
}

static int model_shown(const struct mon_line *l, const struct mon_view_cfg *v)
{
    if (l->allocs == 0)
        return 0;
    if (v->type == MON_TYPE_TAG && l->key.kind != HT_KIND_TAG)
        return 0;
    if (v->type == MON_TYPE_SITE && l->key.kind == HT_KIND_TAG)
        return 0;
    if (v->n_include && !model_matches(v->include, v->n_include, l->key.label))
        return 0;
    return !model_matches(v->exclude, v->n_exclude, l->key.label);
}

void mon_model_view(struct mon_model *m, const struct mon_view_cfg *v)
{
    size_t n = HASH_COUNT(m->map);
    struct mon_line *l, *tmp;
    struct mon_totals *t = &m->totals;
    if (n > m->cap_view) {
        m->cap_view = n;
        m->view = mon_model_xalloc(m->view, n, sizeof *m->view);
    }
    m->n_view = 0;
    memset(t, 0, sizeof *t);
    HASH_ITER(hh, m->map, l, tmp) {
        if (!model_shown(l, v))
            continue;
        m->view[m->n_view++] = l;
#define ADD(type, name, add) t->name = add##_add(t->name, l->name);
        MON_TOTALS(ADD)
#undef ADD
    }
    t->lines = m->n_view;
    struct model_sort ms = { v, mon_col_sorted(v->sort) };
    if (m->n_view > 1) /* an empty view may be NULL */
        qsort_r(m->view, m->n_view, sizeof *m->view, model_cmp, &ms);
}

