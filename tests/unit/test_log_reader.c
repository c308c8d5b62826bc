/* SPDX-License-Identifier: MIT
 * test_log_reader.c - the log reader on mon's three formats, mixed, with
 * several processes and runs, and on damaged input: every usable row kept
 * with exact values, everything else counted as skipped, no crash.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trend/log_reader.h"

static void feed(struct log_data *d, const char *text, struct log_stats *st)
{
    FILE *f = fmemopen((void *)text, strlen(text), "r");
    cr_assert(f);
    cr_assert_eq(log_read(d, f, st), 0);
    fclose(f);
}

/* A log read from text in a test: its data, its skip counts and its series. */
struct read_log {
    struct log_data *d;
    struct log_stats st;
    const struct log_series *s;
    size_t n;
};

/* Feeds more text to r's log and takes its series again. */
static void read_more(struct read_log *r, const char *text)
{
    feed(r->d, text, &r->st);
    r->s = log_series(r->d, &r->n);
}

static struct read_log read_text(const char *text)
{
    struct read_log r = { .d = log_new() };
    read_more(&r, text);
    return r;
}

/* read_text, where every line must be read: none damaged, none foreign. */
static struct read_log read_clean(const char *text)
{
    struct read_log r = read_text(text);
    cr_assert_eq(r.st.damaged + r.st.foreign, 0, "first skipped at line %zu", r.st.first_skipped);
    return r;
}

static const struct log_series *find(const struct read_log *r, int pid, unsigned run,
                                     const char *tag)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->s[i].pid == pid && r->s[i].run == run && !strcmp(r->s[i].tag, tag))
            return &r->s[i];
    return NULL;
}

/* find, where the series must be there. */
static const struct log_series *found(const struct read_log *r, int pid, unsigned run,
                                      const char *tag)
{
    const struct log_series *c = find(r, pid, run, tag);
    cr_assert(c, "no series %d/%u %s", pid, run, tag);
    return c;
}

/* What a series should say names its code; NULL (or line -1): not looked at. */
struct want_names {
    const char *func, *file;
    int line;
    const char *exe, *build_id, *site;
};

static void assert_names(const struct log_series *c, const struct want_names *w)
{
    cr_assert(c);
    const char *got[] = { c->func, c->file, c->exe, c->build_id, c->site };
    const char *want[] = { w->func, w->file, w->exe, w->build_id, w->site };
    for (size_t i = 0; i < sizeof got / sizeof got[0]; i++)
        if (want[i])
            cr_assert_str_eq(got[i], want[i]);
    if (w->line >= 0)
        cr_assert_eq(c->line, w->line);
}

/* A series of two snapshots, and the process's state in each. */
static void assert_states(const struct log_series *t, int first, int second)
{
    cr_assert_eq(t->n, 2);
    cr_assert_eq(t->pts[0].state, first);
    cr_assert_eq(t->pts[1].state, second);
}

static const char table[] =
    "# 2026-11-25T22:40:39Z pid 100 exe /opt/app/leaky\n"
    "Tag                      Type       Allocs        Frees         Diff          Bytes  Per Alloc  Site\n"
    "Cach                     Tag           376          200          176          45056        256  0x56 leaky+0x1606\n"
    "leaky+0x11bd             Site           94            0           94           4512         48  0x55 leaky+0x11bd\n"
    "my tag                   Tag             2            1            1             10         10  -\n"
    "\n"
    "# 2026-11-25T22:40:41Z pid 100 exe /opt/app/leaky\n"
    "Tag                      Type       Allocs        Frees         Diff          Bytes  Per Alloc  Trend      Site\n"
    "leaky+0x11bd             Site          194            0          194           9312         48     \xe2\x96\x81\xe2\x96\x88^  0x55 leaky+0x11bd\n"
    "\n";

Test(log_reader, table_with_and_without_trend_column)
{
    struct read_log r = read_text(table);
    cr_assert_eq(r.n, 3);
    cr_assert_eq(r.st.rows, 4);
    cr_assert_eq(r.st.damaged + r.st.foreign + r.st.orphan, 0);
    const struct log_series *leak = found(&r, 100, 0, "leaky+0x11bd");
    cr_assert_eq(leak->n, 2);
    cr_assert_eq(leak->pts[0].live, 4512);
    cr_assert_eq(leak->pts[1].live, 9312);
    cr_assert_eq(leak->pts[1].allocs, 194);
    cr_assert_eq(leak->pts[1].t - leak->pts[0].t, 2);
    cr_assert_str_eq(leak->site, "0x55 leaky+0x11bd");
    cr_assert_str_eq(leak->exe, "/opt/app/leaky");
    cr_assert_str_eq(leak->type, "Site");
    const struct log_series *sp = found(&r, 100, 0, "my tag");
    cr_assert_str_eq(sp->site, "-");
    cr_assert_eq(log_snapshots(r.d), 2);
    log_free(r.d);
}

