/* SPDX-License-Identifier: MIT
 * test_prometheus.c - heaptag's metrics as Prometheus meets them: the export
 * of a running leaky program checked by promtool and written atomically with
 * -o; a real Prometheus server scraping `heaptag serve` and finding the leak
 * with the query in docs/prometheus.md; and the server surviving garbage, oversized, slow
 * and broken clients. Every process started here is stopped in .fini.
 */
#include <criterion/criterion.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "prom/http_client.h"
#include "serve_util.h"

#define LEAK_BYTES 48 /* leaky forgets one 48-byte name per round */
#define SESS_LIVE  (64 * 512) /* 64 sessions of 512 bytes once 64 rounds have run */

static pid_t leaky_pid, serve_pid, prom_pid, proxy_pid;
static char tmp[64];

static void stop_all(void)
{
    bg_stop(proxy_pid);
    bg_stop(prom_pid);
    bg_stop(serve_pid);
    bg_stop(leaky_pid);
    if (leaky_pid > 0)
        segment_remove(leaky_pid);
    if (tmp[0]) {
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
        if (system(cmd) != 0)
            cr_log_warn("could not remove %s", tmp);
    }
    prom_pid = serve_pid = leaky_pid = proxy_pid = 0;
    tmp[0] = '\0';
}

static void make_tmp(void)
{
    strcpy(tmp, "/tmp/heaptag-prom.XXXXXX");
    cr_assert_not_null(mkdtemp(tmp));
}

static int exit_code(const struct run_result *r)
{
    return WIFEXITED(r->status) ? WEXITSTATUS(r->status) : 128 + WTERMSIG(r->status);
}

/* The value of the first sample line starting with prefix, -1 if none. */
static long long sample(const char *text, const char *prefix)
{
    size_t n = strlen(prefix);
    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
        if (!strncmp(p, prefix, n)) {
            const char *sp = strchr(p + n, ' ');
            return sp ? atoll(sp + 1) : -1;
        }
    return -1;
}

static struct run_result export_pid(pid_t pid, const char *a1, const char *a2)
{
    char pids[32];
    snprintf(pids, sizeof pids, "%d", (int)pid);
    const char *argv[] = { build_path("heaptag"), "export", "--prometheus", "-p", pids, a1, a2,
                           NULL };
    struct run_result r;
    cr_assert_eq(run_cmd(argv, NULL, 0, NULL, &r), 0);
    return r;
}

/* Starts leaky under heaptag run and waits until all its 64 sessions are open. */
static void start_leaky(void)
{
    const char *argv[] = { build_path("heaptag"), "run", "--", build_path("examples/leaky"), "30",
                           "100", NULL };
    leaky_pid = bg_start(argv, NULL, NULL, NULL);
    cr_assert_gt(leaky_pid, 0);
    char want[64];
    snprintf(want, sizeof want, "heaptag_live_bytes{pid=\"%d\",", (int)leaky_pid);
    for (int i = 0; i < 100; i++) {
        struct run_result r = export_pid(leaky_pid, NULL, NULL);
        int ready = strstr(r.out, want) && strstr(r.out, "tag=\"Sess\"} 32768\n");
        run_free(&r);
        if (ready)
            return;
        usleep(100000);
    }
    cr_assert_fail("leaky never showed its 64 sessions");
}

static int promtool_ok(const char *text)
{
    const char *argv[] = { "promtool", "check", "metrics", NULL };
    struct run_result r;
    cr_assert_eq(run_cmd(argv, NULL, 0, text, &r), 0);
    int ok = exit_code(&r) == 0;
    if (!ok)
        cr_log_error("promtool: %s%s", r.out, r.err);
    run_free(&r);
    return ok;
}

TestSuite(prom, .fini = stop_all, .timeout = 60);

