/* SPDX-License-Identifier: MIT
 * test_mon_model.c - the data layer of mon against hand-built segments in a
 * temporary directory: rows summed by tag across processes or split by
 * process, deltas between refreshes, filters, sort orders, a damaged file
 * skipped; and the tag description file and the JSON string writer.
 */
#include <criterion/criterion.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/fmt.h"
#include "util/width.h"
#include "heaptag_segment.h"
#include "mon/columns.h"
#include "mon/model.h"
#include "mon/view.h"
#include "mon/render.h"
#include "mon/tag_desc.h"
#include "tmpdir.h"

#define NROWS 4
#define PID_A 1900000001
#define PID_B 1900000002

static char dir[64];
static char module_path[HT_PATH_MAX] = "/nonexistent/app";

struct spec {
    const char *tag; /* NULL: a site row */
    uint64_t site, allocs, frees, bytes_alloc, bytes_freed;
};

/* Writes an exited process's segment with the rows given (row 0 stays empty). */
static void write_segment(int pid, const struct spec *rows, int n)
{
    /* header, one module, the rows, then two counter sets (a slot, a shard) */
    static unsigned char img[sizeof(struct ht_seg_header) + sizeof(struct ht_module) +
                             (NROWS + 1) * sizeof(struct ht_row) +
                             2 * (NROWS + 1) * sizeof(struct ht_counters)];
    memset(img, 0, sizeof img);
    struct ht_seg_header *h = (struct ht_seg_header *)img;
    h->magic = HT_SEG_MAGIC;
    h->version = HT_SEG_VERSION;
    h->header_size = sizeof *h;
    h->segment_size = sizeof img;
    h->pid = pid;
    h->state = HT_SEG_EXITED;
    h->row_size = sizeof(struct ht_row);
    h->row_capacity = NROWS + 1;
    h->rows_offset = sizeof *h + sizeof(struct ht_module);
    h->rows_used = (uint32_t)n + 1;
    h->module_size = sizeof(struct ht_module);
    h->module_capacity = 1;
    h->modules_offset = sizeof *h;
    h->modules_used = 1;
    h->counter_sets = 2;
    h->counter_slots = 1;
    h->counter_stride = (NROWS + 1) * sizeof(struct ht_counters);
    h->counters_offset = h->rows_offset + (NROWS + 1) * sizeof(struct ht_row);
    strcpy(h->exe, "/usr/bin/app");
    struct ht_module *m = (struct ht_module *)(img + sizeof *h);
    m->base = 0x400000;
    m->size = 0x10000;
    m->state = 1;
    strcpy(m->path, module_path);
    struct ht_row *r = (struct ht_row *)(img + h->rows_offset);
    for (int i = 0; i < n; i++) {
        struct ht_row *o = &r[i + 1];
        o->state = HT_ROW_READY;
        o->kind = rows[i].tag ? HT_KIND_TAG : HT_KIND_SITE;
        if (rows[i].tag)
            strcpy(o->tag, rows[i].tag);
        o->site = rows[i].site;
        o->module = 0;
        struct ht_counters *c =
            (struct ht_counters *)(img + h->counters_offset + h->counter_stride) + i + 1;
        c->allocs = rows[i].allocs;
        c->frees = rows[i].frees;
        c->bytes_alloc = rows[i].bytes_alloc;
        c->bytes_freed = rows[i].bytes_freed;
    }
    char path[128];
    snprintf(path, sizeof path, "%s/heaptag.%d", dir, pid);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, img, sizeof img), (ssize_t)sizeof img);
    close(fd);
}

static void setup(void)
{
    cr_assert_eq(tmpdir_make(dir, sizeof dir, "htmodel."), 0);
}

static void teardown(void)
{
    cr_assert_eq(tmpdir_remove(dir), 0);
}

/* One model under test: its settings, its view's, and the model. */
struct model_test {
    struct mon_cfg cfg;
    struct mon_view_cfg v;
    struct mon_model m;
};

/* A model over the test directory's segments, grouped by by, its view
 * sorted by sort, read once. */
