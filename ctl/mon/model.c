/* SPDX-License-Identifier: MIT
 * mon/model.c - reads segments, groups rows into lines in a uthash table that
 * lives across refreshes (for the deltas). Lines are reset, not freed, at each
 * refresh; the ones no segment fed are dropped at its end. Nothing here
 * prints, exits on bad input or trusts a segment. The data layer of mon: it
 * knows no column, renderer or screen (the sorted view is mon/view.c).
 */
#define HASH_FUNCTION HASH_FNV /* measured faster than the default on our keys */
#include "mon/model.h"

#include <err.h>
#include <errno.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "segment/children.h"
#include "segment/find.h"
#include "segment/proc_mem.h"
#include "sym/site_name.h"
#include "sym/symbolize.h"
#include "mon/tag_desc.h"
#include "util/sums.h"

static void *model_xalloc(void *p, size_t n, size_t size)
{
    void *q = reallocarray(p, n ? n : 1, size);
    if (!q)
        err(1, "malloc");
    return q;
}

/* snprintf that may cut the text short on purpose (names fitted to a column). */
__attribute__((format(printf, 3, 4)))
static void model_fmt(char *buf, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, n, fmt, ap);
    va_end(ap);
}

void mon_model_init(struct mon_model *m, const struct mon_cfg *cfg)
{
    memset(m, 0, sizeof *m);
    m->cfg = *cfg;
    m->sym = sym_cache_new();
}

/* What a row fed last refresh. A row's key fields never change once it is
 * ready, so the same row feeds the same line: no label, no hash look-up.
 * Checked anyway (kind, site, tag), and only trusted from the refresh just
 * before, whose lines all survived it. */
struct mon_row_memo {
    struct mon_line *line;
    unsigned gen;
    uint32_t kind;
    uint64_t site;
    char     tag[SEGREAD_TAG_MAX];
};

struct mon_memo {
    struct { int32_t pid; uint32_t seq; } key;
    dev_t    dev;
    ino_t    ino;
    uint64_t start_ns;
    unsigned gen;
    size_t   cap;
    struct mon_row_memo *rows;
    UT_hash_handle hh;
};

static void model_memo_free(struct mon_model *m, struct mon_memo *e)
{
    HASH_DEL(m->memos, e);
    free(e->rows);
    free(e);
}

static void model_clear(struct mon_model *m)
{
    struct mon_line *l, *tmp;
    struct mon_memo *e, *etmp;
    HASH_ITER(hh, m->map, l, tmp) {
        HASH_DEL(m->map, l);
        free(l);
    }
    HASH_ITER(hh, m->memos, e, etmp)
        model_memo_free(m, e);
    m->n_view = 0;
}

/* The memo of snapshot s, emptied when the file is another one than before. */
static struct mon_memo *model_memo(struct mon_model *m, const struct segread_snap *s,
                                   unsigned seq)
{
    struct mon_memo *e;
    struct { int32_t pid; uint32_t seq; } key = { s->pid, seq };
    HASH_FIND(hh, m->memos, &key, sizeof key, e);
    if (e && (e->dev != s->dev || e->ino != s->ino || e->start_ns != s->start_unix_ns)) {
        model_memo_free(m, e);
        e = NULL;
    }
    if (!e) {
        e = calloc(1, sizeof *e);
        if (!e)
            err(1, "malloc");
        e->key.pid = key.pid;
        e->key.seq = key.seq;
        e->dev = s->dev;
        e->ino = s->ino;
        e->start_ns = s->start_unix_ns;
        HASH_ADD(hh, m->memos, key, sizeof e->key, e);
    }
    if (s->rows_used > e->cap) {
        e->rows = model_xalloc(e->rows, s->rows_used, sizeof *e->rows);
        memset(e->rows + e->cap, 0, (s->rows_used - e->cap) * sizeof *e->rows);
        e->cap = s->rows_used;
    }
    e->gen = m->gen;
    return e;
}

