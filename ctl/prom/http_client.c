/* SPDX-License-Identifier: MIT
 * prom/http_client.c - GET with "Connection: close": the answer is whatever
 * arrives until the server closes, then parsed as a whole (status line,
 * headers, then a body framed by Content-Length, chunked, or the close).
 */
#include "prom/http_client.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util/why.h"

int http_url_parse(const char *url, struct http_url *u, const char **why)
{
    memset(u, 0, sizeof *u);
    if (strncmp(url, "http://", 7) != 0) {
        *why = strncmp(url, "https://", 8) ? "not an http:// URL" : "https is not supported";
        return -1;
    }
    const char *h = url + 7, *end = h + strcspn(h, "/?#");
    const char *host_end, *port = NULL;
    if (*h == '[') { /* [::1]:9090 */
        const char *rb = memchr(h, ']', (size_t)(end - h));
        if (!rb) {
            *why = "bad IPv6 address";
            return -1;
        }
        h++;
        host_end = rb;
        if (rb + 1 < end && rb[1] == ':')
            port = rb + 2;
        else if (rb + 1 != end) {
            *why = "bad host";
            return -1;
        }
    } else {
        const char *colon = memchr(h, ':', (size_t)(end - h));
        host_end = colon ? colon : end;
        port = colon ? colon + 1 : NULL;
    }
    size_t hl = (size_t)(host_end - h);
    if (hl == 0 || hl >= sizeof u->host) {
        *why = "bad host";
        return -1;
    }
    memcpy(u->host, h, hl);
    for (size_t i = 0; i < hl; i++)
        if ((unsigned char)h[i] <= ' ' || h[i] == '@') {
            *why = "bad host";
            return -1;
        }
    if (port) {
        size_t pl = (size_t)(end - port);
        if (pl == 0 || pl >= sizeof u->port || strspn(port, "0123456789") < pl ||
            atoi(port) < 1 || atoi(port) > 65535) {
            *why = "bad port";
            return -1;
        }
        memcpy(u->port, port, pl);
    } else {
        strcpy(u->port, "80");
    }
    if (*end == '/') {
        size_t pl = strcspn(end, "?#");
        while (pl > 0 && end[pl - 1] == '/')
            pl--;
        if (pl >= sizeof u->prefix) {
            *why = "path too long";
            return -1;
        }
        memcpy(u->prefix, end, pl);
        for (size_t i = 0; i < pl; i++)
            if ((unsigned char)end[i] <= ' ' || (unsigned char)end[i] >= 0x7f) {
                *why = "bad path";
                return -1;
            }
    }
    if (*end == '?' || strchr(end, '?')) {
        *why = "a query in the base URL";
        return -1;
    }
    return 0;
}

int http_query_escape(char *out, size_t cap, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = strlen(out);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        int plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.' || c == '~';
        if (o + (plain ? 1 : 3) >= cap)
            return -1;
        if (plain) {
            out[o++] = (char)c;
        } else {
            out[o++] = '%';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
        }
    }
    out[o] = '\0';
    return 0;
}