static void model_open(struct model_test *t, enum mon_by by, enum mon_sort sort)
{
    t->cfg = (struct mon_cfg){ .dir = dir, .by = by };
    t->v = (struct mon_view_cfg){ .sort = sort };
    mon_model_init(&t->m, &t->cfg);
    mon_model_refresh(&t->m);
}

/* The segments read again, and the rows of view v made. */
static void model_next(struct mon_model *m, const struct mon_view_cfg *v)
{
    mon_model_refresh(m);
    mon_model_view(m, v);
}

TestSuite(model, .init = setup, .fini = teardown);

static const struct mon_line *find(const struct mon_model *m, const char *label, int pid)
{
    for (size_t i = 0; i < m->n_view; i++)
        if (!strcmp(m->view[i]->key.label, label) && m->view[i]->key.pid == pid)
            return m->view[i];
    return NULL;
}

static const struct spec a1[] = {
    { "Strg", 0x401000, 10, 4, 1000, 400 },
    { "Strg", 0x402000, 5, 0, 50, 0 },
    { NULL, 0x403000, 3, 3, 30, 30 },
};
static const struct spec b1[] = {
    { "Strg", 0x401000, 1, 0, 7, 0 },
    { "Pars", 0x404000, 2, 1, 20, 10 },
};

Test(model, sums_by_tag_and_splits_by_process)
{
    write_segment(PID_A, a1, 3);
    write_segment(PID_B, b1, 2);
    struct model_test t;
    model_open(&t, MON_BY_TAG, MON_SORT_BYTES);
    mon_model_view(&t.m, &t.v);
    cr_assert_eq(t.m.n_procs, 2);
    cr_assert_eq(t.m.n_view, 3);
    const struct mon_line *l = find(&t.m, "Strg", 0);
    cr_assert_not_null(l);
    cr_assert_eq(l->allocs, 16);
    cr_assert_eq(l->frees, 4);
    cr_assert_eq(l->diff, 12);
    cr_assert_eq(l->bytes, 657);
    cr_assert_eq(l->rows, 3);
    cr_assert_eq(mon_per_alloc(l), 657 / 12, "PoolMon's Per Alloc: Bytes / Diff");
    cr_assert_eq(mon_avg_alloc(l), 1057 / 16, "the run's average: bytes allocated / allocs");
    cr_assert_eq(t.m.view[0], l, "most bytes first");
    cr_assert_str_eq(l->detail, "app+0x1000", "the site with the most live bytes");
    l = find(&t.m, "app+0x3000", 0);
    cr_assert_not_null(l);
    cr_assert_eq(l->key.kind, HT_KIND_SITE);
    cr_assert_eq(t.m.tagged_bytes, 657 + 10);
    cr_assert_eq(t.m.totals.bytes, 667);
    cr_assert_eq(t.m.totals.allocs, 21);

    mon_model_regroup(&t.m, MON_BY_TAG, 1);
    model_next(&t.m, &t.v);
    cr_assert_eq(t.m.n_view, 4);
    cr_assert_eq(find(&t.m, "Strg", PID_A)->bytes, 650);
    cr_assert_eq(find(&t.m, "Strg", PID_B)->bytes, 7);

    mon_model_regroup(&t.m, MON_BY_MODULE, 0);
    model_next(&t.m, &t.v);
    cr_assert_eq(t.m.n_view, 2, "a Tag and a Site line for the one module");
    mon_model_fini(&t.m);
}

