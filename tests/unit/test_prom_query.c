/* SPDX-License-Identifier: MIT
 * test_prom_query.c - the readers of what a Prometheus server answers: the
 * HTTP answer (Content-Length, chunked, cut or foreign), the JSON of a range
 * query, label values and targets, durations, URLs and query escaping.
 */
#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

#include "prom/http_client.h"
#include "prom/query_json.h"

struct got {
    int series;
    char labels[512];
    double t[8], v[8];
    size_t n;
};

static int take(void *arg, const struct promq_series *s)
{
    struct got *g = arg;
    g->series++;
    for (size_t i = 0; i < s->n_labels; i++) {
        strcat(g->labels, s->labels[i].name);
        strcat(g->labels, "=");
        strcat(g->labels, s->labels[i].value);
        strcat(g->labels, ";");
    }
    for (size_t i = 0; i < s->n && g->n < 8; i++) {
        g->t[g->n] = s->t[i];
        g->v[g->n++] = s->v[i];
    }
    return 0;
}

/* What take() gathered from an answer that must parse. */
static struct got parsed(const char *json)
{
    struct got g = { 0 };
    char why[128] = "";
    cr_assert_eq(promq_parse_matrix(json, strlen(json), take, &g, why, sizeof why), 0, "%s", why);
    return g;
}

