/* SPDX-License-Identifier: MIT
 * test_names.c - how rows get their names, on C and C++ programs built at -O2:
 * library code inlined into a user's function (getline, asprintf, std::string,
 * std::vector, std::map, std::unordered_map) names the user's function and the
 * line of the call, heaptag_alloc is charged to each caller, C++ names come
 * demangled, dump keeps the inline chain, and trend names a leaking function
 * from mon's logs after the binary is gone or replaced.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

TestSuite(names, .timeout = 120);

/* One row of `mon --format json`, the fields the tests look at. */
struct jrow {
    char tag[512], type[8], site[1024], func[512], file[512];
    long long allocs, frees, bytes;
    int line;
};

/* The text of "key":"..." or "key":N in line (up to its end), "" if absent. */
static void jfield(const char *line, const char *eol, const char *key, char *dst, size_t cap)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    dst[0] = '\0';
    const char *p = strstr(line, pat);
    if (!p || p > eol)
        return;
    p += strlen(pat);
    size_t o = 0;
    if (*p == '"') {
        for (p++; p < eol && *p != '"' && o + 1 < cap; p++) {
            if (*p == '\\' && p + 1 < eol)
                p++;
            dst[o++] = *p;
        }
    } else {
        while (p < eol && *p != ',' && *p != '}' && o + 1 < cap)
            dst[o++] = *p++;
    }
    dst[o] = '\0';
}

static size_t jrows(const char *text, struct jrow *v, size_t max)
{
    size_t n = 0;
    char num[32];
    for (const char *line = text; *line && n < max;) {
        const char *eol = strchr(line, '\n');
        if (!eol)
            eol = line + strlen(line);
        if (*line == '{') {
            struct jrow *r = &v[n++];
            jfield(line, eol, "tag", r->tag, sizeof r->tag);
            jfield(line, eol, "type", r->type, sizeof r->type);
            jfield(line, eol, "site", r->site, sizeof r->site);
            jfield(line, eol, "function", r->func, sizeof r->func);
            jfield(line, eol, "file", r->file, sizeof r->file);
            jfield(line, eol, "allocs", num, sizeof num);
            r->allocs = atoll(num);
            jfield(line, eol, "frees", num, sizeof num);
            r->frees = atoll(num);
            jfield(line, eol, "bytes", num, sizeof num);
            r->bytes = atoll(num);
            jfield(line, eol, "line", num, sizeof num);
            r->line = atoi(num);
        }
        line = *eol ? eol + 1 : eol;
    }
    return n;
}

/* The one row whose Tag starts with prefix (a C++ name with its arguments). */
static const struct jrow *row_named(const struct jrow *v, size_t n, const char *prefix,
                                    const char *all)
{
    const struct jrow *found = NULL;
    for (size_t i = 0; i < n; i++)
        if (!strncmp(v[i].tag, prefix, strlen(prefix))) {
            cr_assert_null(found, "two rows named %s:\n%s", prefix, all);
            found = &v[i];
        }
    cr_assert_not_null(found, "no row named %s:\n%s", prefix, all);
    return found;
}

static int ends_with(const char *s, const char *tail)
{
    size_t a = strlen(s), b = strlen(tail);
    return a >= b && !strcmp(s + a - b, tail);
}

/* `heaptag ARGS...` for pid, stdout (malloc'd); fails the test on an error. */
static char *tool(int pid, const char *a1, const char *a2, const char *a3)
{
    char pidbuf[16];
    snprintf(pidbuf, sizeof pidbuf, "%d", pid);
    const char *argv[] = { build_path("heaptag"), a1, "-p", pidbuf, a2, a3, NULL };
    if (!a2)
        argv[4] = NULL;
    struct run_result r;
    cr_assert_eq(run_cmd(argv, NULL, 0, NULL, &r), 0);
    cr_assert(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0, "%s %s: %s", a1, a2 ? a2 : "",
              r.err);
    char *out = strdup(r.out);
    run_free(&r);
    return out;
}

