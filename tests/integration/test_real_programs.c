/* SPDX-License-Identifier: MIT
 * test_real_programs.c - programs nobody here wrote give byte-identical output
 * and the same exit status with and without the shim.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

/* The flag sets every program runs under; a flag the shim does not act on yet
 * must still leave the run identical. tests/real/run.sh uses the same sets. */
static const char *const flag_sets[] = { "+ptg", "+ptg+ust", "+ptg+htc+hfc" };

/* Runs argv plain and preloaded with flags; compares stdout, stderr and status. */
static void same_with_flags(const char *const argv[], const char *flags, const char *input)
{
    struct run_result plain, tagged;
    char flagenv[128];
    snprintf(flagenv, sizeof flagenv, "HEAPTAG_FLAGS=%s", flags);
    const char *env[] = { "PYTHONMALLOC=malloc", "LC_ALL=C", "HEAPTAG_KEEP=0", flagenv, NULL };
    cr_assert_eq(run_cmd(argv, env, 0, input, &plain), 0);
    cr_assert_eq(run_cmd(argv, env, 1, input, &tagged), 0);
    cr_assert_eq(WIFEXITED(plain.status), 1, "%s did not exit: status %d", argv[0], plain.status);
    cr_expect_eq(plain.status, tagged.status, "%s status %d vs %d", argv[0], plain.status,
                 tagged.status);
    cr_expect_eq(plain.out_len, tagged.out_len, "%s stdout length %zu vs %zu", argv[0],
                 plain.out_len, tagged.out_len);
    cr_expect(memcmp(plain.out, tagged.out, plain.out_len < tagged.out_len ? plain.out_len
                                                                           : tagged.out_len) == 0,
              "%s stdout differs", argv[0]);
    cr_expect_str_eq(tagged.err, plain.err, "%s stderr differs", argv[0]);
    cr_assert_gt(plain.out_len, 0, "%s printed nothing", argv[0]);
    run_free(&plain);
    run_free(&tagged);
}

static void same_with_and_without(const char *const argv[], const char *input)
{
    for (size_t i = 0; i < sizeof flag_sets / sizeof flag_sets[0]; i++)
        same_with_flags(argv, flag_sets[i], input);
}

static int have(const char *prog)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "command -v %s >/dev/null 2>&1", prog);
    return system(cmd) == 0;
}

TestSuite(real, .timeout = 120);

/* sh -c script, compared with and without the shim; then its scratch dir goes. */
static void same_in_shell(const char *script, const char *dir)
{
    const char *argv[] = { "sh", "-c", script, NULL };
    same_with_and_without(argv, NULL);
    char rm[1100];
    snprintf(rm, sizeof rm, "rm -rf %s", dir);
    cr_assert_eq(system(rm), 0);
}

Test(real, python3)
{
    cr_assert(have("python3"));
    const char *argv[] = {
        "python3", "-c",
        "import json, collections, re\n"
        "d = {str(i): [i] * (i % 7) for i in range(20000)}\n"
        "c = collections.Counter(re.findall(r'\\w+', json.dumps(d)))\n"
        "print(len(d), sum(c.values()), c.most_common(3))\n",
        NULL };
    same_with_and_without(argv, NULL);
}

Test(real, sqlite3)
{
    cr_assert(have("sqlite3"));
    const char *argv[] = { "sqlite3", ":memory:", NULL };
    same_with_and_without(argv,
                          "create table t(a integer, b text);\n"
                          "with recursive n(i) as (select 1 union all select i+1 from n where i<20000)\n"
                          "insert into t select i, printf('k%06d', (i * 7919) % 20011) from n;\n"
                          "create index ti on t(b);\n"
                          "select count(*), sum(a), max(b) from t;\n"
                          "select b from t where a % 5000 = 0 order by b;\n");
    same_with_and_without(argv, "select 1;\n"
                          "with recursive n(i) as (select 1 union all select i+1 from n where i<5000)\n"
                          "select count(*), sum(i), max(printf('k%06d', i)) from n;\n");
}

Test(real, sort)
{
    char input[200000];
    size_t n = 0;
    for (int i = 0; i < 20000 && n + 16 < sizeof input; i++)
        n += (size_t)snprintf(input + n, sizeof input - n, "%d\n", (i * 7919) % 10007);
    const char *argv[] = { "sort", "-n", "--parallel=2", "-S", "1M", NULL };
    same_with_and_without(argv, input);
}

Test(real, perl)
{
    const char *argv[] = { "perl", "-e",
                           "my %h; $h{$_ % 1000} .= 'x' x ($_ % 13) for 1..50000;"
                           "print join(',', map { length $h{$_} } sort { $a <=> $b } keys %h), \"\\n\";",
                           NULL };
    same_with_and_without(argv, NULL);
}

Test(real, git)
{
    cr_assert(have("git"));
    char dir[] = "/tmp/heaptag-git-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char script[1024];
    snprintf(script, sizeof script,
             "set -e; cd %s; rm -rf r; git init -q r; cd r; "
             "export GIT_COMMITTER_DATE=2000-01-01T00:00:00 GIT_AUTHOR_DATE=2000-01-01T00:00:00; "
             "git -c user.name=t -c user.email=t@t commit -q --allow-empty -m one; "
             "for i in 1 2 3; do echo $i > f$i; git add f$i; done; "
             "git -c user.name=t -c user.email=t@t commit -q -m two; "
             "git log --format='%%H %%s'; git ls-files; git cat-file -p HEAD^{tree}",
             dir);
    same_in_shell(script, dir);
}