Test(prom, export_of_a_running_program)
{
    start_leaky();
    struct run_result r = export_pid(leaky_pid, NULL, NULL);
    cr_assert_eq(exit_code(&r), 0, "%s", r.err);
    char pre[512];
    snprintf(pre, sizeof pre, "heaptag_live_bytes{pid=\"%d\",exe=\"%s\",tag=\"Sess\"}",
             (int)leaky_pid, realpath(build_path("examples/leaky"), NULL));
    cr_assert_eq(sample(r.out, pre), SESS_LIVE, "%s", r.out);
    cr_assert(strstr(r.out, "# TYPE heaptag_allocations_total counter\n"));
    cr_assert(promtool_ok(r.out), "promtool check metrics rejects the export");
    run_free(&r);

    r = export_pid(leaky_pid, "--by", "site");
    cr_assert_eq(exit_code(&r), 0, "%s", r.err);
    cr_assert(strstr(r.out, "tag=\"Sess\",site=\"leaky+0x"), "%s", r.out);
    /* by default a site row is named by its function and file, which a
     * rebuild keeps, and bytes allocated are counted */
    run_free(&r);
    r = export_pid(leaky_pid, NULL, NULL);
    cr_assert(strstr(r.out, ",tag=\"leak_session_names\",function=\"leak_session_names\","
                            "file=\""), "%s", r.out);
    cr_assert(strstr(r.out, "# TYPE heaptag_allocated_bytes_total counter\n"), "%s", r.out);
    cr_assert(strstr(r.out, "# TYPE heaptag_series_dropped gauge\n"), "%s", r.out);
    snprintf(pre, sizeof pre, "heaptag_allocated_bytes_total{pid=\"%d\",exe=\"%s\",tag=\"Sess\"}",
             (int)leaky_pid, realpath(build_path("examples/leaky"), NULL));
    cr_assert_geq(sample(r.out, pre), SESS_LIVE, "%s", r.out);
    cr_assert_eq(sample(r.out, pre) % 512, 0, "%s", r.out);
    cr_assert(promtool_ok(r.out));
    run_free(&r);

    /* a cap of one series: only the biggest row, the other three counted */
    r = export_pid(leaky_pid, "--top", "1");
    snprintf(pre, sizeof pre, "heaptag_series_dropped{pid=\"%d\",", (int)leaky_pid);
    cr_assert_eq(sample(r.out, pre), 3, "%s", r.out);
    int series = 0;
    for (const char *p = r.out; (p = strstr(p, "\nheaptag_live_bytes{")); p++)
        series++;
    cr_assert_eq(series, 1, "%s", r.out);
    run_free(&r);

    /* -o: the file appears whole, with the usual mode, and no temp file stays */
    make_tmp();
    char file[128];
    snprintf(file, sizeof file, "%s/heaptag.prom", tmp);
    umask(022);
    r = export_pid(leaky_pid, "-o", file);
    cr_assert_eq(exit_code(&r), 0, "%s", r.err);
    cr_assert_eq(r.out_len, 0);
    run_free(&r);
    struct stat st;
    cr_assert_eq(stat(file, &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0644);
    FILE *f = fopen(file, "r");
    static char body[1 << 16];
    size_t n = fread(body, 1, sizeof body - 1, f);
    fclose(f);
    body[n] = '\0';
    cr_assert(strstr(body, "tag=\"Sess\"} 32768\n"), "%s", body);
    cr_assert(promtool_ok(body));
    DIR *d = opendir(tmp);
    int entries = 0;
    for (struct dirent *e; (e = readdir(d));)
        entries += e->d_name[0] != '.' || strncmp(e->d_name, ".heaptag.prom.", 14) == 0;
    closedir(d);
    cr_assert_eq(entries, 1, "only heaptag.prom in %s", tmp);
}

Test(prom, export_usage_and_missing_pids)
{
    const char *no_format[] = { build_path("heaptag"), "export", NULL };
    const char *bad_top[] = { build_path("heaptag"), "export", "--prometheus", "--top", "0", NULL };
    const char *bad_by[] = { build_path("heaptag"), "export", "--prometheus", "--by", "x", NULL };
    const char *no_val[] = { build_path("heaptag"), "export", "--prometheus", "-p", NULL };
    const char *bad_addr[] = { build_path("heaptag"), "serve", "--listen", "nowhere", NULL };
    const char *remote[] = { build_path("heaptag"), "serve", "--listen", "0.0.0.0:0", NULL };
    const char *const *usage[] = { no_format, bad_top, bad_by, no_val, bad_addr };
    struct run_result r;
    for (size_t i = 0; i < sizeof usage / sizeof usage[0]; i++) {
        cr_assert_eq(run_cmd(usage[i], NULL, 0, NULL, &r), 0);
        cr_assert_eq(exit_code(&r), 2, "case %zu: %s", i, r.err);
        cr_assert(strstr(r.err, "--help") && !strchr(strchr(r.err, '\n') + 1, '\n'),
                  "one line: %s", r.err);
        run_free(&r);
    }
    cr_assert_eq(run_cmd(remote, NULL, 0, NULL, &r), 0);
    cr_assert_eq(exit_code(&r), 1);
    cr_assert(strstr(r.err, "--allow-remote"), "%s", r.err);
    run_free(&r);

    /* pid 1 is never tagged here: said on stderr, exit 1, a valid exposition anyway */
    r = export_pid(1, NULL, NULL);
    cr_assert_eq(exit_code(&r), 1);
    cr_assert(strstr(r.err, "PID 1 is not tagged"), "%s", r.err);
    cr_assert(strstr(r.out, "\nheaptag_segments_skipped 0\n"), "%s", r.out);
    cr_assert_null(strstr(r.out, "{pid="));
    cr_assert(promtool_ok(r.out));
    run_free(&r);
}

/* heaptag serve -p leaky_pid (its pid, as text, in pid), and a Prometheus
 * server scraping it every second under the job name job, its data in tmp.
 * Returns Prometheus' port; *sport is serve's. */
static int serve_and_scrape(char *pid, size_t cap, const char *job, int *sport)
{
    snprintf(pid, cap, "%d", (int)leaky_pid);
    const char *extra[] = { "-p", pid, NULL };
    serve_pid = serve_start(extra, NULL, sport);
    cr_assert_gt(serve_pid, 0, "heaptag serve did not start");

    make_tmp();
    char cfg[128], data[128], log[128], a_cfg[160], a_data[160], a_listen[64];
    snprintf(cfg, sizeof cfg, "%s/prometheus.yml", tmp);
    snprintf(data, sizeof data, "%s/data", tmp);
    snprintf(log, sizeof log, "%s/prometheus.log", tmp);
    FILE *f = fopen(cfg, "w");
    cr_assert_not_null(f, "%s", cfg);
    fprintf(f, "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
               "scrape_configs:\n  - job_name: %s\n    static_configs:\n"
               "      - targets: ['127.0.0.1:%d']\n", job, *sport);
    fclose(f);
    int pport = free_port();
    snprintf(a_cfg, sizeof a_cfg, "--config.file=%s", cfg);
    snprintf(a_data, sizeof a_data, "--storage.tsdb.path=%s", data);
    snprintf(a_listen, sizeof a_listen, "--web.listen-address=127.0.0.1:%d", pport);
    /* a lookback other than the default: remote read must take the server's */
    const char *argv[] = { "prometheus", a_cfg, a_data, a_listen, "--log.level=warn",
                           "--query.lookback-delta=4m", NULL };
    prom_pid = bg_start(argv, NULL, NULL, log);
    cr_assert_gt(prom_pid, 0);
    return pport;
}

/* Runs an instant query on Prometheus; returns the JSON body or NULL. */
static const char *prom_query(int port, const char *query)
{
    static char resp[1 << 16];
    char enc[2048] = "", req[2400];
    if (http_query_escape(enc, sizeof enc, query) != 0)
        return NULL;
    int n = snprintf(req, sizeof req, "GET /api/v1/query?query=%s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n",
                     enc);
    if (http_raw(port, req, (size_t)n, resp, sizeof resp, 5000) <= 0)
        return NULL;
    const char *body = strstr(resp, "\r\n\r\n");
    return body && strstr(body, "\"status\":\"success\"") ? body + 4 : NULL;
}

/* The string value of "key":"..." in json (no escapes in our values). */
static void json_str(const char *json, const char *key, char *dst, size_t cap)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":\"", key);
    const char *p = strstr(json, pat);
    dst[0] = '\0';
    if (!p)
        return;
    p += strlen(pat);
    size_t len = strcspn(p, "\"");
    snprintf(dst, cap, "%.*s", (int)(len < cap ? len : cap - 1), p);
}