static char *mon_json(int pid, const char *by)
{
    char pidbuf[16];
    snprintf(pidbuf, sizeof pidbuf, "%d", pid);
    const char *argv[] = { build_path("heaptag"), "mon", "-p", pidbuf, "-n", "1", "--by", by,
                           "--format", "json", NULL };
    struct run_result r;
    cr_assert_eq(run_cmd(argv, NULL, 0, NULL, &r), 0);
    cr_assert(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0, "mon: %s", r.err);
    char *out = strdup(r.out);
    run_free(&r);
    return out;
}

/* Runs a test program to its end under the shim; returns its pid (segment kept). */
static int run_prog(const char *name)
{
    const char *argv[] = { build_path(name), NULL };
    struct run_result r;
    cr_assert_eq(run_cmd(argv, NULL, 1, "\n", &r), 0);
    cr_assert(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0, "%s: %s", name, r.err);
    cr_assert(strstr(r.out, "ready"), "%s: %s", name, r.out);
    int pid = r.pid;
    run_free(&r);
    return pid;
}

/* No row's name or place is library code the program did not write. */
static void expect_no_library_names(const struct jrow *v, size_t n, const char *all)
{
    static const char *const bad[] = { "stl_vector.h", "new_allocator.h", "basic_string.h",
                                       "bits/stdio.h", "stl_tree.h", "hashtable", "heaptag.h",
                                       "alloc_traits.h", "/usr/include/" };
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
            cr_expect_null(strstr(v[i].site, bad[k]), "row %s names %s:\n%s", v[i].tag, bad[k],
                           all);
            cr_expect_null(strstr(v[i].file, bad[k]), "row %s names %s:\n%s", v[i].tag, bad[k],
                           all);
        }
    for (size_t i = 0; i < n; i++) {
        cr_expect(strncmp(v[i].tag, "std::", 5) && strcmp(v[i].tag, "getline") &&
                  strcmp(v[i].tag, "heaptag_alloc") && strncmp(v[i].tag, "_Z", 2),
                  "row named %s:\n%s", v[i].tag, all);
        cr_expect(strncmp(v[i].func, "std::", 5) && strcmp(v[i].func, "getline") &&
                  strcmp(v[i].func, "heaptag_alloc") && strncmp(v[i].func, "_Z", 2),
                  "row %s in %s:\n%s", v[i].tag, v[i].func, all);
    }
}

static void expect_row(const struct jrow *v, size_t n, const char *all, const char *name,
                       const char *type, long long allocs, long long frees, long long bytes,
                       const char *file, int line)
{
    const struct jrow *r = row_named(v, n, name, all);
    cr_expect_str_eq(r->type, type, "%s", name);
    if (allocs >= 0)
        cr_expect_eq(r->allocs, allocs, "%s: allocs %lld, want %lld", name, r->allocs, allocs);
    if (frees >= 0)
        cr_expect_eq(r->frees, frees, "%s: frees %lld, want %lld", name, r->frees, frees);
    cr_expect_eq(r->bytes, bytes, "%s: bytes %lld, want %lld", name, r->bytes, bytes);
    cr_expect(!strncmp(r->func, name, strlen(name)), "%s: function %s", name, r->func);
    cr_expect(ends_with(r->file, file) && r->line == line, "%s: at %s:%d, want %s:%d", name,
              r->file, r->line, file, line);
}

/* The dump's "  at NAME ..." line and the inline chain after it. */
static void expect_dump_chain(const char *dump, const char *name, const char *place,
                              const char *inner)
{
    char pat[256];
    snprintf(pat, sizeof pat, "\n  at %s", name);
    const char *at = strstr(dump, pat);
    cr_assert_not_null(at, "no row at %s:\n%s", name, dump);
    at++;
    const char *eol = strchr(at, '\n');
    cr_expect(strstr(at, place) && strstr(at, place) < eol, "%.*s: want %s", (int)(eol - at), at,
              place);
    const char *next = eol + 1;
    snprintf(pat, sizeof pat, "    inline %s", inner);
    cr_expect(!strncmp(next, pat, strlen(pat)), "after %.*s want '%s', got:\n%.200s",
              (int)(eol - at), at, pat, next);
    /* the chain ends at the user's function, at the same place */
    const char *last = next;
    while (!strncmp(last, "    inline ", 11))
        last = strchr(last, '\n') + 1;
    const char *prev = last - 2;
    while (prev > next && prev[-1] != '\n')
        prev--;
    snprintf(pat, sizeof pat, "    inline %s", name);
    cr_expect(!strncmp(prev, pat, strlen(pat)) && strstr(prev, place) < last, "chain ends %.*s",
              (int)(last - prev), prev);
}

