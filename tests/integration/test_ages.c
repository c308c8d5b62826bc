/* SPDX-License-Identifier: MIT
 * test_ages.c - a cache, a leak and churn told apart on one snapshot by the
 * age of their live bytes. agesprog keeps 2 MB allocated in its first second
 * ("Cache"), leaks 1 KB every 100 ms ("Leak") and holds 4 KB blocks for 50 ms
 * ("Churn"). After 22 s, `mon -n 1 --old 10` in CSV must say: all of the
 * cache's bytes are old, none of the churn's, some but not all of the leak's;
 * the JSON histogram sums to the live bytes; dump prints each row's ages and
 * export the age series; the screen shows Old at 120 columns and not at 80.
 * One test: it waits for ticks of 10 s to pass.
 */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

TestSuite(ages, .timeout = 120);

static void nap_ms(long ms)
{
    struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&t, NULL);
}

/* The CSV field named name of the record of tag (a whole-field match). */
static int csv_field(const char *csv, const char *tag, const char *name, unsigned long long *v)
{
    const char *nl = strchr(csv, '\n');
    if (!nl)
        return -1;
    int col = -1, k = 0;
    for (const char *p = csv; p < nl; k++) {
        const char *e = memchr(p, ',', (size_t)(nl - p));
        if (!e)
            e = nl;
        if ((size_t)(e - p) == strlen(name) && !strncmp(p, name, (size_t)(e - p)))
            col = k;
        p = e + 1;
    }
    if (col < 0)
        return -1;
    char want[64];
    snprintf(want, sizeof want, ",%s,Tag,", tag);
    for (const char *line = nl + 1; *line; line = strchr(line, '\n') + 1) {
        const char *end = strchr(line, '\n');
        if (!end)
            break;
        const char *hit = strstr(line, want);
        if (hit && hit < end) {
            const char *p = line;
            for (int i = 0; i < col; i++)
                p = strchr(p, ',') + 1;
            return sscanf(p, "%llu", v) == 1 ? 0 : -1;
        }
    }
    return -1;
}

static char *tmux_capture(const char *sock)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "tmux -L %s capture-pane -p -t 0", sock);
    FILE *f = popen(cmd, "r");
    cr_assert_not_null(f);
    size_t cap = 1 << 16, len = 0, n;
    char *buf = malloc(cap);
    while ((n = fread(buf + len, 1, cap - len - 1, f)) > 0)
        len += n;
    buf[len] = '\0';
    pclose(f);
    return buf;
}

/* The screen of `mon -p pid` in a width-column pane, once it shows "Cache". */
static char *screen_at(int pid, int width)
{
    char sock[64], cmd[1024];
    snprintf(sock, sizeof sock, "htages%d.%d", (int)getpid(), width);
    snprintf(cmd, sizeof cmd,
             "tmux -L %s new-session -d -x %d -y 30 \"TERM=screen %s mon -p %d -i 0.5; "
             "sleep 30\"", sock, width, build_path("heaptag"), pid);
    cr_assert_eq(system(cmd), 0, "tmux starts");
    char *s = NULL;
    for (int waited = 0; waited < 15000; waited += 200) {
        free(s);
        s = tmux_capture(sock);
        if (strstr(s, "Cache"))
            break;
        nap_ms(200);
    }
    snprintf(cmd, sizeof cmd, "tmux -L %s kill-server 2>/dev/null", sock);
    (void)system(cmd);
    return s;
}

