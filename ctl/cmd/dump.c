/* SPDX-License-Identifier: MIT
 * cmd/dump.c - `heaptag dump [-p PID]`: every live row and ust stack of one
 * process, symbolised, in the format of dump_format.h, on stdout. Reads the
 * segment through the validating reader; never trusts an index in it.
 */
#include <err.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/xsort.h"
#include "ctl.h"
#include "dump/format.h"
#include "segment/ages.h"
#include "segment/children.h"
#include "segment/find.h"
#include "segment/reader.h"
#include "sym/site_name.h"
#include "sym/symbolize.h"

/* One frame as dump prints it: "FUNCTION FILE:LINE MODULE+0xOFF", the
 * function the program's own innermost one; then its inline chain. */
static void dump_frame(FILE *out, struct sym_cache *sc, const struct segread_snap *snap,
                       uint64_t ret, uint32_t hint)
{
    struct sym_info si;
    char text[1024];
    /* sites and frames are return addresses: sym_lookup names the call */
    int known = sym_lookup_near(sc, snap, ret, hint, &si) == 0;
    sym_describe(text, sizeof text, &si, known, ret);
    fprintf(out, "%s\n", text);
    /* code inlined there: the whole chain, innermost first */
    for (size_t i = 0; si.depth > 1 && i < si.depth; i++)
        fprintf(out, "    inline %s %s:%d\n", si.chain[i].func[0] ? si.chain[i].func : "??",
                si.chain[i].file[0] ? si.chain[i].file : "??", si.chain[i].line);
}

/* The name of a frame in a stack id: module+offset, or the raw address. */
static uint64_t id_mix(uint64_t h, const char *s)
{
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
    return (h ^ 0xff) * 0x100000001b3ull;
}

/* A stack's ID names it at source level: the row's explicit tag (call-site
 * rows have none: their site is the first frame anyway) and each frame as
 * function and file:line where the symbols say, module+offset otherwise. So
 * the copies of one call that inlining or unrolling made share an ID, and so
 * do the same stacks of two runs; diff adds up entries with the same ID. */
static uint64_t stack_id(struct sym_cache *sc, const struct segread_snap *snap,
                         const struct segread_row *r, const uint64_t *frames, uint32_t depth)
{
    uint64_t h = id_mix(0xcbf29ce484222325ull, r && r->kind == HT_KIND_TAG ? r->tag : "");
    char buf[64];
    for (uint32_t i = 0; i < depth; i++) {
        struct sym_info si;
        uint64_t a = frames[i];
        int known = sym_lookup_near(sc, snap, a, site_row_hint(r), &si) == 0;
        if (known && si.func[0]) {
            h = id_mix(h, si.func);
            h = id_mix(h, si.file);
            snprintf(buf, sizeof buf, ":%d", si.line);
        } else if (known) {
            h = id_mix(h, si.module);
            snprintf(buf, sizeof buf, "+%" PRIx64, si.offset);
        } else {
            snprintf(buf, sizeof buf, "0x%" PRIx64, a);
        }
        h = id_mix(h, buf);
    }
    return h;
}

static int by_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

static int by_row_live(const void *a, const void *b)
{
    const struct segread_row *x = a, *y = b;
    return x->live < y->live ? 1 : x->live > y->live ? -1 : (x->index > y->index) - (x->index < y->index);
}

static int by_stack_live(const void *a, const void *b)
{
    const struct segread_stack *x = a, *y = b;
    return x->live < y->live ? 1 : x->live > y->live ? -1 : (x->index > y->index) - (x->index < y->index);
}

static uint64_t live_allocs(uint64_t allocs, uint64_t frees)
{
    return allocs > frees ? allocs - frees : 0;
}

static const struct segread_row *row_by_index(const struct segread_snap *snap, uint32_t index)
{
    for (size_t i = 0; i < snap->n_rows; i++)
        if (snap->rows[i].index == index)
            return &snap->rows[i];
    return NULL;
}