static void check_c_program(const char *prog)
{
    int pid = run_prog(prog);
    struct jrow v[64];
    char *js = mon_json(pid, "func");
    size_t n = jrows(js, v, 64);
    expect_no_library_names(v, n, js);
    /* getline (bits/stdio.h, inlined) allocates one 120-byte buffer per line */
    expect_row(v, n, js, "read_lines", "Site", 7, 0, 840, "names_c.c", 36);
    /* asprintf: 5 strings of 11 bytes live (glibc shrinks each with realloc) */
    expect_row(v, n, js, "make_labels", "Site", -1, -1, 55, "names_c.c", 46);
    const struct jrow *ml = row_named(v, n, "make_labels", js);
    cr_expect_eq(ml->allocs - ml->frees, 5);
    /* one tag from two functions: two rows, each its caller's */
    expect_row(v, n, js, "tag_from_a", "Tag", 3, 0, 300, "names_c.c", 55);
    expect_row(v, n, js, "tag_from_b", "Tag", 4, 0, 800, "names_c.c", 61);
    free(js);

    js = mon_json(pid, "site");
    n = jrows(js, v, 64);
    expect_no_library_names(v, n, js);
    int seen = 0;
    for (size_t i = 0; i < n; i++)
        if (strstr(v[i].site, "read_lines ")) {
            seen++;
            cr_expect(ends_with(v[i].site, "names_c.c:36"), "%s", v[i].site);
            cr_expect_eq(v[i].allocs, 7);
        }
    cr_expect_eq(seen, 1, "%s", js);
    free(js);

    /* by tag, the Site column names the function too */
    js = mon_json(pid, "tag");
    n = jrows(js, v, 64);
    const struct jrow *same = NULL;
    for (size_t i = 0; i < n; i++)
        if (!strcmp(v[i].tag, "Same"))
            same = &v[i];
    cr_assert_not_null(same, "%s", js);
    cr_expect_eq(same->allocs, 7);
    cr_expect(!strcmp(same->func, "tag_from_b") && same->line == 61, "%s", js);
    free(js);

    /* Prometheus by site: the site label stays module+offset, the function beside it */
    char pidbuf[16];
    snprintf(pidbuf, sizeof pidbuf, "%d", pid);
    const char *exp[] = { build_path("heaptag"), "export", "--prometheus", "-p", pidbuf, "--by",
                          "site", NULL };
    struct run_result r;
    cr_assert_eq(run_cmd(exp, NULL, 0, NULL, &r), 0);
    cr_assert(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0, "%s", r.err);
    /* (clang unrolls the loops: a function may hold several sites) */
    const char *rl = strstr(r.out, "\",function=\"read_lines\",file=\"");
    cr_expect(strstr(r.out, ",tag=\"Same\",site=\"names_c") &&
              strstr(r.out, "\",function=\"tag_from_a\",file=\"") &&
              strstr(r.out, "\",function=\"tag_from_b\",file=\"") &&
              rl && !strncmp(strchr(rl + 30, '"') - 9, "names_c.c\"} 7\n", 14), "%s", r.out);
    cr_expect_null(strstr(r.out, "function=\"getline"), "%s", r.out);
    cr_expect_null(strstr(r.out, "function=\"heaptag_alloc"), "%s", r.out);
    run_free(&r);

    char *d = tool(pid, "dump", NULL, NULL);
    expect_dump_chain(d, "read_lines", "names_c.c:36", "getline ");
    expect_dump_chain(d, "tag_from_a", "names_c.c:55", "heaptag_alloc ");
    cr_expect_null(strstr(d, "\n  at getline"), "%s", d);
    cr_expect_null(strstr(d, "\n  at heaptag_alloc"), "%s", d);
    free(d);
    segment_remove(pid);
}