static int connect_to(const struct http_url *u, char *why, size_t wn)
{
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *res, *a;
    int rc = getaddrinfo(u->host, u->port, &hints, &res);
    if (rc != 0)
        return why_fail(why, wn, "%s: %s", u->host, gai_strerror(rc));
    int fd = -1, e = 0;
    for (a = res; a && fd < 0; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0) {
            e = errno;
            continue;
        }
        if (connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
            e = errno;
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    if (fd < 0)
        return why_fail(why, wn, "connect to %s:%s: %s", u->host, u->port, strerror(e));
    return fd;
}

static int wait_fd(int fd, short ev)
{
    struct pollfd p = { .fd = fd, .events = ev };
    int rc;
    do
        rc = poll(&p, 1, HTTP_CLIENT_TIMEOUT_MS);
    while (rc < 0 && errno == EINTR);
    return rc > 0 ? 0 : -1;
}

/* Sends req[0..n) on a new connection to u and reads whatever comes back
 * until the server closes, into a malloc'd *buf of *got bytes. */
static int exchange(const struct http_url *u, const char *req, size_t n, char **out, size_t *got_out,
                    char *why, size_t wn)
{
    int fd = connect_to(u, why, wn);
    if (fd < 0)
        return -1;
    size_t sent = 0;
    while (sent < n) {
        if (wait_fd(fd, POLLOUT) != 0) {
            close(fd);
            return why_fail(why, wn, "%s:%s: timed out sending", u->host, u->port);
        }
        ssize_t w = send(fd, req + sent, n - sent, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            int e = errno;
            close(fd);
            return why_fail(why, wn, "%s:%s: send: %s", u->host, u->port, strerror(e));
        }
        sent += (size_t)w;
    }
    /* wake for 128 KiB at a time, or the close: a streamed answer comes in
     * many small writes, and a wakeup for each costs more than reading it */
    int lowat = 128 << 10;
    setsockopt(fd, SOL_SOCKET, SO_RCVLOWAT, &lowat, sizeof lowat);
    size_t cap = 1 << 16, got = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (!buf) {
            close(fd);
            return why_fail(why, wn, "out of memory");
        }
        if (got == cap) {
            if (cap >= HTTP_CLIENT_MAX_BODY) {
                free(buf);
                close(fd);
                return why_fail(why, wn, "answer larger than %zu bytes", HTTP_CLIENT_MAX_BODY);
            }
            cap *= 2;
            char *nb = realloc(buf, cap);
            if (!nb)
                free(buf);
            buf = nb;
            continue;
        }
        if (wait_fd(fd, POLLIN) != 0) {
            free(buf);
            close(fd);
            return why_fail(why, wn, "%s:%s: no answer in %d s", u->host, u->port,
                        HTTP_CLIENT_TIMEOUT_MS / 1000);
        }
        ssize_t r = recv(fd, buf + got, cap - got, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            free(buf);
            close(fd);
            return why_fail(why, wn, "%s:%s: recv: %s", u->host, u->port, strerror(e));
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    *out = buf;
    *got_out = got;
    return 0;
}

int http_get(const struct http_url *u, const char *target, int *status, char **body,
             size_t *len, char *why, size_t wn)
{
    *body = NULL;
    *len = 0;
    size_t rn = strlen(u->prefix) + strlen(target) + strlen(u->host) + 128;
    char *req = malloc(rn);
    if (!req)
        return why_fail(why, wn, "out of memory");
    int n = snprintf(req, rn,
                     "GET %s%s HTTP/1.1\r\nHost: %s:%s\r\nUser-Agent: heaptag\r\n"
                     "Accept: application/json\r\nConnection: close\r\n\r\n",
                     u->prefix, target, u->host, u->port);
    char *buf;
    size_t got;
    int rc = exchange(u, req, (size_t)n, &buf, &got, why, wn);
    free(req);
    if (rc != 0)
        return -1;
    rc = http_parse_answer(buf, got, status, body, len, why, wn);
    free(buf);
    return rc;
}

int http_post(const struct http_url *u, const char *target, const char *headers,
              const void *body, size_t bn, struct http_answer *a, char *why, size_t wn)
{
    memset(a, 0, sizeof *a);
    size_t rn = strlen(u->prefix) + strlen(target) + strlen(u->host) + strlen(headers) + 160;
    char *req = malloc(rn + bn);
    if (!req)
        return why_fail(why, wn, "out of memory");
    int n = snprintf(req, rn,
                     "POST %s%s HTTP/1.1\r\nHost: %s:%s\r\nUser-Agent: heaptag\r\n%s"
                     "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                     u->prefix, target, u->host, u->port, headers, bn);
    memcpy(req + n, body, bn);
    char *buf;
    size_t got;
    int rc = exchange(u, req, (size_t)n + bn, &buf, &got, why, wn);
    free(req);
    if (rc != 0)
        return -1;
    rc = http_parse_answer_full(buf, got, a, why, wn);
    free(buf);
    return rc;
}

/* The value of header name in head[0..n) (lines ending "\r\n"), or NULL;
 * *vl its length, surrounding blanks trimmed. */
static const char *header(const char *head, size_t n, const char *name, size_t *vl)
{
    size_t nl = strlen(name);
    const char *p = head, *end = head + n;
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        const char *le = eol ? eol : end;
        if ((size_t)(le - p) > nl && p[nl] == ':' && strncasecmp(p, name, nl) == 0) {
            const char *v = p + nl + 1;
            while (v < le && (*v == ' ' || *v == '\t'))
                v++;
            const char *ve = le;
            while (ve > v && (ve[-1] == '\r' || ve[-1] == ' ' || ve[-1] == '\t'))
                ve--;
            *vl = (size_t)(ve - v);
            return v;
        }
        p = le + 1;
    }
    return NULL;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes a chunked body b[0..n) into out (which has room for n bytes). */
static int dechunk(const char *b, size_t n, char *out, size_t *on, char *why, size_t wn)
{
    size_t i = 0, o = 0;
    for (;;) {
        uint64_t size = 0;
        size_t digits = 0;
        while (i < n && hexval(b[i]) >= 0) {
            if (size >> 60)
                return why_fail(why, wn, "chunk size too large");
            size = size * 16 + (uint64_t)hexval(b[i++]);
            digits++;
        }
        if (digits == 0)
            return why_fail(why, wn, "bad chunk size");
        const char *eol = memchr(b + i, '\n', n - i); /* chunk extensions skipped */
        if (!eol)
            return why_fail(why, wn, "cut chunk header");
        i = (size_t)(eol - b) + 1;
        if (size == 0)
            break; /* trailers, if any, are not read */
        if (size > n - i)
            return why_fail(why, wn, "cut chunk");
        memcpy(out + o, b + i, size);
        o += size;
        i += size;
        if (i + 2 <= n && b[i] == '\r' && b[i + 1] == '\n')
            i += 2;
        else if (i < n && b[i] == '\n')
            i++;
        else
            return why_fail(why, wn, "bad chunk end");
    }
    *on = o;
    return 0;
}

/* Copies the value of header name (its first 'cap - 1' bytes) into out, or
 * "" when not there. */
static void header_copy(const char *head, size_t n, const char *name, char *out, size_t cap)
{
    size_t vl;
    const char *v = header(head, n, name, &vl);
    if (!v)
        vl = 0;
    if (vl >= cap)
        vl = cap - 1;
    memcpy(out, v ? v : "", vl);
    out[vl] = '\0';
}

int http_parse_answer_full(const char *buf, size_t n, struct http_answer *a, char *why,
                           size_t wn)
{
    memset(a, 0, sizeof *a);
    if (n < 12 || memcmp(buf, "HTTP/1.", 7) != 0 || buf[8] != ' ')
        return why_fail(why, wn, "not an HTTP answer");
    int st = 0;
    for (int i = 9; i < 12; i++) {
        if (buf[i] < '0' || buf[i] > '9')
            return why_fail(why, wn, "bad HTTP status");
        st = st * 10 + (buf[i] - '0');
    }
    const char *sep = NULL;
    for (size_t i = 0; i + 3 < n; i++)
        if (buf[i] == '\r' && buf[i + 1] == '\n' && buf[i + 2] == '\r' && buf[i + 3] == '\n') {
            sep = buf + i;
            break;
        }
    if (!sep)
        return why_fail(why, wn, "cut HTTP head");
    size_t head_n = (size_t)(sep - buf) + 2;
    const char *b = sep + 4;
    size_t bn = n - (size_t)(b - buf);
    char *out = malloc(bn + 1);
    if (!out)
        return why_fail(why, wn, "out of memory");
    size_t vl, on = bn;
    const char *te = header(buf, head_n, "Transfer-Encoding", &vl);
    const char *cl = header(buf, head_n, "Content-Length", &vl);
    if (te && !(vl == 7 && strncasecmp(te, "chunked", 7) == 0) &&
        !(vl == 8 && strncasecmp(te, "identity", 8) == 0)) {
        free(out);
        return why_fail(why, wn, "unsupported transfer encoding");
    }
    header_copy(buf, head_n, "Content-Type", a->content_type, sizeof a->content_type);
    header_copy(buf, head_n, "Content-Encoding", a->content_encoding, sizeof a->content_encoding);
    if (!strcasecmp(a->content_encoding, "identity"))
        a->content_encoding[0] = '\0';
    te = header(buf, head_n, "Transfer-Encoding", &vl);
    if (te && vl == 7) {
        if (dechunk(b, bn, out, &on, why, wn) != 0) {
            free(out);
            return -1;
        }
    } else {
        if (cl) {
            cl = header(buf, head_n, "Content-Length", &vl);
            uint64_t want = 0;
            for (size_t i = 0; i < vl; i++) {
                if (cl[i] < '0' || cl[i] > '9' || want > (uint64_t)1 << 50) {
                    free(out);
                    return why_fail(why, wn, "bad Content-Length");
                }
                want = want * 10 + (uint64_t)(cl[i] - '0');
            }
            if (vl == 0 || want > bn) {
                free(out);
                return why_fail(why, wn, "answer cut short (%zu of %llu bytes)", bn,
                            (unsigned long long)want);
            }
            on = (size_t)want;
        }
        memcpy(out, b, on);
    }
    out[on] = '\0';
    a->status = st;
    a->body = out;
    a->len = on;
    return 0;
}

int http_parse_answer(const char *buf, size_t n, int *status, char **body, size_t *len,
                      char *why, size_t wn)
{
    struct http_answer a;
    *body = NULL;
    *len = 0;
    if (http_parse_answer_full(buf, n, &a, why, wn) != 0)
        return -1;
    if (a.content_encoding[0]) {
        free(a.body);
        return why_fail(why, wn, "unsupported content encoding");
    }
    *status = a.status;
    *body = a.body;
    *len = a.len;
    return 0;
}