/* One process's part of a dump: from its "process" line to its last stack. */
/* The row's live bytes and blocks by age class (segment/ages.h). */
static void dump_ages(FILE *out, const struct segread_snap *snap, const struct segread_row *r,
                      uint64_t now)
{
    if (!snap->has_ages)
        return;
    int64_t bytes[SEGAGE_CLASSES], blocks[SEGAGE_CLASSES];
    segage_classes(snap, r, now, bytes, blocks);
    fputs("  ages", out);
    for (int c = 0; c < SEGAGE_CLASSES; c++)
        fprintf(out, " %s=%" PRId64 "/%" PRId64, segage_class_name[c], bytes[c], blocks[c]);
    fputc('\n', out);
}

static void dump_process(FILE *out, struct segread_snap *snap, struct segread_stack *stacks,
                         size_t n_stacks)
{
    uint64_t now = segage_now_ns(snap);
    struct sym_cache *sc = sym_cache_new();
    if (!sc)
        errx(1, "out of memory");
    uint64_t la = 0, lb = 0;
    for (size_t i = 0; i < snap->n_rows; i++) {
        la += live_allocs(snap->rows[i].allocs, snap->rows[i].frees);
        lb += snap->rows[i].live;
    }
    fprintf(out, "process pid=%d state=%s flags=0x%x exe=%s\n", (int)snap->pid,
            segread_state_name(snap->state), snap->flags, snap->exe);
    if (snap->passive) /* 0 rows below would read as "no allocations" */
        fprintf(out, "passive nothing is counted: %s\n", segread_passive_why(snap->passive_reason));
    fprintf(out, "totals rows=%zu stacks=%zu stacks_dropped=%" PRIu64 " live_allocs=%" PRIu64
            " live_bytes=%" PRIu64 "\n", snap->n_rows, n_stacks, snap->stacks_dropped, la, lb);

    xsort(snap->rows, snap->n_rows, sizeof snap->rows[0], by_row_live);
    for (size_t i = 0; i < snap->n_rows; i++) {
        const struct segread_row *r = &snap->rows[i];
        uint64_t n = live_allocs(r->allocs, r->frees);
        if (!n && !r->live)
            continue;
        char label[128];
        site_row_label(label, sizeof label, snap, r);
        fprintf(out, "row %u %s allocs=%" PRIu64 " frees=%" PRIu64 " live_allocs=%" PRIu64
                " live_bytes=%" PRIu64 " label=%s\n", r->index, site_kind_name(r->kind),
                r->allocs, r->frees, n, r->live, label);
        if (r->site) {
            fputs("  at ", out);
            dump_frame(out, sc, snap, r->site, site_row_hint(r));
        }
        dump_ages(out, snap, r, now); /* after "at", which readers expect next to its row */
    }
    xsort(stacks, n_stacks, sizeof stacks[0], by_stack_live);
    uint32_t *with_stacks = calloc(n_stacks ? n_stacks : 1, sizeof *with_stacks);
    if (!with_stacks)
        errx(1, "out of memory");
    for (size_t i = 0; i < n_stacks; i++) {
        const struct segread_stack *st = &stacks[i];
        with_stacks[i] = st->row;
        uint64_t n = live_allocs(st->allocs, st->frees);
        if (!n && !st->live)
            continue;
        const struct segread_row *r = row_by_index(snap, st->row);
        fprintf(out, "stack %016" PRIx64 " row=%u allocs=%" PRIu64 " frees=%" PRIu64
                " live_allocs=%" PRIu64 " live_bytes=%" PRIu64 "\n",
                stack_id(sc, snap, r, st->frames, st->depth), st->row, st->allocs, st->frees, n,
                st->live);
        for (uint32_t k = 0; k < st->depth; k++) {
            fprintf(out, "  #%u ", k);
            dump_frame(out, sc, snap, st->frames[k], site_row_hint(r));
        }
    }
    /* Rows with no stack of their own (ust off, or its table full) stand as
     * one-frame stacks at their site, so diff compares them all the same. */
    xsort(with_stacks, n_stacks, sizeof *with_stacks, by_u32);
    for (size_t i = 0; i < snap->n_rows; i++) {
        const struct segread_row *r = &snap->rows[i];
        uint64_t n = live_allocs(r->allocs, r->frees);
        if ((!n && !r->live) || !r->site ||
            (n_stacks && bsearch(&r->index, with_stacks, n_stacks, sizeof *with_stacks, by_u32)))
            continue;
        fprintf(out, "stack %016" PRIx64 " row=%u allocs=%" PRIu64 " frees=%" PRIu64
                " live_allocs=%" PRIu64 " live_bytes=%" PRIu64 "\n",
                stack_id(sc, snap, r, &r->site, 1), r->index, r->allocs, r->frees, n, r->live);
        fputs("  #0 ", out);
        dump_frame(out, sc, snap, r->site, site_row_hint(r));
    }
    free(with_stacks);
    sym_cache_free(sc);
}