Test(ages, cache_leak_and_churn_on_one_snapshot)
{
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        setenv("LD_PRELOAD", build_path("libheaptag.so"), 1);
        const char *prog = build_path("tests/progs/agesprog");
        execl(prog, prog, "60", (char *)NULL);
        _exit(127);
    }
    nap_ms(22000); /* ticks 0 and 1 are over: tick 0 is at least 12 s old */

    const char *extra[] = { "-n", "1", "--old", "10", "--format", "csv", NULL };
    char *csv = tool_pid_out("mon", (int)pid, extra);
    cr_assert_not_null(csv, "mon ran");
    unsigned long long cb, co, lb, lo, hb, ho, lob, cob;
    cr_assert_eq(csv_field(csv, "Cache", "bytes", &cb), 0, "%s", csv);
    cr_assert_eq(csv_field(csv, "Cache", "old_bytes", &co), 0, "%s", csv);
    cr_assert_eq(csv_field(csv, "Cache", "old_blocks", &cob), 0, "%s", csv);
    cr_assert_eq(csv_field(csv, "Leak", "bytes", &lb), 0, "%s", csv);
    cr_assert_eq(csv_field(csv, "Leak", "old_bytes", &lo), 0, "%s", csv);
    cr_assert_eq(csv_field(csv, "Leak", "old_blocks", &lob), 0, "%s", csv);
    cr_assert_eq(csv_field(csv, "Churn", "bytes", &hb), 0, "%s", csv);
    cr_assert_eq(csv_field(csv, "Churn", "old_bytes", &ho), 0, "%s", csv);
    cr_assert_eq(cb, 2u << 20);
    cr_assert_eq(co, cb, "the cache's bytes are all old:\n%s", csv);
    cr_assert_eq(cob, 512);
    cr_assert_eq(ho, 0, "churn holds nothing old:\n%s", csv);
    cr_assert(lo > 0 && lo < lb, "some of the leak is old, not all:\n%s", csv);
    cr_assert_eq(lo, lob * 1024, "old leak bytes are whole blocks");
    free(csv);

    /* the JSON histogram: every class of a row sums to its live bytes */
    const char *jx[] = { "-n", "1", "--format", "json", NULL };
    char *json = tool_pid_out("mon", (int)pid, jx);
    cr_assert_not_null(json);
    for (char *line = json; *line;) {
        char *end = strchr(line, '\n');
        if (!end)
            break;
        *end = '\0';
        unsigned long long bytes = 0;
        char *b = strstr(line, "\"bytes\":");
        char *a = strstr(line, "\"ages\":{");
        cr_assert(b && a, "%s", line);
        sscanf(b, "\"bytes\":%llu", &bytes);
        long long sum = 0;
        for (char *p = a; (p = strstr(p, "{\"bytes\":")) != NULL; p++) {
            long long v;
            sscanf(p, "{\"bytes\":%lld", &v);
            cr_assert_geq(v, 0, "%s", line);
            sum += v;
        }
        cr_assert_eq(sum, (long long)bytes, "classes sum to the live bytes: %s", line);
        line = end + 1;
    }
    free(json);

    /* dump: an ages line under each row */
    char *dump = tool_pid_out("dump", (int)pid, NULL);
    cr_assert_not_null(dump);
    cr_assert(strstr(dump, "  ages 10s="), "%s", dump);
    cr_assert(strstr(dump, " 1m=2097152/512 "), "the cache is 10 s to 1 min old:\n%s", dump);
    free(dump);

    /* export: the age series, one per class */
    const char *px[] = { "--prometheus", NULL };
    char *prom = tool_pid_out("export", (int)pid, px);
    cr_assert_not_null(prom);
    char want[256];
    snprintf(want, sizeof want, "heaptag_live_bytes_by_age{pid=\"%d\",exe=", (int)pid);
    cr_assert(strstr(prom, want), "%s", prom);
    cr_assert(strstr(prom, "tag=\"Cache\",age=\"1m\"} 2097152\n"), "%s", prom);
    cr_assert(strstr(prom, "tag=\"Churn\",age=\"older\"} 0\n"), "%s", prom);
    free(prom);

    /* the screen: Old where there is room, not at 80 columns */
    char *wide = screen_at((int)pid, 120);
    cr_assert(strstr(wide, " Old") && strstr(wide, "Old: 10m+"), "%s", wide);
    free(wide);
    char *narrow = screen_at((int)pid, 80);
    cr_assert(strstr(narrow, "Cache") && !strstr(narrow, " Old "), "%s", narrow);
    free(narrow);

    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    segment_remove((int)pid);

    /* a kept segment, compacted at exit: the ages stay exact (the leak's
     * 1 KB blocks are all that is left) */
    pid_t k = start_tagged("tests/progs/agesprog", (const char *const[]){ "1", NULL }, -1);
    cr_assert_geq(k, 0);
    int st;
    cr_assert_eq(waitpid(k, &st, 0), k);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    dump = tool_pid_out("dump", (int)k, NULL);
    cr_assert_not_null(dump);
    const char *row = strstr(dump, "label=Leak");
    cr_assert_not_null(row, "%s", dump);
    const char *ages = strstr(row, "  ages 10s=");
    cr_assert_not_null(ages, "%s", dump);
    long long b10, n10;
    cr_assert_eq(sscanf(ages, "  ages 10s=%lld/%lld", &b10, &n10), 2, "%s", ages);
    cr_assert(b10 == 10 * 1024 && n10 == 10, "a second of leak, all young:\n%s", dump);
    free(dump);
    segment_remove((int)k);
}