Test(names, c_program_names_its_functions)
{
    check_c_program("tests/progs/names_c");
}

/* clang writes no .debug_aranges and un-normalised header paths by default */
Test(names, c_program_built_by_clang)
{
    check_c_program("tests/progs/names_c_clang");
}

/* gcc and clang inline differently: the innermost frames of the chains differ */
static void check_cxx_program(const char *prog, int gcc)
{
    int pid = run_prog(prog);
    struct jrow v[64];
    char *js = mon_json(pid, "func");
    size_t n = jrows(js, v, 64);
    expect_no_library_names(v, n, js);
    /* 9 strings of 40 characters: 41-byte buffers */
    expect_row(v, n, js, "build_strings(std::vector<std::__cxx11::basic_string<char", "Site", 9, 0,
               369, "names_cxx.cpp", 23);
    /* push_back to 1024 longs: the buffer doubles from 8 bytes to 8192 */
    expect_row(v, n, js, "fill_vector(std::vector<long, std::allocator<long> >&)", "Site", 11, 10,
               8192, "names_cxx.cpp", 30);
    /* 13 map nodes of 40 bytes */
    expect_row(v, n, js, "fill_map(std::map<int, int,", "Site", 13, 0, 520, "names_cxx.cpp", 37);
    /* 17 hash nodes of 24 bytes plus the bucket arrays (13 buckets, then 29) */
    expect_row(v, n, js, "fill_hash(std::unordered_map<long, long,", "Site", 19, 1,
               17 * 24 + 29 * 8, "names_cxx.cpp", 44);
    free(js);

    js = mon_json(pid, "site");
    n = jrows(js, v, 64);
    expect_no_library_names(v, n, js);
    free(js);

    char *d = tool(pid, "dump", NULL, NULL);
    expect_dump_chain(d, "fill_vector(", "names_cxx.cpp:30",
                      gcc ? "std::vector<long, std::allocator<long> >::push_back(long const&) "
                          : "std::");
    expect_dump_chain(d, "build_strings(", "names_cxx.cpp:23",
                      gcc ? "std::__cxx11::basic_string<" : "std::");
    expect_dump_chain(d, "fill_map(", "names_cxx.cpp:37", gcc ? "std::__new_allocator<" : "std::");
    expect_dump_chain(d, "fill_hash(", "names_cxx.cpp:44", gcc ? "std::__new_allocator<" : "std::");
    free(d);
    segment_remove(pid);
}

Test(names, cxx_program_names_its_functions)
{
    check_cxx_program("tests/progs/names_cxx", 1);
}

Test(names, cxx_program_built_by_clang)
{
    check_cxx_program("tests/progs/names_cxx_clang", 0);
}

/* Runs sh -c script with $1 = the build directory, $2 = a fresh temp dir. */
static char *sh(const char *script, const char *dir, int *status)
{
    const char *argv[] = { "sh", "-c", script, "sh", build_path(""), dir, NULL };
    struct run_result r;
    cr_assert_eq(run_cmd(argv, NULL, 0, NULL, &r), 0);
    *status = WIFEXITED(r.status) ? WEXITSTATUS(r.status) : -1;
    size_t len = strlen(r.out) + strlen(r.err) + 2;
    char *out = malloc(len);
    snprintf(out, len, "%s\n%s", r.out, r.err);
    run_free(&r);
    return out;
}

#define LEAK_NAME "index_document(unsigned long)"

/* A log whose rows lost their names (as older versions wrote them): function,
 * file and line emptied, the site cut to "0xADDR module+0xOFF". */
static void strip_names(const char *in, const char *out)
{
    FILE *f = fopen(in, "r"), *o = fopen(out, "w");
    cr_assert(f && o);
    char line[8192];
    while (fgets(line, sizeof line, f)) {
        char *func = strstr(line, "\"function\":");
        char *exe = strstr(line, ",\"exe\":");
        char *site = strstr(line, "\"site\":\"");
        if (!func || !exe || !site || !(func < exe && exe < site)) {
            fputs(line, o);
            continue;
        }
        char *w = site + 8;
        w += strcspn(w, " \"");
        if (*w == ' ')
            w += 1 + strcspn(w + 1, " \"");
        fprintf(o, "%.*s\"function\":\"\",\"file\":\"\",\"line\":0%.*s\"}\n",
                (int)(func - line), line, (int)(w - exe), exe);
    }
    fclose(f);
    fclose(o);
}

