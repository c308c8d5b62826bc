/* SPDX-License-Identifier: MIT
 * test_http_server.c - the HTTP server's pure parts: finding the end of a
 * request head, parsing the request line into a path or an error status, and
 * telling loopback addresses from others.
 */
#include <criterion/criterion.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "prom/http_server.h"

static int parse(const char *req, char *path, int *head)
{
    return http_parse_head(req, strlen(req), path, 64, head);
}

Test(http, head_end)
{
    const char *a = "GET / HTTP/1.1\r\nHost: x\r\n\r\nextra";
    cr_assert_eq(http_head_end(a, strlen(a)), strlen(a) - 5);
    const char *b = "GET / HTTP/1.0\n\n";
    cr_assert_eq(http_head_end(b, strlen(b)), strlen(b));
    const char *c = "GET / HTTP/1.1\r\nHost: x\r\n";
    cr_assert_eq(http_head_end(c, strlen(c)), 0);
}

Test(http, parse_good_requests)
{
    char path[64];
    int head = -1;
    cr_assert_eq(parse("GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n", path, &head), 0);
    cr_assert_str_eq(path, "/metrics");
    cr_assert_eq(head, 0);
    cr_assert_eq(parse("HEAD /metrics?x=1&y HTTP/1.0\r\n\r\n", path, &head), 0);
    cr_assert_str_eq(path, "/metrics");
    cr_assert_eq(head, 1);
}

Test(http, parse_bad_requests)
{
    char path[64];
    int head;
    cr_assert_eq(parse("POST /metrics HTTP/1.1\r\n\r\n", path, &head), 405);
    cr_assert_eq(parse("DELETE / HTTP/1.1\r\n\r\n", path, &head), 405);
    cr_assert_eq(parse("GET /metrics HTTP/2.0\r\n\r\n", path, &head), 505);
    cr_assert_eq(parse("GET /metrics\r\n\r\n", path, &head), 400);
    cr_assert_eq(parse("GET  /metrics HTTP/1.1\r\n\r\n", path, &head), 400);
    cr_assert_eq(parse("GET metrics HTTP/1.1\r\n\r\n", path, &head), 400);
    cr_assert_eq(parse("GET /metrics FTP/1.1\r\n\r\n", path, &head), 400);
    cr_assert_eq(parse("G(T /metrics HTTP/1.1\r\n\r\n", path, &head), 400);
    cr_assert_eq(parse("GET /me\ttrics HTTP/1.1\r\n\r\n", path, &head), 400);
    cr_assert_eq(parse("\x16\x03\x01\x02\x00\n\n", path, &head), 400, "TLS hello");
    const char nul[] = "GET /metrics HTTP/1.1\r\nX: a\0b\r\n\r\n";
    cr_assert_eq(http_parse_head(nul, sizeof nul - 1, path, sizeof path, &head), 400);
    char longreq[200];
    snprintf(longreq, sizeof longreq, "GET /%0100d HTTP/1.1\r\n\r\n", 0);
    cr_assert_eq(parse(longreq, path, &head), 414);
}

Test(http, loopback)
{
    static const struct {
        int family;
        const char *addr;
        int loopback;
    } cases[] = {
        { AF_INET, "127.0.0.1", 1 },
        { AF_INET, "127.3.2.1", 1 },
        { AF_INET, "0.0.0.0", 0 },
        { AF_INET, "10.0.0.1", 0 },
        { AF_INET6, "::1", 1 },
        { AF_INET6, "::ffff:127.0.0.1", 1 },
        { AF_INET6, "::", 0 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct sockaddr_in v4 = { .sin_family = AF_INET };
        struct sockaddr_in6 v6 = { .sin6_family = AF_INET6 };
        int v6_case = cases[i].family == AF_INET6;
        void *dst = v6_case ? (void *)&v6.sin6_addr : (void *)&v4.sin_addr;
        cr_assert_eq(inet_pton(cases[i].family, cases[i].addr, dst), 1, "%s", cases[i].addr);
        struct sockaddr *sa = v6_case ? (struct sockaddr *)&v6 : (struct sockaddr *)&v4;
        cr_assert_eq(!!http_is_loopback(sa), cases[i].loopback, "%s", cases[i].addr);
    }
}

Test(http, listen_refuses_remote_without_flag)
{
    char bound[96];
    const char *why = NULL;
    cr_assert_eq(http_listen("0.0.0.0:0", 0, bound, sizeof bound, &why), -1);
    cr_assert(strstr(why, "--allow-remote"), "%s", why);
    /* malformed addresses: -2, which serve turns into a usage error */
    cr_assert_eq(http_listen("example.com:80", 0, bound, sizeof bound, &why), -2);
    cr_assert_eq(http_listen("127.0.0.1", 0, bound, sizeof bound, &why), -2);
    cr_assert_eq(http_listen("127.0.0.1:99999", 0, bound, sizeof bound, &why), -2);
    int fd = http_listen("127.0.0.1:0", 0, bound, sizeof bound, &why);
    cr_assert_geq(fd, 0, "%s", why);
    cr_assert_eq(strncmp(bound, "127.0.0.1:", 10), 0, "%s", bound);
    cr_assert_neq(strcmp(bound, "127.0.0.1:0"), 0, "a port was picked: %s", bound);
}