Test(prom_query, matrix)
{
    const char *j = "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":["
                    "{\"metric\":{\"__name__\":\"heaptag_live_bytes\",\"tag\":\"caf\\u00e9 \\\"x\\\"\"},"
                    "\"values\":[[1700000000,\"100\"],[1700000060.5,\"NaN\"],[1700000120,\"1e3\"]]},"
                    "{\"values\":[],\"metric\":{}}]}}";
    struct got g = parsed(j);
    cr_assert_eq(g.series, 2);
    cr_assert_str_eq(g.labels, "__name__=heaptag_live_bytes;tag=caf\xc3\xa9 \"x\";");
    cr_assert_eq(g.n, 2, "NaN is left out");
    cr_assert_eq(g.t[1], 1700000120);
    cr_assert_eq(g.v[0], 100);
    cr_assert_eq(g.v[1], 1000);
}

/* Points as Prometheus writes them take a short path; every other spelling
 * the general one: both must read the same values, strtod's to the bit. */
Test(prom_query, point_spellings)
{
    const char *j = "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":["
                    "{\"metric\":{},\"values\":[[1733390000.123,\"123456789012345\"],"
                    "[ 1733390060 , \"0.1\" ],[1733390120,\"1234567890123456\"],"
                    "[1733390180.5,\"007\"],[1733390240,\"2.5e3\"],[1733390300,\"-3\"],"
                    "[1733390360,\"\\u0039\"],[1733390420,\"+Inf\"],[1733390480,\"0.30000000000000004\"]]}]}}";
    struct got g = parsed(j);
    cr_assert_eq(g.n, 8, "+Inf is left out");
    cr_assert_eq(g.t[0], strtod("1733390000.123", NULL));
    cr_assert_eq(g.v[0], 123456789012345.0);
    cr_assert_eq(g.t[1], 1733390060);
    cr_assert_eq(g.v[1], strtod("0.1", NULL));
    cr_assert_eq(g.v[2], strtod("1234567890123456", NULL));
    cr_assert_eq(g.t[3], 1733390180.5);
    cr_assert_eq(g.v[3], 7);
    cr_assert_eq(g.v[4], 2500);
    cr_assert_eq(g.v[5], -3);
    cr_assert_eq(g.v[6], 9);
    cr_assert_eq(g.v[7], strtod("0.30000000000000004", NULL));
    const char *cut = "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":["
                      "{\"metric\":{},\"values\":[[1733390000,\"12";
    char why[128] = "";
    cr_assert_neq(promq_parse_matrix(cut, strlen(cut), take, &g, why, sizeof why), 0);
}

Test(prom_query, errors_and_garbage)
{
    struct got g = { 0 };
    char why[256];
    const char *e = "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"query processing "
                    "would load too many samples into memory\"}";
    cr_assert_eq(promq_parse_matrix(e, strlen(e), take, &g, why, sizeof why), -1);
    cr_assert_str_eq(why, "bad_data: query processing would load too many samples into memory");
    const char *vec = "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[]}}";
    cr_assert_eq(promq_parse_matrix(vec, strlen(vec), take, &g, why, sizeof why), -1);
    cr_assert_str_eq(why, "the answer is not a matrix");
    static const char *const bad[] = {
        "", "{", "[]", "{\"status\":\"success\"}", "{\"status\":\"success\",\"data\":{}} x",
        "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[{\"values\":[[1]]}]}}",
        "{\"status\":\"succ\\ud800ess\"}", "{\"status\":\"a\x01\"}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_expect_eq(promq_parse_matrix(bad[i], strlen(bad[i]), take, &g, why, sizeof why), -1,
                     "%zu", i);
    /* nesting is bounded */
    char deep[400];
    strcpy(deep, "{\"status\":\"success\",\"x\":");
    for (int i = 0; i < 100; i++)
        strcat(deep, "[");
    cr_assert_eq(promq_parse_matrix(deep, strlen(deep), take, &g, why, sizeof why), -1);
    cr_assert(strstr(why, "nested too deep"), "%s", why);
}

static int count_str(void *arg, const char *s)
{
    strcat(arg, s);
    strcat(arg, ",");
    return 0;
}

Test(prom_query, strings_targets_durations)
{
    char out[128] = "", why[128];
    const char *j = "{\"status\":\"success\",\"data\":[\"a:9464\",\"b\\/c\"]}";
    cr_assert_eq(promq_parse_strings(j, strlen(j), count_str, out, why, sizeof why), 0, "%s", why);
    cr_assert_str_eq(out, "a:9464,b/c,");
    double iv;
    const char *t = "{\"status\":\"success\",\"data\":{\"activeTargets\":[{\"scrapeInterval\":"
                    "\"1m30s\",\"labels\":{}},{\"scrapeInterval\":\"15s\"}],\"droppedTargets\":[]}}";
    cr_assert_eq(promq_parse_interval(t, strlen(t), &iv, why, sizeof why), 0, "%s", why);
    cr_assert_eq(iv, 15);
    cr_assert_eq(promq_duration("1m30s"), 90);
    cr_assert_eq(promq_duration("500ms"), 0.5);
    cr_assert_eq(promq_duration("2h"), 7200);
    cr_assert_eq(promq_duration("1x"), -1);
    cr_assert_eq(promq_duration(""), -1);
}

Test(prom_query, http_answers)
{
    int st;
    char *body, why[128];
    size_t len;
    const char *cl = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello trailing";
    cr_assert_eq(http_parse_answer(cl, strlen(cl), &st, &body, &len, why, sizeof why), 0, "%s", why);
    cr_assert_eq(st, 200);
    cr_assert_eq(len, 5);
    cr_assert_str_eq(body, "hello");
    free(body);
    const char *ch = "HTTP/1.1 422 Unprocessable\r\ntransfer-encoding: chunked\r\n\r\n"
                     "3\r\nabc\r\n2;ext=1\r\nde\r\n0\r\n\r\n";
    cr_assert_eq(http_parse_answer(ch, strlen(ch), &st, &body, &len, why, sizeof why), 0, "%s", why);
    cr_assert_eq(st, 422);
    cr_assert_str_eq(body, "abcde");
    free(body);
    static const char *const bad[] = {
        "SSH-2.0-OpenSSH\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nshort",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nff\r\nabc",
        "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n\r\nxx",
        "HTTP/1.1 200 OK\r\nContent-Length: 5",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_expect_eq(http_parse_answer(bad[i], strlen(bad[i]), &st, &body, &len, why, sizeof why),
                     -1, "%zu", i);
}

Test(prom_query, urls_and_escaping)
{
    struct http_url u;
    const char *why;
    cr_assert_eq(http_url_parse("http://prom.example:9090/prefix/", &u, &why), 0);
    cr_assert_str_eq(u.host, "prom.example");
    cr_assert_str_eq(u.port, "9090");
    cr_assert_str_eq(u.prefix, "/prefix");
    cr_assert_eq(http_url_parse("http://[::1]:9090", &u, &why), 0);
    cr_assert_str_eq(u.host, "::1");
    cr_assert_eq(http_url_parse("http://h", &u, &why), 0);
    cr_assert_str_eq(u.port, "80");
    cr_assert_eq(http_url_parse("https://h", &u, &why), -1);
    cr_assert_str_eq(why, "https is not supported");
    cr_assert_eq(http_url_parse("http://h:99999", &u, &why), -1);
    cr_assert_eq(http_url_parse("http://h/?q=1", &u, &why), -1);
    char q[64] = "q=";
    cr_assert_eq(http_query_escape(q, sizeof q, "a{b=\"c d\"}"), 0);
    cr_assert_str_eq(q, "q=a%7Bb%3D%22c%20d%22%7D");
    char small[8] = "";
    cr_assert_eq(http_query_escape(small, sizeof small, "{{{{"), -1);
}