Test(log_reader, csv_and_json_lines_mixed_with_their_own_columns)
{
    static const char text[] =
        "timestamp,pid,tag,type,allocs,frees,diff,bytes,per_alloc,bytes_alloc,bytes_freed,peak,site\n"
        "2026-11-25T22:40:39Z,7,Sess,Tag,95,31,64,32768,512,48640,15872,32768,0x5 leaky+0x1468\n"
        "2026-11-25T22:40:40Z,7,\"a,b\",Tag,3,0,3,30,10,30,0,30,-\n"
        "{\"timestamp\":\"2026-11-25T22:40:41.500Z\",\"pid\":7,\"tag\":\"Sess\",\"type\":\"Tag\","
        "\"allocs\":96,\"frees\":31,\"diff\":65,\"bytes\":33280,\"peak\":33280,"
        "\"site\":\"0x5 leaky+0x1468\",\"extra\":[1,{\"x\":\"}\"}]}\n";
    struct read_log r = read_text(text);
    cr_assert_eq(r.st.rows, 3, "%zu damaged %zu foreign", r.st.damaged, r.st.foreign);
    cr_assert_eq(r.n, 2);
    const struct log_series *sess = found(&r, 7, 0, "Sess");
    cr_assert_eq(sess->n, 2);
    cr_assert_eq(sess->pts[0].peak, 32768);
    cr_assert(sess->pts[0].has_peak);
    cr_assert_eq(sess->pts[1].live, 33280);
    cr_assert_eq(sess->pts[1].t - sess->pts[0].t, 2.5);
    cr_assert(find(&r, 7, 0, "a,b"));

    /* a header with other columns in another order */
    read_more(&r, "pid,bytes,tag,timestamp,allocs\n9,100,X,2026-11-25T22:40:39Z,1\n");
    const struct log_series *x = found(&r, 9, 0, "X");
    cr_assert_eq(x->pts[0].live, 100);
    cr_assert(!x->pts[0].has_peak);
    log_free(r.d);
}

Test(log_reader, restarts_and_processes_are_separate)
{
    static const char text[] =
        "2026-11-25T10:00:00Z,5,A,Tag,10,0,10,100,10,100,0,100,-\n"
        "2026-11-25T10:00:00Z,6,A,Tag,10,0,10,100,10,100,0,100,-\n"
        "2026-11-25T10:01:00Z,5,A,Tag,20,0,20,200,10,200,0,200,-\n"
        /* pid 5 again, counters back at the start: a new run */
        "2026-11-25T11:00:00Z,5,A,Tag,3,0,3,30,10,30,0,30,-\n"
        "2026-11-25T11:01:00Z,5,A,Tag,4,0,4,40,10,40,0,40,-\n";
    struct read_log r = read_text(text);
    cr_assert_eq(r.n, 3);
    cr_assert_eq(find(&r, 5, 0, "A")->n, 2);
    cr_assert_eq(find(&r, 5, 1, "A")->n, 2);
    cr_assert_eq(find(&r, 5, 1, "A")->pts[0].live, 30);
    cr_assert_eq(find(&r, 6, 0, "A")->n, 1);
    log_free(r.d);
}