/* The process's part of the dump, its stack table read afresh. */
static void dump_pid(FILE *out, const char *dir, pid_t pid)
{
    struct segread_snap snap;
    const char *why;
    if (segread_open_pid(dir, pid, &snap, &why) != SEGREAD_OK)
        errx(1, "pid %d: %s", (int)pid, why);
    struct segread_stack *stacks;
    size_t n_stacks;
    if (segread_stacks(&snap, &stacks, &n_stacks, &why) != 0) {
        warnx("pid %d: stack table: %s", (int)pid, why);
        stacks = NULL;
        n_stacks = 0;
    }
    dump_process(out, &snap, stacks, n_stacks);
    free(stacks);
    segread_close(&snap);
}

int cmd_dump(int argc, char **argv)
{
    pid_t pid = 0;
    int children = 0;
    for (int i = 1; i < argc; i++) {
        if (ctl_is_help(argv[i]))
            ctl_help();
        if (!strcmp(argv[i], "--children")) {
            children = 1;
            continue;
        }
        if (!strcmp(argv[i], "-p") && i + 1 < argc) {
            char *end;
            errno = 0;
            long v = strtol(argv[++i], &end, 10);
            if (end == argv[i] || *end || errno || v <= 0 || v > INT_MAX)
                ctl_usage_error("dump: bad PID '%s'", argv[i]);
            pid = (pid_t)v;
        } else {
            ctl_usage_error("dump: unexpected argument '%s'", argv[i]);
        }
    }
    if (children && !pid)
        ctl_usage_error("dump: --children needs -p PID");
    const char *dir = segread_dir();
    if (!pid) { /* no -p: the one tagged process there is */
        struct segread_entry *e;
        size_t n;
        if (segread_list(dir, &e, &n) != 0)
            err(1, "%s", dir);
        if (n != 1) {
            free(e);
            ctl_usage_error(n ? "dump: %zu tagged processes; pick one with -p PID"
                              : "dump: no tagged process%.0zu", n);
        }
        pid = e[0].pid;
        free(e);
    }
    /* with --children, a part per process: diff adds up their stacks */
    pid_t *pids = malloc(sizeof *pids);
    size_t n = 1;
    if (!pids)
        err(1, "malloc");
    pids[0] = pid;
    if (children && segread_add_children(dir, &pids, &n) != 0)
        err(1, "%s", dir);
    /* The dump is made in memory and written only once whole: a dump that
     * fails (exit 1) leaves nothing on stdout, so `dump > before.txt` never
     * leaves a file that looks like a dump. */
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    if (!mem)
        err(1, "open_memstream");
    fprintf(mem, "%s\n", DUMP_MAGIC_LINE);
    for (size_t i = 0; i < n; i++)
        dump_pid(mem, dir, pids[i]);
    fputs("end\n", mem);
    free(pids);
    if (fclose(mem) != 0)
        errx(1, "out of memory");
    if (fwrite(text, 1, len, stdout) != len || fflush(stdout) != 0 || ferror(stdout))
        err(1, "stdout");
    free(text);
    return 0;
}
