/* SPDX-License-Identifier: MIT
 * prom/http_client.h - the smallest HTTP/1.1 client that reads Prometheus'
 * query API: GET (and POST, for remote read) over a plain TCP connection (no TLS, no proxy, no
 * redirects), one request per connection, the answer read whole into memory
 * (plain, Content-Length or chunked), bounded in size and time. Trusts
 * nothing it receives; never raises SIGPIPE.
 */
#ifndef HT_HTTP_CLIENT_H
#define HT_HTTP_CLIENT_H

#include <stddef.h>

#define HTTP_CLIENT_MAX_BODY ((size_t)4 << 30) /* 4 GiB: one answer, decoded */
#define HTTP_CLIENT_TIMEOUT_MS 300000         /* with no byte received */

/* A base URL, "http://host:port/prefix" (port 80 when not given). */
struct http_url {
    char host[256];
    char port[8];
    char prefix[512]; /* "" or "/something", no trailing slash */
};

/* Parses url into u. Returns 0, or -1 with *why set. */
int http_url_parse(const char *url, struct http_url *u, const char **why);

/* GETs prefix + target (a path and query, already escaped) from u. Returns 0
 * with the status code in *status and the body (malloc'd, NUL-terminated
 * after len bytes) in *body, or -1 with why (a message of at most wn bytes)
 * when no complete answer came. */
int http_get(const struct http_url *u, const char *target, int *status, char **body,
             size_t *len, char *why, size_t wn);

/* An answer with the headers a POST's caller looks at. */
struct http_answer {
    int status;
    char *body; /* malloc'd, NUL-terminated after len bytes; not decoded */
    size_t len;
    char content_type[128];    /* "" when not said; cut at 127 bytes */
    char content_encoding[32]; /* "" when not said or identity */
};

/* POSTs body[0..bn) to prefix + target on u with the given header lines
 * (each ending "\r\n"; Content-Length is added). Fills *a, or returns -1 with
 * why when no complete answer came. The body is handed out as it came
 * (a Content-Encoding is said, not undone). */
int http_post(const struct http_url *u, const char *target, const char *headers,
              const void *body, size_t bn, struct http_answer *a, char *why, size_t wn);

/* Splits a received answer (head and body, buf[0..n)) into its status and
 * its decoded body (malloc'd, NUL-terminated). Returns 0, or -1 with why.
 * Exposed for the fuzz target. */
int http_parse_answer(const char *buf, size_t n, int *status, char **body, size_t *len,
                      char *why, size_t wn);

/* The same, into *a, leaving any Content-Encoding for the caller. */
int http_parse_answer_full(const char *buf, size_t n, struct http_answer *a, char *why,
                           size_t wn);

/* Appends s to out (cap bytes with its NUL) percent-escaped for a query
 * string. Returns 0, or -1 when it does not fit. */
int http_query_escape(char *out, size_t cap, const char *s);

#endif
