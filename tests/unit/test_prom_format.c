/* SPDX-License-Identifier: MIT
 * test_prom_format.c - the Prometheus formatter against snapshots built in
 * memory: label value escaping (backslash, quote, newline, invalid UTF-8),
 * grouping of rows into series, the per-process top-N cap and its dropped
 * counter, families kept contiguous, and promtool accepting the result.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heaptag_segment.h"
#include "prom/format.h"
#include "segment/reader.h"

#define APP_BASE 0x555500000000ull

static char *render_label(const char *s)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    prom_label_value(f, s);
    fclose(f);
    return buf;
}

static char *render(const struct segread_snap *snaps, size_t n, size_t top, enum prom_by by)
{
    struct prom_opts o = { .top = top, .by = by };
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cr_assert_eq(prom_write(f, snaps, n, &o, 3), 0);
    fclose(f);
    return buf;
}

static struct segread_module app_module = { .base = APP_BASE, .size = 0x10000, .state = 1,
                                            .path = "/usr/bin/app" };

/* A snapshot of pid with no rows yet; rows are added with add_row. */
static void snap_init(struct segread_snap *s, pid_t pid, const char *exe, size_t cap)
{
    memset(s, 0, sizeof *s);
    s->pid = pid;
    snprintf(s->exe, sizeof s->exe, "%s", exe);
    s->state = SEGREAD_LIVE;
    s->start_unix_ns = 1700000000123456789ull;
    s->row_capacity = 8192;
    s->untracked_frees = 7;
    s->corruptions[HT_CORRUPT_DOUBLE_FREE] = 2;
    s->corruptions[6] = 1; /* a kind without a name yet */
    s->modules = &app_module;
    s->n_modules = 1;
    s->rows = calloc(cap, sizeof *s->rows);
}

static void add_row(struct segread_snap *s, uint32_t kind, const char *tag, uint64_t site,
                    uint64_t allocs, uint64_t frees, uint64_t live, uint64_t peak)
{
    struct segread_row *r = &s->rows[s->n_rows];
    r->index = (uint32_t)s->n_rows++;
    r->kind = kind;
    r->site = site;
    r->module = SEGREAD_NO_MODULE;
    snprintf(r->tag, sizeof r->tag, "%s", tag);
    r->allocs = allocs;
    r->frees = frees;
    r->bytes_alloc = live + 100 * frees;
    r->bytes_freed = 100 * frees;
    r->live = live;
    r->peak = peak;
    s->rows_used = (uint32_t)s->n_rows;
}

static int count_lines_starting(const char *text, const char *prefix)
{
    int n = 0;
    size_t len = strlen(prefix);
    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
        if (!strncmp(p, prefix, len))
            n++;
    return n;
}