void mon_model_fini(struct mon_model *m)
{
    model_clear(m);
    sym_cache_free(m->sym);
    free(m->procs);
    free(m->view);
    memset(m, 0, sizeof *m);
}

void mon_model_regroup(struct mon_model *m, enum mon_by by, int split)
{
    model_clear(m);
    m->cfg.by = by;
    m->cfg.split = split;
    m->refreshes = 0;
}

static struct mon_proc *model_proc(struct mon_model *m, pid_t pid, const char *name)
{
    if (m->n_procs == m->cap_procs) {
        m->cap_procs = m->cap_procs ? 2 * m->cap_procs : 16;
        m->procs = model_xalloc(m->procs, m->cap_procs, sizeof *m->procs);
    }
    struct mon_proc *p = &m->procs[m->n_procs++];
    memset(p, 0, sizeof *p);
    p->pid = pid;
    snprintf(p->name, sizeof p->name, "%s", name);
    return p;
}

/* Tag column and Site column of a row under the current grouping; with
 * want_detail, *si names the row's site (func "" when unknown). */
static void model_names(struct mon_model *m, const struct segread_snap *s,
                        const struct segread_row *r, struct mon_key *k, char *detail,
                        struct sym_info *si)
{
    struct sym_info tmp;
    int want_detail = si != NULL;
    if (!si)
        si = &tmp;
    enum mon_by by = r->kind == HT_KIND_OVERFLOW ? MON_BY_TAG : m->cfg.by;
    int known = 0;
    si->func = si->file = "";
    si->line = 0;
    if (by == MON_BY_SITE || by == MON_BY_FUNC ||
        (want_detail && by == MON_BY_TAG && m->cfg.name_sites))
        known = sym_lookup_near(m->sym, s, r->site, site_row_hint(r), si) == 0;
    switch (by) {
    case MON_BY_TAG: {
        site_row_label(k->label, sizeof k->label, s, r);
        if (!want_detail)
            return;
        char where[MON_DETAIL_MAX];
        if (m->cfg.split)
            site_format_full(where, sizeof where, s, r->site);
        else
            site_format(where, sizeof where, s, r->site);
        if (m->cfg.func_first && si->func[0] && si->file[0])
            model_fmt(detail, MON_DETAIL_MAX, "%s %s:%d  %s", si->func, si->file, si->line,
                      where);
        else if (m->cfg.func_first && si->func[0])
            model_fmt(detail, MON_DETAIL_MAX, "%s  %s", si->func, where);
        else if (si->func[0] && si->file[0])
            model_fmt(detail, MON_DETAIL_MAX, "%s %s %s:%d", where, si->func, si->file,
                      si->line);
        else if (si->func[0])
            model_fmt(detail, MON_DETAIL_MAX, "%s %s", where, si->func);
        else
            model_fmt(detail, MON_DETAIL_MAX, "%s", where);
        /* no file without a function: "file:0" would read as a function */
        if (!si->func[0])
            si->file = "";
        return;
    }
    case MON_BY_MODULE: {
        const struct segread_module *mod =
            r->module != SEGREAD_NO_MODULE ? &s->modules[r->module] : site_module(s, r->site);
        model_fmt(k->label, sizeof k->label, "%s", mod ? site_module_name(s, mod) : "?");
        if (want_detail)
            model_fmt(detail, MON_DETAIL_MAX, "%s", mod && mod->path[0] ? mod->path
                                                   : mod ? s->exe : "-");
        return;
    }
    case MON_BY_SITE:
    case MON_BY_FUNC:
        break;
    }
    if (by == MON_BY_SITE || !si->func[0])
        site_format(k->label, sizeof k->label, s, r->site);
    else
        model_fmt(k->label, sizeof k->label, "%s", si->func);
    if (!want_detail)
        return;
    if (!known || (!si->func[0] && !si->file[0]))
        model_fmt(detail, MON_DETAIL_MAX, "%s", known ? "(no symbols)" : "-");
    else if (by == MON_BY_FUNC)
        model_fmt(detail, MON_DETAIL_MAX, "%s:%d", si->file[0] ? si->file : "?", si->line);
    else
        model_fmt(detail, MON_DETAIL_MAX, "%s %s:%d", si->func[0] ? si->func : "?",
                 si->file[0] ? si->file : "?", si->line);
}