Test(model, deltas_between_refreshes)
{
    write_segment(PID_A, a1, 3);
    struct model_test t;
    model_open(&t, MON_BY_TAG, MON_SORT_BYTES);
    mon_model_view(&t.m, &t.v);
    cr_assert_eq(find(&t.m, "Strg", 0)->d_allocs, 0, "no change on the first refresh");

    struct spec a2[] = {
        { "Strg", 0x401000, 13, 5, 1300, 500 },
        { "Strg", 0x402000, 5, 0, 50, 0 },
        { NULL, 0x403000, 3, 3, 30, 30 },
        { "Newt", 0x404000, 2, 0, 64, 0 },
    };
    write_segment(PID_A, a2, 4);
    model_next(&t.m, &t.v);
    const struct mon_line *l = find(&t.m, "Strg", 0);
    cr_assert_eq(l->d_allocs, 3);
    cr_assert_eq(l->d_frees, 1);
    cr_assert_eq(l->d_bytes, 200);
    cr_assert_eq(l->d_diff, 2);
    cr_assert_eq(find(&t.m, "app+0x3000", 0)->d_allocs, 0);
    cr_assert_eq(find(&t.m, "Newt", 0)->d_bytes, 64, "a new line: all of it is new");

    t.v.by_change = 1;
    mon_model_view(&t.m, &t.v);
    cr_assert_str_eq(t.m.view[0]->key.label, "Strg", "200 new bytes before 64");
    t.v.sort = MON_SORT_ALLOCS;
    mon_model_view(&t.m, &t.v);
    cr_assert_str_eq(t.m.view[0]->key.label, "Strg");
    cr_assert_str_eq(t.m.view[1]->key.label, "Newt");

    /* the process's segment goes: its lines go with it */
    char path[128];
    snprintf(path, sizeof path, "%s/heaptag.%d", dir, PID_A);
    unlink(path);
    model_next(&t.m, &t.v);
    cr_assert_eq(t.m.n_view, 0);
    mon_model_fini(&t.m);
}

Test(model, filters_sorts_and_damaged_files)
{
    write_segment(PID_A, a1, 3);
    write_segment(PID_B, b1, 2);
    char path[128];
    snprintf(path, sizeof path, "%s/heaptag.1900000003", dir);
    FILE *f = fopen(path, "w");
    fputs("not a segment", f);
    fclose(f);
    struct model_test t;
    model_open(&t, MON_BY_TAG, MON_SORT_TAG);
    cr_assert_eq(t.m.n_procs, 3);
    cr_assert_eq(t.m.procs[2].status, MON_PROC_DAMAGED);
    cr_assert_str_eq(t.m.procs[2].why, "truncated");

    mon_model_view(&t.m, &t.v);
    cr_assert_str_eq(t.m.view[0]->key.label, "Pars");
    cr_assert_str_eq(t.m.view[1]->key.label, "Strg");
    cr_assert_str_eq(t.m.view[2]->key.label, "app+0x3000");
    t.v.reverse = 1;
    mon_model_view(&t.m, &t.v);
    cr_assert_str_eq(t.m.view[0]->key.label, "app+0x3000");

    t.v.type = MON_TYPE_TAG;
    mon_model_view(&t.m, &t.v);
    cr_assert_eq(t.m.n_view, 2);
    t.v.type = MON_TYPE_SITE;
    mon_model_view(&t.m, &t.v);
    cr_assert_eq(t.m.n_view, 1);
    t.v.type = MON_TYPE_ALL;

    t.v.include[t.v.n_include++] = "S*";
    t.v.include[t.v.n_include++] = "?ars";
    mon_model_view(&t.m, &t.v);
    cr_assert_eq(t.m.n_view, 2);
    t.v.exclude[t.v.n_exclude++] = "Str?";
    mon_model_view(&t.m, &t.v);
    cr_assert_eq(t.m.n_view, 1);
    cr_assert_str_eq(t.m.view[0]->key.label, "Pars");
    mon_model_fini(&t.m);
}

Test(model, tag_descriptions_and_json_strings)
{
    char path[128];
    snprintf(path, sizeof path, "%s/tags.txt", dir);
    FILE *f = fopen(path, "w");
    fputs("# comment\n\n  Strg   String buffers  \r\nStrg later\nPars\tParser\nLonely\n", f);
    fclose(f);
    struct tag_desc *t = tag_desc_load(path);
    cr_assert_not_null(t);
    cr_assert_str_eq(tag_desc_find(t, "Strg"), "String buffers");
    cr_assert_str_eq(tag_desc_find(t, "Pars"), "Parser");
    cr_assert_str_eq(tag_desc_find(t, "Lonely"), "");
    cr_assert_null(tag_desc_find(t, "#"));
    cr_assert_null(tag_desc_find(t, "Nope"));
    tag_desc_free(t);
    cr_assert_null(tag_desc_load("/nonexistent/tags"));

    char buf[256] = "";
    FILE *mem = fmemopen(buf, sizeof buf, "w");
    fmt_json_string(mem, "a\"b\\c\n\x01\xc3\xa9\xff\xc0\xaf");
    fclose(mem);
    cr_assert_str_eq(buf, "\"a\\\"b\\\\c\\u000a\\u0001\xc3\xa9???\"");
}