/* The sample value of the first result: "value":[<time>,"<value>"]. */
static long long json_value(const char *json)
{
    const char *p = strstr(json, "\"value\":[");
    p = p ? strstr(p, ",\"") : NULL;
    return p ? atoll(p + 2) : -1;
}

Test(prom, prometheus_scrapes_the_leak)
{
    start_leaky();
    char pid[32];
    int sport = 0, pport = serve_and_scrape(pid, sizeof pid, "heaptag", &sport);

    /* docs/prometheus.md's query for a short look. */
    const char *leak_query =
        "deriv(heaptag_live_bytes[10s]) > 0"
        " and min_over_time(heaptag_live_bytes[5s]) > max_over_time(heaptag_live_bytes[5s] offset 5s)";
    const char *json = NULL;
    for (int i = 0; i < 40; i++) {
        cr_assert(bg_alive(prom_pid), "prometheus exited; see its log (kept only on success)");
        json = prom_query(pport, leak_query);
        if (json && strstr(json, "\"tag\":\"leak_session_names\""))
            break;
        sleep(1);
    }
    cr_assert_not_null(json, "prometheus never answered on port %d", pport);
    /* The leak is flagged; the churn and the steady population never are. The
     * trimmed cache is built to look like a leak over short windows, so on a
     * loaded machine its refill may pass the seconds-long query too. */
    const char *hit = strstr(json, "\"tag\":\"leak_session_names\"");
    cr_assert_not_null(hit, "the untagged leaking site is flagged: %s", json);
    cr_assert_null(strstr(json, "\"tag\":\"Strg\""), "churn is not flagged: %s", json);
    cr_assert_null(strstr(json, "\"tag\":\"Sess\""), "steady sessions are not flagged: %s", json);
    char tag[64], got_pid[32];
    json_str(hit, "tag", tag, sizeof tag);
    json_str(json, "pid", got_pid, sizeof got_pid);
    cr_assert_str_eq(got_pid, pid);
    cr_assert_str_eq(tag, "leak_session_names", "the untagged leaking site, by function: %s", json);

    char live_query[128];
    snprintf(live_query, sizeof live_query, "heaptag_live_bytes{pid=\"%s\",tag=\"%s\"}", pid, tag);
    json = prom_query(pport, live_query);
    cr_assert_not_null(json);
    long long v1 = json_value(json), v2 = v1;
    cr_assert_gt(v1, 0, "%s", json);
    for (int i = 0; i < 50 && v2 == v1; i++) {
        usleep(200000);
        json = prom_query(pport, live_query);
        cr_assert_not_null(json);
        v2 = json_value(json);
    }
    cr_assert_gt(v2, v1, "live bytes of %s grow between scrapes", tag);
    cr_assert_eq(v1 % LEAK_BYTES, 0, "%lld", v1);
    cr_assert_eq(v2 % LEAK_BYTES, 0, "%lld", v2);
    cr_assert(bg_alive(serve_pid));
}