static struct mon_line *model_line(struct mon_model *m, const struct segread_snap *s,
                                   unsigned seq, const struct segread_row *r)
{
    struct mon_key k;
    struct mon_line *l;
    memset(&k, 0, sizeof k);
    if (m->cfg.split) {
        k.pid = s->pid;
        k.seq = seq;
    }
    k.kind = r->kind;
    model_names(m, s, r, &k, NULL, NULL);
    /* only the used part of the key is hashed: most labels are short */
    size_t klen = offsetof(struct mon_key, label) + strlen(k.label) + 1;
    HASH_FIND(hh, m->map, &k, klen, l);
    if (!l) {
        l = calloc(1, sizeof *l);
        if (!l)
            err(1, "malloc");
        l->key = k;
        l->det_index = UINT32_MAX;
        l->func = l->file = "";
        if (m->cfg.desc) /* a tag, a site, a function or a module, as the line is named */
            l->desc = tag_desc_find(m->cfg.desc, k.label);
        HASH_ADD_KEYPTR(hh, m->map, &l->key, klen, l);
    }
    return l;
}

static void model_add_row(struct mon_model *m, const struct segread_snap *s, unsigned seq,
                          const struct segread_row *r, struct mon_memo *memo)
{
    struct mon_line *l;
    struct mon_row_memo *rm = r->index < memo->cap ? &memo->rows[r->index] : NULL;
    if (rm && rm->line && rm->gen + 1 == m->gen && rm->kind == r->kind && rm->site == r->site &&
        !memcmp(rm->tag, r->tag, sizeof rm->tag)) {
        l = rm->line;
    } else {
        l = model_line(m, s, seq, r);
        if (rm) {
            rm->kind = r->kind;
            rm->site = r->site;
            memcpy(rm->tag, r->tag, sizeof rm->tag);
        }
    }
    if (rm) {
        rm->line = l;
        rm->gen = m->gen;
    }
    if (l->gen != m->gen) {
        l->gen = m->gen;
        l->allocs = l->frees = l->bytes = l->bytes_alloc = l->bytes_freed = l->peak = 0;
        l->has_ages = 0;
        l->old_bytes = l->old_blocks = 0;
        l->old_bins = 0;
        memset(l->age_bytes, 0, sizeof l->age_bytes);
        memset(l->age_blocks, 0, sizeof l->age_blocks);
        l->rows = 0;
        l->detail_bytes = 0;
    }
    /* The Site column comes from the row with the most live bytes; it is
     * formatted again only when that row is another one than last time. */
    if (l->rows == 0 || r->live > l->detail_bytes) {
        if (l->det_pid != s->pid || l->det_seq != seq || l->det_index != r->index) {
            struct mon_key tmp; /* the label again, unused */
            struct sym_info si;
            model_names(m, s, r, &tmp, l->detail, &si);
            l->func = si.func;
            l->file = si.file;
            l->line = si.line;
            /* -g: a site row is also described by its function's entry */
            if (m->cfg.desc && !l->desc && l->func[0] && l->key.kind != HT_KIND_TAG)
                l->desc = tag_desc_find(m->cfg.desc, l->func);
            l->det_pid = s->pid;
            l->det_seq = seq;
            l->det_index = r->index;
        }
        l->detail_bytes = r->live;
    }
    l->rows++;
    l->allocs = sat_add(l->allocs, r->allocs);
    l->frees = sat_add(l->frees, r->frees);
    l->bytes = sat_add(l->bytes, r->live);
    l->bytes_alloc = sat_add(l->bytes_alloc, r->bytes_alloc);
    l->bytes_freed = sat_add(l->bytes_freed, r->bytes_freed);
    l->peak = sat_add(l->peak, r->peak);
    if (s->has_ages) {
        uint64_t now = segage_now_ns(s), ob, on;
        uint32_t bins;
        int64_t cb[SEGAGE_CLASSES], cn[SEGAGE_CLASSES];
        segage_old(s, r, now, m->cfg.old_secs, &ob, &on, &bins);
        segage_classes(s, r, now, cb, cn);
        l->has_ages = 1;
        l->old_bytes = sat_add(l->old_bytes, ob);
        l->old_blocks = sat_add(l->old_blocks, on);
        if (bins > l->old_bins)
            l->old_bins = bins;
        for (int c = 0; c < SEGAGE_CLASSES; c++) {
            l->age_bytes[c] += cb[c];
            l->age_blocks[c] += cn[c];
        }
    }
}