Test(prom, label_escaping)
{
    char *s = render_label("a\\b\"c\nd");
    cr_assert_str_eq(s, "a\\\\b\\\"c\\\\x0ad"); /* printable first, then escaped */
    free(s);
    s = render_label("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\x98");
    cr_assert_str_eq(s, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\x98", "valid UTF-8 kept");
    free(s);
    s = render_label("x\xffy\xc0\x80z");
    cr_assert_str_eq(s, "x\\\\xffy\\\\xc0\\\\x80z", "stray and overlong bytes");
    free(s);
    s = render_label("\xed\xa0\x80|\xf4\x90\x80\x80|\xe2\x82");
    cr_assert_str_eq(s, "\\\\xed\\\\xa0\\\\x80|\\\\xf4\\\\x90\\\\x80\\\\x80|\\\\xe2\\\\x82",
                     "surrogate, above U+10FFFF, cut short");
    free(s);
}

Test(prom, series_and_process_metrics)
{
    struct segread_snap s;
    snap_init(&s, 42, "/opt/a \"b\"\\c\nd", 8);
    add_row(&s, HT_KIND_TAG, "Strg", APP_BASE + 0x10, 10, 3, 700, 900);
    add_row(&s, HT_KIND_SITE, "", APP_BASE + 0x1234, 5, 0, 240, 240);
    add_row(&s, HT_KIND_TAG, "Idle", APP_BASE + 0x20, 0, 0, 0, 0); /* never allocated: hidden */
    char *out = render(&s, 1, 100, PROM_BY_TAG);
    const char *lb = "{pid=\"42\",exe=\"/opt/a \\\"b\\\"\\\\c\\\\x0ad\"";
    char want[512];

    snprintf(want, sizeof want, "heaptag_allocations_total%s,tag=\"Strg\"} 10\n", lb);
    cr_assert(strstr(out, want), "%s", out);
    snprintf(want, sizeof want, "heaptag_frees_total%s,tag=\"Strg\"} 3\n", lb);
    cr_assert(strstr(out, want), "%s", out);
    snprintf(want, sizeof want, "heaptag_live_bytes%s,tag=\"Strg\"} 700\n"
                                "heaptag_live_bytes%s,tag=\"app+0x1234\"} 240\n", lb, lb);
    cr_assert(strstr(out, want), "most live bytes first: %s", out);
    snprintf(want, sizeof want, "heaptag_peak_bytes%s,tag=\"Strg\"} 900\n", lb);
    cr_assert(strstr(out, want), "%s", out);
    cr_assert_null(strstr(out, "Idle"));
    snprintf(want, sizeof want, "heaptag_series_dropped%s} 0\n", lb);
    cr_assert(strstr(out, want), "%s", out);
    snprintf(want, sizeof want, "heaptag_process_live_bytes%s} 940\n", lb);
    cr_assert(strstr(out, want), "%s", out);
    snprintf(want, sizeof want, "heaptag_segment_state%s,state=\"live\"} 1\n"
             "heaptag_segment_state%s,state=\"exited\"} 0\n"
             "heaptag_segment_state%s,state=\"dead\"} 0\n", lb, lb, lb);
    cr_assert(strstr(out, want), "%s", out);
    snprintf(want, sizeof want, "heaptag_process_start_time_seconds%s} 1700000000.123\n", lb);
    cr_assert(strstr(out, want), "%s", out);
    snprintf(want, sizeof want, "heaptag_untracked_frees_total%s} 7\n", lb);
    cr_assert(strstr(out, want), "%s", out);
    snprintf(want, sizeof want, "heaptag_corruptions_total%s,kind=\"double_free\"} 2\n", lb);
    cr_assert(strstr(out, want), "%s", out);
    snprintf(want, sizeof want, "heaptag_corruptions_total%s,kind=\"other\"} 1\n", lb);
    cr_assert(strstr(out, want), "%s", out);
    snprintf(want, sizeof want, "heaptag_rows_used%s} 3\n", lb);
    cr_assert(strstr(out, want), "%s", out);
    cr_assert(strstr(out, "\nheaptag_segments_skipped 3\n"), "%s", out);
    cr_assert(strstr(out, "# TYPE heaptag_allocations_total counter\n"));
    cr_assert(strstr(out, "# TYPE heaptag_live_bytes gauge\n"));
    cr_assert_eq(count_lines_starting(out, "heaptag_live_bytes{"), 2);
    free(out);
    free(s.rows);
}

Test(prom, top_n_cap_counts_what_it_leaves_out)
{
    struct segread_snap s;
    snap_init(&s, 7, "/bin/t", 8);
    const char *tags[] = { "T10", "T50", "T30", "T20", "T40" };
    for (int i = 0; i < 5; i++) {
        uint64_t live = (uint64_t)atoi(tags[i] + 1);
        add_row(&s, HT_KIND_TAG, tags[i], APP_BASE + 0x100 * (uint64_t)i, 1, 0, live, live);
    }
    char *out = render(&s, 1, 2, PROM_BY_TAG);
    cr_assert_eq(count_lines_starting(out, "heaptag_live_bytes{"), 2, "%s", out);
    cr_assert_eq(count_lines_starting(out, "heaptag_allocations_total{"), 2);
    cr_assert(strstr(out, "heaptag_live_bytes{pid=\"7\",exe=\"/bin/t\",tag=\"T50\"} 50\n"
                          "heaptag_live_bytes{pid=\"7\",exe=\"/bin/t\",tag=\"T40\"} 40\n"), "%s", out);
    cr_assert_null(strstr(out, "tag=\"T30\""));
    cr_assert(strstr(out, "heaptag_series_dropped{pid=\"7\",exe=\"/bin/t\"} 3\n"), "%s", out);
    cr_assert(strstr(out, "heaptag_process_live_bytes{pid=\"7\",exe=\"/bin/t\"} 150\n"),
              "dropped rows still count in the process total: %s", out);
    free(out);
    free(s.rows);
}

Test(prom, grouping_by_tag_and_by_site)
{
    struct segread_snap s;
    snap_init(&s, 9, "/bin/g", 8);
    add_row(&s, HT_KIND_TAG, "Pars", APP_BASE + 0x10, 4, 1, 100, 120);
    add_row(&s, HT_KIND_TAG, "Pars", APP_BASE + 0x20, 6, 2, 300, 310);
    add_row(&s, HT_KIND_TAG, "Lex", APP_BASE + 0x30, 1, 0, 300, 300);
    char *out = render(&s, 1, 100, PROM_BY_TAG);
    cr_assert(strstr(out, "heaptag_live_bytes{pid=\"9\",exe=\"/bin/g\",tag=\"Pars\"} 400\n"
                          "heaptag_live_bytes{pid=\"9\",exe=\"/bin/g\",tag=\"Lex\"} 300\n"), "%s", out);
    cr_assert(strstr(out, "heaptag_allocations_total{pid=\"9\",exe=\"/bin/g\",tag=\"Pars\"} 10\n"));
    cr_assert(strstr(out, "heaptag_frees_total{pid=\"9\",exe=\"/bin/g\",tag=\"Pars\"} 3\n"));
    cr_assert(strstr(out, "heaptag_peak_bytes{pid=\"9\",exe=\"/bin/g\",tag=\"Pars\"} 430\n"));
    free(out);

    out = render(&s, 1, 100, PROM_BY_SITE);
    cr_assert(strstr(out,
        "heaptag_live_bytes{pid=\"9\",exe=\"/bin/g\",tag=\"Lex\",site=\"app+0x30\"} 300\n"
        "heaptag_live_bytes{pid=\"9\",exe=\"/bin/g\",tag=\"Pars\",site=\"app+0x20\"} 300\n"
        "heaptag_live_bytes{pid=\"9\",exe=\"/bin/g\",tag=\"Pars\",site=\"app+0x10\"} 100\n"),
        "equal live bytes ordered by label: %s", out);
    free(out);
    free(s.rows);
}

/* Every family's samples form one run, after its HELP and TYPE lines. */
Test(prom, families_contiguous_across_processes)
{
    struct segread_snap s[2];
    snap_init(&s[0], 100, "/bin/one", 4);
    add_row(&s[0], HT_KIND_TAG, "Aaaa", APP_BASE, 1, 0, 10, 10);
    snap_init(&s[1], 200, "/bin/two", 4);
    add_row(&s[1], HT_KIND_TAG, "Bbbb", APP_BASE, 2, 0, 20, 20);
    s[1].state = SEGREAD_EXITED;
    s[1].passive = 1;
    char *out = render(s, 2, 100, PROM_BY_TAG);
    char seen[64][64];
    int n_seen = 0;
    char current[64] = "";
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
        char name[64];
        if (!strncmp(line, "# TYPE ", 7) || !strncmp(line, "# HELP ", 7)) {
            sscanf(line + 7, "%63s", name);
            if (line[2] == 'T')
                cr_assert_str_eq(name, current, "TYPE after its HELP");
            else
                strcpy(current, name);
            for (int i = 0; i < n_seen; i++)
                cr_assert_str_neq(seen[i], name, "family %s announced twice", name);
            continue;
        }
        sscanf(line, "%63[^{ ]", name);
        cr_assert_str_eq(name, current, "sample %s outside its family", line);
        if (n_seen == 0 || strcmp(seen[n_seen - 1], name))
            strcpy(seen[n_seen++], name);
    }
    cr_assert_eq(n_seen, 16, "every family has samples");
    free(out);
    out = render(s, 2, 100, PROM_BY_TAG);
    cr_assert(strstr(out, "heaptag_live_bytes{pid=\"100\",exe=\"/bin/one\",tag=\"Aaaa\"} 10\n"
                          "heaptag_live_bytes{pid=\"200\",exe=\"/bin/two\",tag=\"Bbbb\"} 20\n"));
    cr_assert(strstr(out, "heaptag_segment_state{pid=\"200\",exe=\"/bin/two\",state=\"exited\"} 1\n"));
    cr_assert(strstr(out, "heaptag_process_passive{pid=\"100\",exe=\"/bin/one\"} 0\n"
                          "heaptag_process_passive{pid=\"200\",exe=\"/bin/two\"} 1\n"));
    /* bytes allocated, a counter; the rows left out, a gauge of this scrape */
    cr_assert(strstr(out, "# TYPE heaptag_allocated_bytes_total counter\n"), "%s", out);
    cr_assert(strstr(out, "heaptag_allocated_bytes_total{pid=\"200\",exe=\"/bin/two\",tag=\"Bbbb\"} 20\n"),
              "%s", out);
    cr_assert(strstr(out, "# TYPE heaptag_series_dropped gauge\n"), "%s", out);
    free(out);
    free(s[0].rows);
    free(s[1].rows);
}

Test(prom, promtool_accepts_hostile_labels)
{
    struct segread_snap s;
    snap_init(&s, 5, "/tmp/we\"ird\\ dir\n/\xff\xfeprog", 4);
    add_row(&s, HT_KIND_TAG, "q\"t\\\n\xc3", APP_BASE + 1, 3, 1, 64, 80);
    add_row(&s, HT_KIND_SITE, "", 0x7f0000001000ull, 2, 0, 32, 32);
    add_row(&s, HT_KIND_OVERFLOW, "", 0, 1, 0, 16, 16);
    char *out = render(&s, 1, 100, PROM_BY_SITE);
    FILE *p = popen("promtool check metrics > /dev/null 2>&1", "w");
    cr_assert_not_null(p);
    fputs(out, p);
    int st = pclose(p);
    cr_assert_eq(st, 0, "promtool check metrics rejects:\n%s", out);
    cr_assert(strstr(out, "tag=\"q\\\"t\\\\\\\\x0a\\\\xc3\",site=\"app+0x1\"} 64\n"), "%s", out);
    cr_assert(strstr(out, "tag=\"(overflow)\",site=\"-\"} 16\n"), "%s", out);
    free(out);
    free(s.rows);
}