static const char *status_of(const char *resp)
{
    return strncmp(resp, "HTTP/1.1 ", 9) ? "" : resp + 9;
}

Test(prom, serve_survives_garbage)
{
    static char resp[1 << 16], big[20000];
    make_tmp();
    char env_dir[96];
    snprintf(env_dir, sizeof env_dir, "HEAPTAG_SHM_DIR=%s", tmp);
    const char *env[] = { env_dir, NULL };
    int port = 0;
    serve_pid = serve_start(NULL, env, &port);
    cr_assert_gt(serve_pid, 0);

    const char *get = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n";
    cr_assert_gt(http_raw(port, get, strlen(get), resp, sizeof resp, 5000), 0);
    cr_assert_eq(strncmp(status_of(resp), "200 ", 4), 0, "%s", resp);
    cr_assert(strstr(resp, "Content-Type: text/plain; version=0.0.4"), "%s", resp);
    cr_assert(strstr(resp, "\r\n\r\n# HELP heaptag_allocations_total"), "%s", resp);
    cr_assert(strstr(resp, "\nheaptag_segments_skipped 0\n"), "%s", resp);

    struct { const char *req; const char *status; } cases[] = {
        { "POST /metrics HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc", "405 " },
        { "GET /nope HTTP/1.1\r\n\r\n", "404 " },
        { "GET /metrics HTTP/3.0\r\n\r\n", "505 " },
        { "\x16\x03\x01\x02\xa5\x01\x02\x03\xa1\x03\x03\r\n\r\n", "400 " },
        { "GET\r\n\r\n", "400 " },
        { "HEAD /metrics HTTP/1.0\r\n\r\n", "200 " },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        http_raw(port, cases[i].req, strlen(cases[i].req), resp, sizeof resp, 5000);
        cr_assert_eq(strncmp(status_of(resp), cases[i].status, 4), 0, "case %zu: %s", i, resp);
    }
    cr_assert(strstr(resp, "Content-Length: "), "HEAD says the length");
    cr_assert(strstr(resp, "\r\n\r\n")[4] == '\0', "HEAD sends no body");

    /* random bytes, then a blank line: a bad request, answered */
    srand(9);
    for (size_t i = 0; i < 4000; i++)
        big[i] = (char)(rand() % 256);
    memcpy(big + 4000, "\r\n\r\n", 4);
    http_raw(port, big, 4004, resp, sizeof resp, 5000);
    cr_assert_eq(strncmp(status_of(resp), "400 ", 4), 0, "%s", resp);

    /* a header block over the 8 KiB bound */
    memset(big, 'a', sizeof big);
    memcpy(big, "GET /metrics HTTP/1.1\r\nX: ", 26);
    http_raw(port, big, sizeof big, resp, sizeof resp, 5000);
    cr_assert_eq(strncmp(status_of(resp), "413 ", 4), 0, "%s", resp);

    /* clients that go away at once, or reset the connection mid-answer */
    for (int i = 0; i < 20; i++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                                 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        cr_assert_eq(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
        if (i % 2)
            send(fd, get, strlen(get), MSG_NOSIGNAL);
        struct linger lg = { 1, 0 };
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
        close(fd);
    }

    /* slowloris: more half-sent requests than the server has slots */
    int slow[12];
    for (int i = 0; i < 12; i++) {
        struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                                 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        slow[i] = socket(AF_INET, SOCK_STREAM, 0);
        cr_assert_eq(connect(slow[i], (struct sockaddr *)&a, sizeof a), 0);
        send(slow[i], "GET /metrics HTTP/1.1\r\nX-Slow: ", 31, MSG_NOSIGNAL);
    }
    /* the time bound frees the slots: a real request is answered after all */
    cr_assert_gt(http_raw(port, get, strlen(get), resp, sizeof resp, 20000), 0);
    cr_assert_eq(strncmp(status_of(resp), "200 ", 4), 0, "%s", resp);
    /* and the first slow client was told it took too long */
    struct timeval tv = { 10, 0 };
    setsockopt(slow[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    long n = recv(slow[0], resp, sizeof resp - 1, 0);
    cr_assert_gt(n, 0);
    resp[n] = '\0';
    cr_assert_eq(strncmp(status_of(resp), "408 ", 4), 0, "%s", resp);
    for (int i = 0; i < 12; i++)
        close(slow[i]);

    cr_assert(bg_alive(serve_pid), "the server is still running");
    cr_assert_gt(http_raw(port, get, strlen(get), resp, sizeof resp, 5000), 0);
    cr_assert_eq(strncmp(status_of(resp), "200 ", 4), 0, "%s", resp);
}

/* Writes text to tmp/name. */
static void write_file(const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", tmp, name);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "%s", path);
    fputs(text, f);
    cr_assert_eq(fclose(f), 0);
}

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "%s", path);
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

Test(prom, rules_pass_promtool)
{
    /* the example in the tree is what the command prints by default */
    const char *rules[] = { build_path("heaptag"), "rules", NULL };
    struct run_result r;
    cr_assert_eq(run_cmd(rules, NULL, 0, NULL, &r), 0);
    cr_assert_eq(exit_code(&r), 0, "%s", r.err);
    cr_assert_str_eq(r.out, read_all(build_path("../examples/prometheus/heaptag-rules.yml")),
                     "examples/prometheus/heaptag-rules.yml is not `heaptag rules`");
    make_tmp();
    write_file("heaptag-rules.yml", r.out);
    write_file("rules_test.yml", read_all(build_path("../tests/prometheus/rules_test.yml")));
    run_free(&r);

    /* promtool checks the rules; then its unit tests: a leak alerts, a cache
     * and a walk never fire, a growing instance does */
    static const struct {
        const char *cmd, *file, *says;
    } promtool[] = {
        { "check", "heaptag-rules.yml", "SUCCESS: 6 rules found" },
        { "test", "rules_test.yml", "SUCCESS" },
    };
    for (size_t i = 0; i < sizeof promtool / sizeof promtool[0]; i++) {
        char path[256];
        snprintf(path, sizeof path, "%s/%s", tmp, promtool[i].file);
        const char *argv[] = { "promtool", promtool[i].cmd, "rules", path, NULL };
        cr_assert_eq(run_cmd(argv, NULL, 0, NULL, &r), 0);
        cr_assert_eq(exit_code(&r), 0, "%s%s", r.out, r.err);
        cr_assert(strstr(r.out, promtool[i].says), "%s", r.out);
        run_free(&r);
    }

    /* thresholds as options, in the expressions */
    const char *opts[] = { build_path("heaptag"), "rules", "--window", "30m", "--for", "2h",
                           "--row-rate", "1M", "--min-bytes", "64K", NULL };
    cr_assert_eq(run_cmd(opts, NULL, 0, NULL, &r), 0);
    cr_assert_eq(exit_code(&r), 0, "%s", r.err);
    cr_assert(strstr(r.out, "record: row:heaptag_live_bytes:deriv30m\n"), "%s", r.out);
    cr_assert(strstr(r.out, "row:heaptag_live_bytes:deriv30m > 291.271\n"), "%s", r.out);
    cr_assert(strstr(r.out, "max_over_time(heaptag_live_bytes[15m] offset 901s)"), "%s", r.out);
    cr_assert(strstr(r.out, "heaptag_live_bytes > 65536\n        for: 2h\n"), "%s", r.out);
    run_free(&r);
    const char *bad[] = { build_path("heaptag"), "rules", "--window", "soon", NULL };
    cr_assert_eq(run_cmd(bad, NULL, 0, NULL, &r), 0);
    cr_assert_eq(exit_code(&r), 2);
    cr_assert(strstr(r.err, "bad --window 'soon'"), "%s", r.err);
    run_free(&r);
}

/* trend -v --format csv over [since, until] from url, fetched as way. */
static void trend_window(const char *url, const char *since, const char *until, const char *way,
                         const char *match, struct run_result *r)
{
    const char *argv[16] = { build_path("heaptag"), "trend", "--prometheus", url, "--since", since,
                             "--until", until, "--fetch", way, "--format", "csv", "-v",
                             match ? "--match" : NULL, match, NULL };
    cr_assert_eq(run_cmd(argv, NULL, 0, NULL, r), 0);
}

/* A Prometheus without remote read: a proxy that passes GETs to the server
 * on port and refuses every POST (405). Returns its port. */
static int start_proxy(int port)
{
    static const char py[] =
        "import http.server, sys, urllib.request, urllib.error\n"
        "up = 'http://127.0.0.1:' + sys.argv[2]\n"
        "class H(http.server.BaseHTTPRequestHandler):\n"
        "    def do_GET(self):\n"
        "        try:\n"
        "            r = urllib.request.urlopen(up + self.path); code = r.status; body = r.read()\n"
        "        except urllib.error.HTTPError as e:\n"
        "            code = e.code; body = e.read()\n"
        "        self.send_response(code)\n"
        "        self.send_header('Content-Type', 'application/json')\n"
        "        self.send_header('Content-Length', str(len(body)))\n"
        "        self.end_headers(); self.wfile.write(body)\n"
        "    def do_POST(self):\n"
        "        self.rfile.read(int(self.headers.get('Content-Length', '0')))\n"
        "        self.send_error(405)\n"
        "    def log_message(self, *a): pass\n"
        "http.server.HTTPServer(('127.0.0.1', int(sys.argv[1])), H).serve_forever()\n";
    int xport = free_port();
    char a1[16], a2[16];
    snprintf(a1, sizeof a1, "%d", xport);
    snprintf(a2, sizeof a2, "%d", port);
    const char *argv[] = { "python3", "-c", py, a1, a2, NULL };
    proxy_pid = bg_start(argv, NULL, NULL, NULL);
    cr_assert_gt(proxy_pid, 0);
    static const char get[] = "GET /api/v1/status/buildinfo HTTP/1.0\r\n\r\n";
    char resp[4096];
    for (int i = 0; i < 100; i++) {
        if (http_raw(xport, get, sizeof get - 1, resp, sizeof resp, 1000) > 0 &&
            !strncmp(resp, "HTTP/1.0 200 ", 13)) /* Python's server speaks 1.0 */
            return xport;
        usleep(100000);
    }
    cr_assert_fail("the proxy never answered");
    return 0;
}

/* The fleet's nightly job in a minute: Prometheus scrapes serve every second
 * while fleetleak runs; trend reads the series back and names the leak only. */
Test(prom, trend_reads_prometheus, .timeout = 120)
{
    const char *prog[] = { build_path("heaptag"), "run", "--", build_path("tests/progs/fleetleak"),
                           "80", NULL };
    leaky_pid = bg_start(prog, NULL, NULL, NULL);
    cr_assert_gt(leaky_pid, 0);
    char pid[32];
    int sport = 0, pport = serve_and_scrape(pid, sizeof pid, "fleet", &sport);
    sleep(61);
    cr_assert(bg_alive(prom_pid), "prometheus exited");
    cr_assert(bg_alive(leaky_pid), "fleetleak ended before the window did");

    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", pport);
    const char *csv[] = { build_path("heaptag"), "trend", "--prometheus", url, "--since", "60s",
                          "--match", "{job=\"fleet\"}", "--format", "csv", NULL };
    struct run_result r;
    cr_assert_eq(run_cmd(csv, NULL, 0, NULL, &r), 0);
    cr_assert_eq(exit_code(&r), 1, "%s%s", r.out, r.err);
    /* one record: the leak, on this instance and pid */
    const char *rec = strchr(r.out, '\n');
    cr_assert_not_null(rec, "%s", r.out);
    char want[160];
    snprintf(want, sizeof want, "\n1,%s,1,", pid);
    cr_assert_eq(strncmp(rec, want, strlen(want)), 0, "%s", r.out);
    cr_assert(strstr(rec, ",Leak,"), "the leak is named: %s", r.out);
    snprintf(want, sizeof want, ",127.0.0.1:%d\n", sport);
    cr_assert(strstr(rec, want), "the instance is said: %s", r.out);
    cr_assert_null(strchr(rec + 1, '\n')[1] ? strchr(rec + 1, '\n') + 1 : NULL,
                   "only the leak: %s", r.out);
    run_free(&r);

    /* the table and its verdict; a selector that matches nothing is an error */
    const char *table[] = { build_path("heaptag"), "trend", "--prometheus", url, "--since", "60s",
                            "--step", "2s", NULL };
    cr_assert_eq(run_cmd(table, NULL, 0, NULL, &r), 0);
    cr_assert_eq(exit_code(&r), 1, "%s%s", r.out, r.err);
    snprintf(want, sizeof want, "verdict: Leak leaks in pid 127.0.0.1:%d/%s ", sport, pid);
    cr_assert(strstr(r.out, want), "%s", r.out);
    run_free(&r);
    const char *none[] = { build_path("heaptag"), "trend", "--prometheus", url, "--since", "60s",
                           "--match", "{job=\"nothing\"}", NULL };
    cr_assert_eq(run_cmd(none, NULL, 0, NULL, &r), 0);
    cr_assert_eq(exit_code(&r), 2, "%s%s", r.out, r.err);
    cr_assert(strstr(r.err, "no heaptag_live_bytes series"), "%s", r.err);
    run_free(&r);

    /* remote read (the default) and range queries: the same verdicts, byte
     * for byte, over one window already past */
    char since[32], until[32];
    time_t now = time(NULL);
    strftime(since, sizeof since, "%Y-%m-%dT%H:%M:%SZ", gmtime(&(time_t){ now - 60 }));
    strftime(until, sizeof until, "%Y-%m-%dT%H:%M:%SZ", gmtime(&(time_t){ now - 1 }));
    struct run_result read, query;
    trend_window(url, since, until, "read", NULL, &read);
    trend_window(url, since, until, "query", NULL, &query);
    cr_assert_eq(exit_code(&read), 1, "%s%s", read.out, read.err);
    cr_assert_eq(exit_code(&query), 1, "%s%s", query.out, query.err);
    cr_assert(strstr(read.out, ",Leak,"), "%s", read.out);
    cr_assert_str_eq(read.out, query.out);
    cr_assert(strstr(read.err, "trend: POST /api/v1/read"), "%s", read.err);
    cr_assert(strstr(read.err, "queries by remote read, step 1s"), "%s", read.err);
    cr_assert(strstr(read.err, "with a lookback of 240s"), "%s", read.err);
    cr_assert(strstr(query.err, "queries by query_range, step 1s"), "%s", query.err);
    run_free(&read);

    /* auto: remote read when offered */
    struct run_result r2;
    trend_window(url, since, until, "auto", NULL, &r2);
    cr_assert_str_eq(r2.out, query.out);
    cr_assert(strstr(r2.err, "by remote read"), "%s", r2.err);
    run_free(&r2);

    /* a selector that is more than label matchers: range queries, or an
     * error when remote read is asked for */
    const char *esc = "{job=\"\\u0066leet\"}"; /* PromQL's \u escape for 'f' */
    trend_window(url, since, until, "auto", esc, &r2);
    cr_assert_str_eq(r2.out, query.out, "%s", r2.err);
    cr_assert(strstr(r2.err, "not plain label matchers"), "%s", r2.err);
    cr_assert(strstr(r2.err, "by query_range"), "%s", r2.err);
    run_free(&r2);
    trend_window(url, since, until, "read", esc, &r2);
    cr_assert_eq(exit_code(&r2), 2, "%s", r2.err);
    cr_assert(strstr(r2.err, "cannot be sent as remote read's label matchers"), "%s", r2.err);
    run_free(&r2);

    /* a server without remote read (a proxy that refuses POST): range
     * queries, the same verdicts; --fetch read fails with the server's word */
    int xport = start_proxy(pport);
    char xurl[64];
    snprintf(xurl, sizeof xurl, "http://127.0.0.1:%d", xport);
    trend_window(xurl, since, until, "auto", NULL, &r2);
    cr_assert_eq(exit_code(&r2), 1, "%s%s", r2.out, r2.err);
    cr_assert_str_eq(r2.out, query.out, "%s", r2.err);
    cr_assert(strstr(r2.err, "remote read answered HTTP 405"), "%s", r2.err);
    cr_assert(strstr(r2.err, "by query_range"), "%s", r2.err);
    run_free(&r2);
    trend_window(xurl, since, until, "read", NULL, &r2);
    cr_assert_eq(exit_code(&r2), 2, "%s", r2.err);
    cr_assert(strstr(r2.err, "remote read answered HTTP 405"), "%s", r2.err);
    run_free(&r2);
    run_free(&query);
}

/* A backfilled fleet (scripts/prom-scale.sh at a small size): three hosts,
 * one restarting halfway, their planted leaks named and nothing else, the
 * same by remote read as by range queries. */
Test(prom, trend_fleet_backfilled, .timeout = 120)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "cd '%s/..' && HEAPTAG_BUILD='%s' BOTH=1 scripts/prom-scale.sh 3 100 12",
             build_path("."), build_path("."));
    const char *argv[] = { "sh", "-c", cmd, NULL };
    struct run_result r;
    cr_assert_eq(run_cmd(argv, NULL, 0, NULL, &r), 0);
    cr_assert_eq(exit_code(&r), 0, "%s%s", r.out, r.err);
    cr_assert(strstr(r.out, "prom-scale: 2 of 2 planted leaks named, 0 other suspects"), "%s%s",
              r.out, r.err);
    /* read both ways: the same records, the same exit */
    cr_assert(strstr(r.out, "prom-scale: remote read and query_range give the same verdicts "
                            "(exit 1, 2 records)"),
              "%s%s", r.out, r.err);
    cr_assert(strstr(r.err, "queries by remote read"), "%s", r.err);
    cr_assert(strstr(r.err, "queries by query_range"), "%s", r.err);
    run_free(&r);
}