Test(names, trend_names_the_function_after_the_binary_is_gone, .timeout = 180)
{
    char dir[] = "/tmp/heaptag-names-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    /* the leaking program from a copy that goes away, logged in all three formats */
    static const char run[] =
        "set -e; b=$1; d=$2; cp \"$b/tests/progs/leak_cxx\" \"$d/leak_cxx\"\n"
        "HEAPTAG_KEEP=0 \"$b/heaptag\" run -- \"$d/leak_cxx\" 12 & pid=$!\n"
        "sleep 0.5\n"
        "\"$b/heaptag\" mon -p $pid -i 1 -n 10 --format csv > \"$d/log.csv\" &\n"
        "\"$b/heaptag\" mon -p $pid -i 1 -n 10 --format json > \"$d/log.json\" &\n"
        "\"$b/heaptag\" mon -p $pid -i 1 -n 10 > \"$d/log.txt\"\n"
        "wait\n"
        "cp \"$d/leak_cxx\" \"$d/leak_cxx.orig\"; rm \"$d/leak_cxx\"\n";
    int status;
    char *out = sh(run, dir, &status);
    cr_assert_eq(status, 0, "%s", out);
    free(out);

    static const char *const logs[] = { "log.csv", "log.json", "log.txt" };
    for (size_t i = 0; i < 3; i++) {
        char script[512];
        snprintf(script, sizeof script, "\"$1/heaptag\" trend \"$2/%s\" --plot \"$2/%s.svg\"",
                 logs[i], logs[i]);
        out = sh(script, dir, &status);
        cr_assert_eq(status, 1, "%s: status 1 names a suspect", out);
        cr_expect(strstr(out, "verdict: allocated in function " LEAK_NAME " at ") &&
                  strstr(out, "leak_cxx.cpp:16 (site leak_cxx+0x"),
                  "%s: binary gone, want the function from the log:\n%s", logs[i], out);
        cr_expect_null(strstr(out, "_Z14index_documentm"), "%s", out);
        free(out);
        snprintf(script, sizeof script, "grep -c 'in %s leak_cxx.cpp:16' \"$2/%s.svg\"",
                 LEAK_NAME, logs[i]);
        out = sh(script, dir, &status);
        cr_expect_eq(status, 0, "%s: the plot does not name the function: %s", logs[i], out);
        free(out);
    }

    /* a log without names: the binary is only used while it is the one that ran */
    char in[128], stripped[128];
    snprintf(in, sizeof in, "%s/log.json", dir);
    snprintf(stripped, sizeof stripped, "%s/old.json", dir);
    strip_names(in, stripped);
    static const char replaced[] =
        "cp \"$1/tests/progs/names_c\" \"$2/leak_cxx\"; \"$1/heaptag\" trend \"$2/old.json\"";
    out = sh(replaced, dir, &status);
    cr_assert_eq(status, 1, "%s: status 1 names a suspect", out);
    cr_expect(strstr(out, "verdict: allocated at site leak_cxx+0x") &&
              !strstr(out, "allocated in function"),
              "another binary under the same name named the leak:\n%s", out);
    free(out);
    static const char restored[] =
        "cp \"$2/leak_cxx.orig\" \"$2/leak_cxx\"; \"$1/heaptag\" trend \"$2/old.json\"";
    out = sh(restored, dir, &status);
    cr_assert_eq(status, 1, "%s: status 1 names a suspect", out);
    cr_expect(strstr(out, "verdict: allocated in function " LEAK_NAME " at ") &&
              strstr(out, "leak_cxx.cpp:16"),
              "the binary that ran, found again, names the leak:\n%s", out);
    free(out);

    char rm[160];
    snprintf(rm, sizeof rm, "rm -rf '%s'", dir);
    cr_expect_eq(system(rm), 0);
}