int mon_old_suspect(const struct mon_line *l)
{
    return l->has_ages && l->bytes > 0 && l->old_bytes >= l->bytes - l->bytes / 2 &&
           l->old_bins >= 2;
}

/* The build id of the main program: the module the exe's path names. */
static void model_exe_build_id(struct mon_proc *p, const struct segread_snap *s)
{
    p->build_id[0] = '\0';
    for (size_t i = 0; i < s->n_modules; i++) {
        const struct segread_module *mod = &s->modules[i];
        if (mod->state == 1 && (!mod->path[0] || !strcmp(mod->path, s->exe))) {
            sym_build_id_hex(p->build_id, sizeof p->build_id, mod->build_id,
                             mod->build_id_len);
            return;
        }
    }
}

static void model_take(struct mon_model *m, struct mon_proc *p, const struct segread_snap *s)
{
    p->state = s->state;
    p->exit_code = s->state == SEGREAD_EXITED ? s->exit_code : -1;
    p->passive = s->passive;
    p->passive_reason = s->passive_reason;
    snprintf(p->exe, sizeof p->exe, "%s", s->exe[0] ? s->exe : "?");
    model_exe_build_id(p, s);
    if (s->state == SEGREAD_LIVE && procmem_rss(s->pid, &p->rss, &p->rss_peak) != 0)
        p->rss = p->rss_peak = 0;
    if (m->cfg.live_only && s->state != SEGREAD_LIVE) {
        p->hidden = 1; /* listed (the header counts it), never summed */
        return;
    }
    struct mon_memo *memo = model_memo(m, s, p->seq);
    for (size_t i = 0; i < s->n_rows; i++) {
        const struct segread_row *r = &s->rows[i];
        if (r->allocs == 0)
            continue;
        p->rows++;
        p->bytes = sat_add(p->bytes, r->live);
        model_add_row(m, s, p->seq, r, memo);
    }
    m->tagged_bytes = sat_add(m->tagged_bytes, p->bytes);
    m->tagged_rows += p->rows;
}

static void model_read(struct mon_model *m, struct mon_proc *p, int rc, struct segread_snap *s,
                       const char *why)
{
    pid_t pid;
    if (rc == SEGREAD_OK) {
        if (segread_parse_name(s->name, &pid, &p->seq) != 0)
            p->seq = 0;
        model_take(m, p, s);
        segread_close(s);
        return;
    }
    p->status = rc == SEGREAD_DAMAGED || rc == SEGREAD_FORGED ? MON_PROC_DAMAGED : MON_PROC_GONE;
    p->why = why;
}

/* Lines nothing fed this time are gone (their process and segment went away). */
static void model_settle(struct mon_model *m)
{
    struct mon_line *l, *tmp;
    struct mon_memo *e, *etmp;
    HASH_ITER(hh, m->memos, e, etmp)
        if (e->gen != m->gen)
            model_memo_free(m, e);
    HASH_ITER(hh, m->map, l, tmp) {
        if (l->gen != m->gen) {
            HASH_DEL(m->map, l);
            free(l);
            continue;
        }
        l->diff = (int64_t)(l->allocs - l->frees);
        if (m->refreshes == 0) {
            l->prev_allocs = l->allocs;
            l->prev_frees = l->frees;
            l->prev_bytes = l->bytes;
            l->prev_diff = l->diff;
        }
        l->d_allocs = (int64_t)(l->allocs - l->prev_allocs);
        l->d_frees = (int64_t)(l->frees - l->prev_frees);
        l->d_bytes = (int64_t)(l->bytes - l->prev_bytes);
        l->d_diff = wrap_add(l->diff, (int64_t)(0 - (uint64_t)l->prev_diff));
        l->prev_allocs = l->allocs;
        l->prev_frees = l->frees;
        l->prev_bytes = l->bytes;
        l->prev_diff = l->diff;
    }
}