Test(log_reader, damaged_and_foreign_lines_are_counted_and_skipped)
{
    static const char text[] =
        "Cach  Tag  1  0  1  10  10  - \n"                          /* 1 orphan */
        "hello world\n"                                            /* 2 foreign */
        "# 2026-11-25T22:40:39Z pid 100 exe /x\n"                  /* 3 */
        "Cach  Tag  376  200  176  45056  256  -\n"                /* 4 ok */
        "Cach  Tag  376  200  17\n"                                /* 5 truncated */
        "Cach  Tag  376  200  999  45056  256  -\n"                /* 6 diff wrong */
        "2026-11-25T22:40:39Z,7,Sess,Tag,95,31\n"                  /* 7 short CSV */
        "2026-11-25T22:40:39Z,7,\"Sess,Tag,95,31,64,1,1,1,1,1,x\n"  /* 8 broken quote */
        "{\"timestamp\":\"2026-11-25T22:40:41Z\",\"pid\":7,\"tag\":\"S\",\"bytes\":1\n" /* 9 cut */
        "{\"timestamp\":\"2026-11-25T22:40:41Z\",\"pid\":-7,\"tag\":\"S\",\"bytes\":1,\"allocs\":1}\n"
        "Cach  Tag  99999999999999999999  0  1  1  1  -\n"         /* 11 overflow */
        "# not a snapshot line\n";                                 /* 12 foreign */
    struct read_log r = read_text(text);
    cr_assert_eq(r.st.lines, 12);
    cr_assert_eq(r.st.rows, 1);
    cr_assert_eq(r.st.orphan, 1);
    cr_assert_eq(r.st.foreign, 2 + 1); /* 2, 12 and 11 (no number after the type) */
    cr_assert_eq(r.st.damaged, 6, "%zu", r.st.damaged);
    cr_assert_eq(r.st.first_skipped, 1);
    char buf[256];
    log_skip_summary(buf, sizeof buf, &r.st);
    cr_assert_str_eq(buf, "skipped 10 of 12 lines (6 damaged, 3 foreign, 1 rows without a "
                          "snapshot line), first at line 1");
    log_free(r.d);
}

Test(log_reader, binary_garbage_never_crashes)
{
    struct log_data *d = log_new();
    struct log_stats st = { 0 };
    uint32_t r = 7;
    for (int k = 0; k < 2000; k++) {
        char line[200];
        size_t len = 1 + k % 199;
        for (size_t i = 0; i < len; i++) {
            r = r * 1664525u + 1013904223u;
            line[i] = (char)(r >> 24);
        }
        if (k % 3 == 0) /* start like a real line, then garbage */
            memcpy(line, k % 2 ? "{\"timestamp\":" : "2026-11-25T22:40:39Z,", len < 14 ? len : 14);
        log_read_line(d, line, len, &st);
    }
    size_t n;
    log_series(d, &n);
    cr_assert_eq(st.lines, 2000);
    cr_assert_eq(st.rows, 0);
    log_free(d);
}

Test(log_reader, timestamps)
{
    double t;
    cr_assert_eq(log_parse_time("1970-01-01T00:01:40Z", 20, &t), 0);
    cr_assert_eq(t, 100);
    cr_assert_eq(log_parse_time("1970-01-01T00:01:40.25Z", 23, &t), 0);
    cr_assert_eq(t, 100.25);
    cr_assert_eq(log_parse_time("1970-13-01T00:01:40Z", 20, &t), -1);
    cr_assert_eq(log_parse_time("1970-01-01T00:01:40Zx", 21, &t), -1);
    cr_assert_eq(log_parse_time("1970-01-01", 10, &t), -1);
}

/* What a log says names its code: function, file:line, exe and build id, in
 * each format; old logs without them still read, with "" and 0. */
static const char named_csv[] =
    "timestamp,pid,tag,type,allocs,frees,diff,bytes,per_alloc,bytes_alloc,bytes_freed,peak,"
    "function,file,line,exe,build_id,site\n"
    "2026-11-25T22:40:01Z,300,Leak,Tag,41,0,41,2624,64,2624,0,2624,"
    "\"foo(int, char)\",/src/doc.cc,15,/usr/bin/my app,01CD5c1b,0x55 app+0x164c\n"
    "2026-11-25T22:40:02Z,300,Leak,Tag,42,0,42,2688,64,2688,0,2688,"
    "\"foo(int, char)\",/src/doc.cc,16,/usr/bin/my app,01cd5c1b,0x55 app+0x164c\n"
    "2026-11-25T22:40:03Z,300,Other,Tag,1,0,1,8,8,8,0,8,,,0,/usr/bin/my app,,0x55 app+0x2000\n";

static const char named_json[] =
    "{\"timestamp\":\"2026-11-25T22:40:01Z\",\"pid\":301,\"tag\":\"Leak\",\"type\":\"Tag\","
    "\"allocs\":41,\"frees\":0,\"diff\":41,\"bytes\":2624,\"peak\":2624,"
    "\"function\":\"index_document(unsigned long)\",\"file\":\"doc.cc\",\"line\":15,"
    "\"exe\":\"/usr/bin/app\",\"build_id\":\"abcdef01\",\"site\":\"0x55 app+0x164c\"}\n";