Test(model, hostile_module_paths_do_not_symbolise, .timeout = 30)
{
    const char *paths[] = { "fifo", "/dev/zero", "/nonexistent/app", "relative/app" };
    for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) {
        if (!strcmp(paths[i], "fifo")) {
            snprintf(module_path, sizeof module_path, "%s/fifo", dir);
            cr_assert_eq(mkfifo(module_path, 0600), 0);
        } else {
            snprintf(module_path, sizeof module_path, "%s", paths[i]);
        }
        write_segment(PID_A, a1, 3);
        struct model_test t;
        model_open(&t, MON_BY_FUNC, MON_SORT_TAG);
        mon_model_view(&t.m, &t.v);
        const char *base = strrchr(module_path, '/') ? strrchr(module_path, '/') + 1 : module_path;
        char want[HT_PATH_MAX + 16];
        snprintf(want, sizeof want, "%s+0x1000", base);
        const struct mon_line *l = find(&t.m, want, 0);
        cr_assert_not_null(l, "%s: no line %s", module_path, want);
        cr_assert_str_eq(l->detail, "(no symbols)");
        mon_model_fini(&t.m);
    }
    strcpy(module_path, "/nonexistent/app");
}

Test(model, a_row_that_changes_its_key_moves_to_its_new_line)
{
    write_segment(PID_A, a1, 3);
    struct model_test t;
    model_open(&t, MON_BY_TAG, MON_SORT_TAG);
    model_next(&t.m, &t.v);
    cr_assert_eq(find(&t.m, "Strg", 0)->allocs, 15);
    struct spec changed[] = {
        { "Chgd", 0x401000, 10, 4, 1000, 400 }, /* same row, another tag: not to be trusted */
        { "Strg", 0x402000, 5, 0, 50, 0 },
        { NULL, 0x405000, 3, 3, 30, 30 },        /* same row, another site */
    };
    write_segment(PID_A, changed, 3);
    model_next(&t.m, &t.v);
    cr_assert_eq(find(&t.m, "Strg", 0)->allocs, 5);
    cr_assert_eq(find(&t.m, "Chgd", 0)->allocs, 10);
    cr_assert_eq(find(&t.m, "app+0x5000", 0)->allocs, 3);
    cr_assert_null(find(&t.m, "app+0x3000", 0));
    mon_model_fini(&t.m);
}

/* ---- the column table and display widths ------------------------------ */

Test(columns, one_table_makes_the_csv_header_and_the_keys)
{
    char buf[512];
    FILE *f = fmemopen(buf, sizeof buf, "w");
    mon_render_header(f, MON_FORMAT_CSV, 0);
    fclose(f);
    cr_assert_str_eq(buf, "timestamp,pid,tag,type,allocs,frees,diff,bytes,per_alloc,"
                          "bytes_alloc,bytes_freed,peak,function,file,line,exe,build_id,"
                          "state,avg_alloc,old_bytes,old_blocks,mark,site\n");
    f = fmemopen(buf, sizeof buf, "w");
    mon_render_header(f, MON_FORMAT_CSV, 1);
    fclose(f);
    cr_assert(strstr(buf, ",old_bytes,old_blocks,mark,site,description\n"), "%s", buf);
    /* PoolMon's letters, either case; each sort has one column */
    const struct { int ch; enum mon_sort sort; } keys[] = {
        { 'b', MON_SORT_BYTES }, { 'B', MON_SORT_BYTES }, { 'a', MON_SORT_ALLOCS },
        { 'F', MON_SORT_FREES }, { 'd', MON_SORT_DIFF }, { 'T', MON_SORT_TAG },
        { 'm', MON_SORT_PER_ALLOC }, { 'o', MON_SORT_OLD }, { 'O', MON_SORT_OLD },
    };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        cr_assert_eq(mon_col_sort_key(keys[i].ch), (int)keys[i].sort, "%c", keys[i].ch);
        cr_assert_eq(mon_col_sorted(keys[i].sort)->sort, (int)keys[i].sort);
    }
    cr_assert_eq(mon_col_sort_key('q'), -1);
    cr_assert_eq(mon_format_parse("json"), MON_FORMAT_JSON);
    cr_assert_eq(mon_format_parse("xml"), -1);
    char k[64], names[256];
    mon_col_sort_help(k, sizeof k, names, sizeof names);
    cr_assert_str_eq(k, "t a f d b m o");
    cr_assert_str_eq(names, "tag, allocs, frees, diff, bytes, bytes per live block, old bytes");
    /* record positions are unique and dense */
    enum mon_col_id rec[MON_COL_COUNT];
    size_t n = mon_col_records(rec, MON_COL_COUNT, 1);
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(mon_cols[rec[i]].rec, (int)i + 1);
}