void mon_model_refresh(struct mon_model *m)
{
    struct segread_snap s;
    const char *why;
    m->gen++;
    m->n_procs = 0;
    m->tagged_bytes = 0;
    m->tagged_rows = 0;
    m->n_view = 0; /* the view points into lines that may go */
    if (m->cfg.pids) {
        size_t n = m->cfg.n_pids;
        pid_t *pids = malloc(n * sizeof *pids);
        if (pids)
            memcpy(pids, m->cfg.pids, n * sizeof *pids);
        if (!pids || (m->cfg.children && segread_add_children(m->cfg.dir, &pids, &n) != 0))
            err(1, "%s", m->cfg.dir);
        for (size_t i = 0; i < n; i++) {
            char name[NAME_MAX + 1];
            snprintf(name, sizeof name, "heaptag.%d", (int)pids[i]);
            struct mon_proc *p = model_proc(m, pids[i], name);
            int rc = segread_open_pid(m->cfg.dir, pids[i], &s, &why);
            if (rc == SEGREAD_OK)
                snprintf(p->name, sizeof p->name, "%s", s.name);
            model_read(m, p, rc, &s, why);
        }
        free(pids);
    } else {
        struct segread_entry *v;
        size_t n;
        if (segread_list(m->cfg.dir, &v, &n) != 0) {
            n = 0;
            v = NULL;
        }
        for (size_t i = 0; i < n; i++) {
            struct mon_proc *p = model_proc(m, v[i].pid, v[i].name);
            int rc = segread_open(m->cfg.dir, v[i].name, &s, &why);
            model_read(m, p, rc, &s, why);
        }
        free(v);
    }
    model_settle(m);
    m->refreshes++;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    m->refreshed_at = (double)now.tv_sec + now.tv_nsec / 1e9;
}

int mon_proc_shown(const struct mon_model *m, const struct mon_proc *p)
{
    (void)m;
    return !p->hidden;
}

uint64_t mon_per_alloc(const struct mon_line *l)
{
    return l->diff > 0 ? l->bytes / (uint64_t)l->diff : 0;
}

uint64_t mon_avg_alloc(const struct mon_line *l)
{
    return l->allocs ? l->bytes_alloc / l->allocs : 0;
}

void mon_state_text(char *buf, size_t n, const struct mon_proc *p)
{
    if (p->state == SEGREAD_EXITED && p->exit_code >= 0)
        snprintf(buf, n, "exited(%d)", (int)p->exit_code);
    else
        snprintf(buf, n, "%s", segread_state_name(p->state));
}

void *mon_model_xalloc(void *p, size_t n, size_t size)
{
    return model_xalloc(p, n, size);
}

const char *mon_by_name(enum mon_by by)
{
    switch (by) {
    case MON_BY_TAG: return "tag";
    case MON_BY_SITE: return "site";
    case MON_BY_FUNC: return "func";
    case MON_BY_MODULE: return "module";
    }
    return "?";
}

int mon_by_parse(const char *s)
{
    for (int b = MON_BY_TAG; b <= MON_BY_MODULE; b++)
        if (!strcmp(s, mon_by_name((enum mon_by)b)))
            return b;
    return -1;
}

const char *mon_type_name(enum mon_type t)
{
    switch (t) {
    case MON_TYPE_ALL: return "all";
    case MON_TYPE_TAG: return "Tag";
    case MON_TYPE_SITE: return "Site";
    case MON_TYPE_COUNT: break;
    }
    return "?";
}