Test(real, bash_pipeline_fork_exec)
{
    const char *argv[] = { "bash", "-c",
                           "for i in $(seq 1 40); do echo $((i * i)); done | sort -n | "
                           "(read a; echo first $a; cat) | tr 0-9 a-j | tail -n 5; "
                           "x=$(echo sub | sed s/sub/shell/); echo $x; exit 7",
                           NULL };
    same_with_and_without(argv, NULL);
}

Test(real, cxx_program)
{
    const char *argv[] = { build_path("tests/progs/cxx_containers"), NULL };
    same_with_and_without(argv, NULL);
}

/* Over another allocator: jemalloc preloaded after the shim exports its own
 * operator new and delete; a C++ program must run as it does on jemalloc
 * alone (a delete that reached jemalloc with the shim's block crashed it). */
#define JEMALLOC "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2"
Test(real, cxx_program_over_jemalloc)
{
    if (access(JEMALLOC, R_OK) != 0)
        cr_skip_test("libjemalloc2 is not installed");
    char shim[4096], alone[128], both[4200], cwd[2048];
    cr_assert_not_null(getcwd(cwd, sizeof cwd));
    const char *lib = build_path("libheaptag.so");
    snprintf(shim, sizeof shim, "%s%s%s", lib[0] == '/' ? "" : cwd, lib[0] == '/' ? "" : "/", lib);
    snprintf(alone, sizeof alone, "LD_PRELOAD=%s", JEMALLOC);
    snprintf(both, sizeof both, "LD_PRELOAD=%s:%s", shim, JEMALLOC);
    const char *argv[] = { build_path("tests/progs/cxx_containers"), NULL };
    for (size_t i = 0; i < sizeof flag_sets / sizeof flag_sets[0]; i++) {
        char flagenv[128];
        snprintf(flagenv, sizeof flagenv, "HEAPTAG_FLAGS=%s", flag_sets[i]);
        const char *env_alone[] = { alone, "LC_ALL=C", NULL };
        const char *env_both[] = { both, "LC_ALL=C", "HEAPTAG_KEEP=0", flagenv, NULL };
        struct run_result a, b;
        cr_assert_eq(run_cmd(argv, env_alone, 0, NULL, &a), 0);
        cr_assert_eq(run_cmd(argv, env_both, 0, NULL, &b), 0);
        cr_expect_eq(a.status, b.status, "%s: status %d on jemalloc, %d under the shim",
                     flag_sets[i], a.status, b.status);
        cr_expect(a.out_len == b.out_len && memcmp(a.out, b.out, a.out_len) == 0,
                  "%s: stdout differs", flag_sets[i]);
        cr_expect_str_eq(b.err, a.err, "%s: stderr differs", flag_sets[i]);
        run_free(&a);
        run_free(&b);
    }
}

Test(real, xz_two_threads)
{
    cr_assert(have("xz"));
    const char *argv[] = { "sh", "-c",
                           "seq 1 300000 | xz -T2 --block-size=256KiB -3 -c | sha256sum; "
                           "seq 1 300000 | xz -T2 --block-size=256KiB -3 -c | xz -T2 -dc | tail -n 1",
                           NULL };
    same_with_and_without(argv, NULL);
}

Test(real, tclsh)
{
    cr_assert(have("tclsh"));
    const char *argv[] = { "tclsh", NULL };
    same_with_and_without(argv,
                          "set d [dict create]\n"
                          "for {set i 0} {$i < 20000} {incr i} { dict lappend d [expr {$i % 101}] $i }\n"
                          "puts [dict size $d]\n"
                          "puts [lrange [lsort -integer -decreasing [dict keys $d]] 0 3]\n"
                          "puts [exec sh -c {echo child}]\n"
                          "exit 4\n");
}

Test(real, gxx_compiles)
{
    cr_assert(have("g++"));
    char dir[] = "/tmp/heaptag-gxx-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char src[1100], script[1024];
    snprintf(src, sizeof src, "%s/t.cpp", dir);
    FILE *f = fopen(src, "w");
    cr_assert_not_null(f);
    fputs("#include <iostream>\n#include <map>\n#include <string>\n"
          "int main() {\n  std::map<std::string, int> m;\n"
          "  for (int i = 0; i < 100; i++) m[std::to_string(i % 7)] += i;\n"
          "  for (auto &kv : m) std::cout << kv.first << ' ' << kv.second << std::endl;\n"
          "  return 6;\n}\n", f);
    cr_assert_eq(fclose(f), 0);
    /* the same output path both times, so the object files compare */
    snprintf(script, sizeof script,
             "cd %s && g++ -O1 -c t.cpp -o t.o && g++ -o t t.o && sha256sum t.o && ./t", dir);
    same_in_shell(script, dir);
}

Test(real, cxx_operator_new_edges)
{
    const char *argv[] = { build_path("tests/progs/cxx_newfail"), NULL };
    same_with_and_without(argv, NULL);
}