Test(prom, trend_prometheus_usage)
{
    static const char *const cases[][6] = {
        { "--prometheus", "localhost:9090", NULL },
        { "--prometheus", "http://127.0.0.1:1", "--match", "job=x", NULL },
        { "--prometheus", "http://127.0.0.1:1", "--step", "0s", NULL },
        { "--match", "{job=\"x\"}", "some.log", NULL },
        { "--prometheus", "http://127.0.0.1:1", "some.log", NULL },
        { "--prometheus", "http://127.0.0.1:1", "--fetch", "sometimes", NULL },
        { "--fetch", "read", "some.log", NULL },
    };
    static const char *const errs[] = { "bad --prometheus", "bad --match", "bad --step",
                                        "need --prometheus", "do not mix", "bad --fetch 'sometimes'",
                                        "need --prometheus" };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *argv[8] = { build_path("heaptag"), "trend" };
        for (size_t k = 0; cases[i][k]; k++)
            argv[2 + k] = cases[i][k];
        struct run_result r;
        cr_assert_eq(run_cmd(argv, NULL, 0, NULL, &r), 0);
        cr_expect_eq(exit_code(&r), 2, "%zu: %s", i, r.err);
        cr_expect(strstr(r.err, errs[i]), "%zu: %s", i, r.err);
        run_free(&r);
    }
    /* nobody listening: one line, exit 2 */
    const char *argv[] = { build_path("heaptag"), "trend", "--prometheus", "http://127.0.0.1:1",
                           NULL };
    struct run_result r;
    cr_assert_eq(run_cmd(argv, NULL, 0, NULL, &r), 0);
    cr_assert_eq(exit_code(&r), 2, "%s", r.err);
    cr_assert(strstr(r.err, "connect to 127.0.0.1:1"), "%s", r.err);
    run_free(&r);
}