static const char named_table[] =
    "# 2026-11-25T22:40:39Z pid 302 exe /opt/my app build-id 0011aabb\n"
    "Tag                      Type       Allocs        Frees         Diff          Bytes  Per Alloc  Site\n"
    "Cach                     Tag           376          200          176          45056        256  0x56 leaky+0x1606\n"
    "\n"
    "# 2026-11-25T22:40:40Z pid 303 exe /opt/build-id xyz\n"
    "Cach                     Tag           376          200          176          45056        256  0x56 leaky+0x1606\n";

Test(log_reader, names_exe_and_build_id_from_each_format)
{
    struct read_log r = read_text(named_csv);
    read_more(&r, named_json);
    read_more(&r, named_table);
    cr_assert_eq(r.st.damaged + r.st.foreign + r.st.orphan, 0, "skipped %zu/%zu/%zu",
                 r.st.damaged, r.st.foreign, r.st.orphan);
    cr_assert_eq(find(&r, 300, 0, "Leak")->n, 2);
    const struct {
        int pid;
        const char *tag;
        struct want_names want;
    } cases[] = {
        /* the latest snapshot's line; the build id in lower case */
        { 300, "Leak",
          { "foo(int, char)", "/src/doc.cc", 16, "/usr/bin/my app", "01cd5c1b", NULL } },
        { 300, "Other", { "", "", 0, NULL, "", NULL } },
        { 301, "Leak",
          { "index_document(unsigned long)", "doc.cc", 15, "/usr/bin/app", "abcdef01", NULL } },
        { 302, "Cach", { NULL, NULL, -1, "/opt/my app", "0011aabb", NULL } },
        /* "build-id" followed by no hex is part of the path */
        { 303, "Cach", { NULL, NULL, -1, "/opt/build-id xyz", "", NULL } },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_names(find(&r, cases[i].pid, 0, cases[i].tag), &cases[i].want);
    log_free(r.d);
}

Test(log_reader, malformed_names_are_damaged_rows)
{
    static const char bad[] =
        "timestamp,pid,tag,type,allocs,frees,diff,bytes,per_alloc,bytes_alloc,bytes_freed,peak,"
        "function,file,line,exe,build_id,site\n"
        "2026-11-25T22:40:01Z,300,Leak,Tag,41,0,41,2624,64,2624,0,2624,f,x.c,-3,/a,ab,s\n"
        "2026-11-25T22:40:01Z,300,Leak,Tag,41,0,41,2624,64,2624,0,2624,f,x.c,3,/a,xyz1,s\n"
        "{\"timestamp\":\"2026-11-25T22:40:01Z\",\"pid\":301,\"tag\":\"L\",\"bytes\":1,"
        "\"allocs\":1,\"line\":\"15\"}\n"
        "{\"timestamp\":\"2026-11-25T22:40:01Z\",\"pid\":301,\"tag\":\"L\",\"bytes\":1,"
        "\"allocs\":1,\"function\":7}\n"
        "2026-11-25T22:40:01Z,300,Leak,Tag,41,0,41,2624,64,2624,0,2624,\"f\x01g\",x.c,3,/a,ab,s\n";
    struct read_log r = read_text(bad);
    cr_assert_eq(r.st.damaged, 4);
    cr_assert_eq(r.st.rows, 1);
    cr_assert_eq(r.n, 1);
    cr_assert_str_eq(r.s[0].func, "f\\x01g", "no control byte gets through");
    log_free(r.d);
}

Test(log_reader, a_new_build_id_starts_a_new_run)
{
    static const char two[] =
        "# 2026-11-25T22:40:39Z pid 310 exe /opt/app build-id 0011aabb\n"
        "Cach                     Tag             2            0            2             20         10  s\n"
        "\n"
        "# 2026-11-25T22:40:40Z pid 310 exe /opt/app build-id 0011aacc\n"
        "Cach                     Tag             3            0            3             30         10  s\n";
    struct read_log r = read_text(two);
    cr_assert_eq(r.n, 2, "the binary changed under the same pid: two runs");
    cr_assert(find(&r, 310, 1, "Cach"));
    log_free(r.d);
}

/* The process's state in each snapshot and mon's last word, in every format. */
Test(log_reader, states_and_ends_in_every_format)
{
    static const char text[] =
        "# 2026-11-25T22:40:39Z pid 200 state live exe /opt/app/x y\n"
        "Leak                     Tag             4            1            3            300        100  0x55 x+0x10\n"
        "\n"
        "# 2026-11-25T22:40:40Z pid 200 state exited(3) exe /opt/app/x y\n"
        "Leak                     Tag             5            1            4            400        100  0x55 x+0x10\n"
        "\n"
        "# 2026-11-25T22:40:41Z pid 200 ended exited(3): the process exited with code 3\n"
        "timestamp,pid,tag,type,allocs,frees,diff,bytes,per_alloc,bytes_alloc,bytes_freed,peak,state,site\n"
        "2026-11-25T22:40:39Z,300,Csv,Tag,4,1,3,300,100,400,100,300,live,x+0x20\n"
        "2026-11-25T22:40:40Z,300,Csv,Tag,6,1,5,500,100,600,100,500,dead,x+0x20\n"
        "2026-11-25T22:40:41Z,300,,End,0,0,0,0,0,0,0,0,killed,\n"
        "{\"timestamp\":\"2026-11-25T22:40:39Z\",\"pid\":400,\"tag\":\"Js\",\"type\":\"Tag\",\"allocs\":2,\"frees\":0,\"diff\":2,\"bytes\":20,\"state\":\"live\"}\n"
        "{\"timestamp\":\"2026-11-25T22:40:40Z\",\"pid\":400,\"type\":\"End\",\"state\":\"gone\"}\n"
        "{\"timestamp\":\"2026-11-25T22:40:40Z\",\"pid\":500,\"tag\":\"Run\",\"type\":\"Tag\",\"allocs\":2,\"frees\":0,\"diff\":2,\"bytes\":20,\"state\":\"live\"}\n";
    struct read_log r = read_clean(text);
    const struct log_series *t = found(&r, 200, 0, "Leak");
    assert_states(t, LOG_STATE_LIVE, LOG_STATE_EXITED);
    cr_assert_str_eq(t->exe, "/opt/app/x y");
    cr_assert(t->pts[1].has_blocks && t->pts[1].blocks == 4);
    cr_assert(t->ended && t->exit_code == 3, "ended %d code %d", t->ended, t->exit_code);
    const struct log_series *c = found(&r, 300, 0, "Csv");
    cr_assert(c->n == 2 && c->pts[1].state == LOG_STATE_DEAD && c->ended);
    cr_assert_eq(c->exit_code, -1);
    cr_assert_str_eq(c->site, "x+0x20");
    const struct log_series *j = found(&r, 400, 0, "Js");
    cr_assert(j->ended && j->end_t > j->pts[0].t);
    const struct log_series *run = found(&r, 500, 0, "Run");
    cr_assert(!run->ended && run->pts[0].state == LOG_STATE_LIVE);
    int code;
    cr_assert_eq(log_parse_state("exited(12)", 10, &code), LOG_STATE_EXITED);
    cr_assert_eq(code, 12);
    cr_assert_eq(log_parse_state("exited(x)", 9, &code), LOG_STATE_UNKNOWN);
    cr_assert_eq(log_parse_state("sleeping", 8, &code), LOG_STATE_UNKNOWN);
    log_free(r.d);
}

/* mon's own output carries both: the state and the naming fields, in the
 * table's snapshot line and in CSV and JSON records (site last). */
Test(log_reader, state_and_names_together)
{
    static const char text[] =
        "# 2026-11-25T22:40:39Z pid 320 state live exe /opt/my app build-id 0011AABB\n"
        "Leak                     Tag             4            1            3            300        100  0x55 x+0x10\n"
        "\n"
        "# 2026-11-25T22:40:40Z pid 320 state exited(3) exe /opt/my app build-id 0011aabb\n"
        "Leak                     Tag             5            1            4            400        100  0x55 x+0x10\n"
        "timestamp,pid,tag,type,allocs,frees,diff,bytes,per_alloc,bytes_alloc,bytes_freed,peak,"
        "function,file,line,exe,build_id,state,site\n"
        "2026-11-25T22:40:39Z,330,Csv,Tag,4,1,3,300,100,400,100,300,\"f(int, char)\",/src/a.c,7,"
        "/bin/c,abcd,live,x+0x20\n"
        "2026-11-25T22:40:40Z,330,Csv,Tag,6,1,5,500,100,600,100,500,\"f(int, char)\",/src/a.c,8,"
        "/bin/c,abcd,dead,x+0x20\n"
        "2026-11-25T22:40:41Z,330,,End,0,0,0,0,0,0,0,0,,,,,,killed,\n"
        "{\"timestamp\":\"2026-11-25T22:40:39Z\",\"pid\":340,\"tag\":\"Js\",\"type\":\"Tag\","
        "\"allocs\":2,\"frees\":0,\"diff\":2,\"bytes\":20,\"peak\":20,\"function\":\"g\","
        "\"file\":\"b.c\",\"line\":3,\"exe\":\"/bin/j\",\"build_id\":\"ef01\","
        "\"state\":\"live\",\"site\":\"y+0x1\"}\n";
    struct read_log r = read_clean(text);
    const struct log_series *t = found(&r, 320, 0, "Leak");
    /* one run of two snapshots: the build id is the same in either case */
    assert_states(t, LOG_STATE_LIVE, LOG_STATE_EXITED);
    assert_names(t,
                 &(struct want_names){ NULL, NULL, -1, "/opt/my app", "0011aabb", NULL });
    const struct log_series *c = found(&r, 330, 0, "Csv");
    assert_states(c, LOG_STATE_LIVE, LOG_STATE_DEAD);
    cr_assert(c->ended);
    assert_names(c, &(struct want_names){ "f(int, char)", "/src/a.c", 8, "/bin/c", "abcd",
                                          "x+0x20" });
    const struct log_series *j = found(&r, 340, 0, "Js");
    cr_assert(j->pts[0].state == LOG_STATE_LIVE);
    assert_names(j, &(struct want_names){ "g", NULL, -1, NULL, "ef01", "y+0x1" });
    log_free(r.d);
}

/* A table whose header puts the numbers in another order, with one more
 * number column (Peak) the reader does not use: the names place them. */
Test(log_reader, table_numbers_placed_by_header_names)
{
    static const char moved[] =
        "# 2026-11-25T22:40:39Z pid 200 exe /opt/app/other\n"
        "Tag                      Type        Bytes       Frees       Allocs         Diff  Per Alloc  Site\n"
        "Cach                     Tag          4096          10           30           20        128  x\n"
        "\n";
    struct read_log r = read_text(moved);
    cr_assert_eq(r.st.damaged + r.st.foreign + r.st.orphan, 0, "every line used");
    const struct log_series *c = found(&r, 200, 0, "Cach");
    cr_assert_eq(c->pts[0].live, 4096);
    cr_assert_eq(c->pts[0].allocs, 30);
    log_free(r.d);
}

/* UTF-8 tags padded by display width parse back whole. */
Test(log_reader, utf8_tags_in_a_table)
{
    static const char text[] =
        "# 2026-11-25T22:40:39Z pid 300 exe /opt/app/names\n"
        "Tag                      Type       Allocs        Frees         Diff          Bytes  Per Alloc  Trend      Site\n"
        "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e                   Tag             2            0            2             64         32             x\n"
        "Gr\xc3\xb6\xc3\x9f" "e                    Tag             1            0            1             32         32             x\n"
        "\n";
    struct read_log r = read_text(text);
    cr_assert_eq(r.st.rows, 2);
    cr_assert(find(&r, 300, 0, "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e"));
    cr_assert(find(&r, 300, 0, "Gr\xc3\xb6\xc3\x9f" "e"));
    log_free(r.d);
}

/* Under --by tag a tag's row shows its leading site, which changes when
 * another site of the tag overtakes it: still one series (the tag's), its
 * site the latest snapshot's. */
Test(log_reader, tag_series_keeps_its_points_when_its_site_changes)
{
    static const char text[] =
        "timestamp,pid,tag,type,allocs,frees,diff,bytes,peak,site\n"
        "2026-11-25T22:40:39Z,7,Conn,Tag,10,0,10,1000,1000,0x1 app+0x10\n"
        "2026-11-25T22:40:40Z,7,Conn,Tag,20,0,20,2000,2000,0x1 app+0x10\n"
        "2026-11-25T22:40:41Z,7,Conn,Tag,30,0,30,3000,3000,0x2 app+0x20\n"
        "2026-11-25T22:40:42Z,7,Conn,Tag,40,0,40,4000,4000,0x2 app+0x20\n";
    struct read_log r = read_text(text);
    cr_assert_eq(r.n, 1);
    const struct log_series *c = found(&r, 7, 0, "Conn");
    cr_assert_eq(c->n, 4);
    cr_assert_eq(c->pts[0].live, 1000);
    cr_assert_eq(c->pts[3].live, 4000);
    cr_assert_str_eq(c->site, "0x2 app+0x20");
    log_free(r.d);
}