Test(columns, numbers_shortened_to_fit)
{
    char b[32];
    cr_assert_str_eq(fmt_short(b, sizeof b, 6, 0, 123456, 0, 1000), "123456");
    cr_assert_str_eq(fmt_short(b, sizeof b, 6, 0, 1234567, 0, 1000), "1.2M");
    cr_assert_str_eq(fmt_short(b, sizeof b, 6, 0, 12345678, 0, 1000), "12M");
    cr_assert_str_eq(fmt_short(b, sizeof b, 4, -12345, 0, 1, 1000), "-12K");
    cr_assert_str_eq(fmt_short(b, sizeof b, 4, 0, 50000, 0, 1024), "49K");
    cr_assert_str_eq(fmt_short(b, sizeof b, 6, 0, 999999999, 0, 1000), "1.0G");
    cr_assert_str_eq(fmt_short(b, sizeof b, 4, 0, UINT64_MAX, 0, 1024), "16E");
    cr_assert_str_eq(fmt_short(b, sizeof b, 11, 0, UINT64_MAX, 0, 1000), "18E");
    /* small negative changes in a 4-wide cell: -1000..-9999 have no room
     * for a decimal after the sign, and must not be cut to "-0.0~" */
    cr_assert_str_eq(fmt_short(b, sizeof b, 4, -1000, 0, 1, 1024), "-1K");
    cr_assert_str_eq(fmt_short(b, sizeof b, 4, -1000, 0, 1, 1000), "-1K");
    cr_assert_str_eq(fmt_short(b, sizeof b, 4, -4656, 0, 1, 1024), "-5K");
    cr_assert_str_eq(fmt_short(b, sizeof b, 4, -9999, 0, 1, 1000), "-10K");
    cr_assert_str_eq(fmt_short(b, sizeof b, 5, -4656, 0, 1, 1024), "-4656");
    cr_assert_str_eq(fmt_short(b, sizeof b, 5, -9216, 0, 1, 1000), "-9216");
    cr_assert_str_eq(fmt_short(b, sizeof b, 4, -1536, 0, 1, 1024), "-2K");
    cr_assert_str_eq(fmt_short(b, sizeof b, 4, -999, 0, 1, 1024), "-999");
}

Test(columns, display_width_of_utf8)
{
    char b[128];
    cr_assert_eq(fmt_width("Plain"), 5);
    cr_assert_eq(fmt_width("Gr\u00f6\u00dfe"), 5);
    cr_assert_eq(fmt_width("\u65e5\u672c\u8a9e"), 6);
    cr_assert_eq(fmt_fit_cols(b, sizeof b, 7, "\u65e5\u672c\u8a9e\u65e5\u672c"), 7);
    cr_assert_str_eq(b, "\u65e5\u672c\u8a9e~");
    cr_assert_eq(fmt_fit_cols(b, sizeof b, 24, "libverylongmodulename.so.6+0x1a2b3"), 24);
    cr_assert_str_eq(b, "libverylongmodu~+0x1a2b3");
    cr_assert_eq(fmt_pad_cols(b, sizeof b, "\u65e5", 4, 0), strlen("\u65e5") + 2);
    cr_assert_eq(fmt_width(b), 4);
    cr_assert_eq(fmt_prefix_cols("\u65e5\u672c", 3), strlen("\u65e5"));
}
