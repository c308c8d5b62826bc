/* SPDX-License-Identifier: MIT
 * cmd/reports.c - `heaptag reports [-p PID]`: the heap check reports each
 * process's segment keeps (the latest HT_REPORTS), symbolised: what happened,
 * to which block (tag, size), and where it was allocated as function
 * file:line and module+offset; with ust, the allocation's whole stack.
 * Trusts nothing it reads: every report came through the validating reader,
 * and no byte a program or its debug info chose is printed as a control byte.
 */
#include <err.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl.h"
#include "segment/find.h"
#include "segment/reader.h"
#include "sym/symbolize.h"
#include "util/text_safe.h"

/* s as the tool prints what a program chose (util/text_safe.h). */
static void put_safe(FILE *out, const char *s)
{
    fputs(text_safe_str(s), out);
}

/* A site as "FUNCTION FILE:LINE MODULE+0xOFF" (the symboliser's names),
 * "MODULE+0xOFF" without symbols, the address outside every module. */
static void report_site_name(FILE *out, struct sym_cache *sc, const struct segread_snap *snap,
                             uint64_t addr)
{
    struct sym_info si;
    if (sym_lookup(sc, snap, addr, &si) != 0) {
        fprintf(out, "0x%" PRIx64, addr);
        return;
    }
    if (si.func[0]) {
        put_safe(out, si.func);
        putc(' ', out);
        put_safe(out, si.file[0] ? si.file : "??");
        fprintf(out, ":%d ", si.line);
    }
    put_safe(out, si.module);
    fprintf(out, "+0x%" PRIx64, si.offset);
}

static const char *op_name(uint32_t op)
{
    switch (op) {
    case HT_REPORT_OP_FREE: return "free";
    case HT_REPORT_OP_REALLOC: return "realloc";
    case HT_REPORT_OP_SIZE: return "malloc_usable_size";
    }
    return "quarantine";
}

/* "heap overrun: 3 bytes past the end, found by free" and the like. */
static void report_what(FILE *out, const struct segread_report *r)
{
    switch (r->kind) {
    case HT_CORRUPT_OVERRUN:
        fprintf(out, "heap overrun: %s%" PRIu64 " byte%s written past the end, found by %s",
                r->detail >= 32 ? "at least " : "", r->detail, r->detail == 1 ? "" : "s",
                op_name(r->op));
        return;
    case HT_CORRUPT_DOUBLE_FREE:
        fputs("double free", out);
        return;
    case HT_CORRUPT_INVALID_PTR:
        fprintf(out, "invalid %s of 0x%" PRIx64, op_name(r->op), r->addr);
        if (r->size && r->detail)
            fprintf(out, ", %" PRIu64 " bytes into a block", r->detail);
        else if (r->size)
            fputs(", the header of a block overwritten", out);
        return;
    case HT_CORRUPT_USE_AFTER_FREE:
        if (r->op == HT_REPORT_OP_EVICT)
            fprintf(out, "use after free: byte %" PRIu64 " written after the block was freed",
                    r->detail);
        else
            fprintf(out, "%s of a freed block", op_name(r->op));
        return;
    }
    fprintf(out, "heap check report of kind %u", r->kind);
}

static const struct segread_stack *stack_at(const struct segread_stack *v, size_t n,
                                            uint32_t index)
{
    for (size_t i = 0; i < n; i++)
        if (v[i].index == index)
            return &v[i];
    return NULL;
}

static void report_print(FILE *out, struct sym_cache *sc, const struct segread_snap *snap,
                         const struct segread_report *r, const struct segread_stack *stacks,
                         size_t n_stacks)
{
    char when[32] = "?";
    time_t t = (time_t)(r->time_unix_ns / 1000000000u);
    struct tm tm;
    if (gmtime_r(&t, &tm))
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    fprintf(out, "report %" PRIu64 " %s ", r->seq, when);
    report_what(out, r);
    fputs("\n  block ", out);
    if (r->size || r->site) {
        fprintf(out, "of %" PRIu64 " bytes, tag ", r->size);
        put_safe(out, r->tag[0] ? r->tag : "(none)");
    } else {
        fputs("unknown: not one the heap gave out", out);
    }
    fputc('\n', out);
    if (r->site) {
        fputs("  allocated at ", out);
        report_site_name(out, sc, snap, r->site);
        fputc('\n', out);
    }
    const struct segread_stack *st =
        r->stack != UINT32_MAX ? stack_at(stacks, n_stacks, r->stack) : NULL;
    for (uint32_t k = 0; st && k < st->depth; k++) {
        fprintf(out, "  #%u ", k);
        report_site_name(out, sc, snap, st->frames[k]);
        fputc('\n', out);
    }
}

static void process_print(FILE *out, const struct segread_snap *snap)
{
    fprintf(out, "pid %d %s ", (int)snap->pid, segread_state_name(snap->state));
    put_safe(out, snap->exe[0] ? snap->exe : "?");
    fprintf(out, ": %" PRIu64 " report%s", snap->reports_total,
            snap->reports_total == 1 ? "" : "s");
    if (snap->reports_total > snap->n_reports)
        fprintf(out, ", the latest %zu kept", snap->n_reports);
    fputc('\n', out);
    if (!snap->n_reports)
        return;
    struct segread_stack *stacks = NULL;
    size_t n_stacks = 0;
    const char *why;
    for (size_t i = 0; i < snap->n_reports; i++)
        if (snap->reports[i].stack != UINT32_MAX) {
            if (segread_stacks(snap, &stacks, &n_stacks, &why) != 0)
                warnx("pid %d: stack table: %s", (int)snap->pid, why);
            break;
        }
    struct sym_cache *sc = sym_cache_new();
    for (size_t i = 0; i < snap->n_reports; i++)
        report_print(out, sc, snap, &snap->reports[i], stacks, n_stacks);
    sym_cache_free(sc);
    free(stacks);
}

static pid_t parse_pid(const char *s)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s || *end || errno || v <= 0 || v > INT_MAX)
        ctl_usage_error("reports: bad PID '%s'", s);
    return (pid_t)v;
}

int cmd_reports(int argc, char **argv)
{
    pid_t pid = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
            ctl_help();
        else if (!strcmp(argv[i], "-p") && i + 1 < argc)
            pid = parse_pid(argv[++i]);
        else
            ctl_usage_error("reports: unexpected argument '%s'", argv[i]);
    }
    const char *dir = segread_dir();
    struct segread_snap snap;
    const char *why;
    if (pid) {
        if (segread_open_pid(dir, pid, &snap, &why) != SEGREAD_OK)
            errx(1, "pid %d: %s", (int)pid, why);
        process_print(stdout, &snap);
        segread_close(&snap);
    } else { /* every process with a report */
        struct segread_entry *v;
        size_t n;
        if (segread_list(dir, &v, &n) != 0)
            err(1, "%s", dir);
        for (size_t i = 0; i < n; i++) {
            int rc = segread_open(dir, v[i].name, &snap, &why);
            if (rc == SEGREAD_DAMAGED) {
                fflush(stdout);
                warnx("%s: skipped: %s", snap.path, why);
            }
            if (rc != SEGREAD_OK)
                continue;
            if (snap.reports_total)
                process_print(stdout, &snap);
            segread_close(&snap);
        }
        free(v);
    }
    if (fflush(stdout) != 0 || ferror(stdout))
        err(1, "stdout");
    return 0;
}
