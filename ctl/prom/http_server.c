/* SPDX-License-Identifier: MIT
 * prom/http_server.c - the request loop: a fixed table of client slots driven by
 * poll, non-blocking sockets, a deadline per phase (read head, write answer,
 * linger). Every answer closes the connection, so no state survives a request.
 * Must never block on one client, never trust a byte it reads, never die on
 * EPIPE or a reset connection.
 */
#include "prom/http_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum http_phase { HTTP_FREE, HTTP_READ, HTTP_WRITE, HTTP_LINGER };

struct http_client {
    enum http_phase phase;
    int fd;
    int64_t deadline_ms;
    int64_t since_ms; /* accepted at */
    size_t in_len;
    char in[HTTP_MAX_HEAD];
    char *out; /* head and body of the answer */
    size_t out_len, out_off;
};

static int64_t now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

size_t http_head_end(const char *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (buf[i] != '\n')
            continue;
        if (i + 1 < len && buf[i + 1] == '\n')
            return i + 2;
        if (i + 2 < len && buf[i + 1] == '\r' && buf[i + 2] == '\n')
            return i + 3;
    }
    return 0;
}

/* RFC 9110 tchar, the characters of a method name. */
static int is_tchar(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           (c && strchr("!#$%&'*+-.^_`|~", c));
}

int http_parse_head(const char *buf, size_t len, char *path, size_t pn, int *head)
{
    const char *end = memchr(buf, '\n', len);
    if (!end || memchr(buf, '\0', len))
        return 400;
    size_t line = (size_t)(end - buf);
    if (line > 0 && buf[line - 1] == '\r')
        line--;
    for (size_t i = 0; i < line; i++) /* no control bytes in the request line */
        if ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f)
            return 400;
    const char *sp1 = memchr(buf, ' ', line);
    if (!sp1 || sp1 == buf)
        return 400;
    const char *target = sp1 + 1;
    const char *sp2 = memchr(target, ' ', line - (size_t)(target - buf));
    if (!sp2 || sp2 == target)
        return 400;
    const char *ver = sp2 + 1;
    size_t vlen = line - (size_t)(ver - buf);
    for (const char *p = buf; p < sp1; p++)
        if (!is_tchar(*p))
            return 400;
    if (vlen != 8 || memcmp(ver, "HTTP/", 5) != 0 || ver[5] < '0' || ver[5] > '9' ||
        ver[6] != '.' || ver[7] < '0' || ver[7] > '9')
        return 400;
    if (ver[5] != '1')
        return 505;
    if (*target != '/')
        return 400; /* origin-form only: no proxying, no "*" */
    size_t plen = (size_t)(sp2 - target);
    const char *q = memchr(target, '?', plen);
    if (q)
        plen = (size_t)(q - target);
    size_t mlen = (size_t)(sp1 - buf);
    int is_get = mlen == 3 && !memcmp(buf, "GET", 3);
    int is_head = mlen == 4 && !memcmp(buf, "HEAD", 4);
    if (!is_get && !is_head)
        return 405;
    if (plen + 1 > pn)
        return 414;
    memcpy(path, target, plen);
    path[plen] = '\0';
    *head = is_head;
    return 0;
}

static const char *reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 500: return "Internal Server Error";
    case 505: return "HTTP Version Not Supported";
    }
    return "Error";
}

/* Builds the whole answer in c->out; on ENOMEM the client is just closed. */
static void client_answer(struct http_client *c, int status, const char *type,
                          const char *body, size_t blen, int head_only)
{
    char text[64];
    if (!body) {
        blen = (size_t)snprintf(text, sizeof text, "%d %s\n", status, reason(status));
        body = text;
        type = "text/plain; charset=utf-8";
    }
    char hdr[512];
    int hn = snprintf(hdr, sizeof hdr,
                      "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
                      "%sConnection: close\r\n\r\n",
                      status, reason(status), type, blen,
                      status == 405 ? "Allow: GET, HEAD\r\n" : "");
    size_t total = (size_t)hn + (head_only ? 0 : blen);
    free(c->out);
    c->out = malloc(total ? total : 1);
    c->out_len = c->out_off = 0;
    if (c->out) {
        memcpy(c->out, hdr, (size_t)hn);
        if (!head_only)
            memcpy(c->out + hn, body, blen);
        c->out_len = total;
    }
    c->phase = HTTP_WRITE;
    c->deadline_ms = now_ms() + HTTP_TIMEOUT_MS;
}

static void client_close(struct http_client *c)
{
    close(c->fd);
    free(c->out);
    c->out = NULL;
    c->fd = -1;
    c->phase = HTTP_FREE;
}

static void client_request(struct http_client *c, size_t head_len, http_handler_fn handler,
                           void *arg)
{
    char path[1024];
    int head_only = 0;
    int status = http_parse_head(c->in, head_len, path, sizeof path, &head_only);
    if (status != 0) {
        client_answer(c, status, NULL, NULL, 0, 0);
        return;
    }
    struct http_response res = { .status = 404 };
    handler(arg, path, &res);
    if (res.status != 200 || !res.body) {
        free(res.body);
        client_answer(c, res.status == 200 ? 500 : res.status, NULL, NULL, 0, head_only);
        return;
    }
    client_answer(c, 200, res.content_type ? res.content_type : "text/plain; charset=utf-8",
                  res.body, res.len, head_only);
    free(res.body);
}

static void client_read(struct http_client *c, http_handler_fn handler, void *arg)
{
    ssize_t n = recv(c->fd, c->in + c->in_len, sizeof c->in - c->in_len, MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return;
    if (n <= 0) { /* gave up, or reset: nobody to answer */
        client_close(c);
        return;
    }
    size_t old = c->in_len;
    c->in_len += (size_t)n;
    /* look again from just before the new bytes: the blank line may straddle */
    size_t from = old > 3 ? old - 3 : 0;
    size_t end = http_head_end(c->in + from, c->in_len - from);
    if (end)
        client_request(c, from + end, handler, arg);
    else if (c->in_len == sizeof c->in)
        client_answer(c, 413, NULL, NULL, 0, 0);
}

static void client_write(struct http_client *c)
{
    while (c->out && c->out_off < c->out_len) {
        ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
                         MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            client_close(c);
            return;
        }
        c->out_off += (size_t)n;
    }
    /* Closing with unread input would reset the connection and could destroy
     * the answer in flight: half-close, then read until the client closes. */
    shutdown(c->fd, SHUT_WR);
    c->phase = HTTP_LINGER;
    c->deadline_ms = now_ms() + HTTP_LINGER_MS;
}

static void client_linger(struct http_client *c)
{
    char sink[4096];
    ssize_t n = recv(c->fd, sink, sizeof sink, MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return;
    if (n <= 0)
        client_close(c);
}

static void client_timeout(struct http_client *c)
{
    if (c->phase == HTTP_READ && c->in_len > 0) {
        client_answer(c, 408, NULL, NULL, 0, 0);
        c->deadline_ms = now_ms() + HTTP_LINGER_MS; /* one short try to say so */
        return;
    }
    client_close(c);
}

/* The slot a new connection may take when none is free: an answered client
 * still lingering, else the one that has waited longest without completing
 * its request head. Clients being answered keep theirs. NULL when none. */
static struct http_client *evictable(struct http_client *cl)
{
    struct http_client *best = NULL;
    for (int i = 0; i < HTTP_MAX_CLIENTS; i++) {
        struct http_client *c = &cl[i];
        if (c->phase == HTTP_LINGER)
            return c;
        if (c->phase == HTTP_READ && (!best || c->since_ms < best->since_ms))
            best = c;
    }
    return best;
}

static void accept_clients(int lfd, struct http_client *cl, int64_t *pause_until)
{
    int next = 0;
    for (int k = 0; k < HTTP_ACCEPT_BURST; k++) {
        while (next < HTTP_MAX_CLIENTS && cl[next].phase != HTTP_FREE)
            next++;
        struct http_client *c = next < HTTP_MAX_CLIENTS ? &cl[next] : evictable(cl);
        if (!c)
            return;
        int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
                *pause_until = now_ms() + 100; /* out of resources: do not spin */
            return;
        }
        if (c->phase != HTTP_FREE)
            client_close(c); /* silent too long while others wait */
        c->fd = fd;
        c->phase = HTTP_READ;
        c->in_len = 0;
        c->out = NULL;
        c->since_ms = now_ms();
        c->deadline_ms = c->since_ms + HTTP_HEAD_TIMEOUT_MS;
    }
}

int http_serve(int lfd, http_handler_fn handler, void *arg)
{
    static struct http_client cl[HTTP_MAX_CLIENTS];
    struct pollfd pfd[HTTP_MAX_CLIENTS + 1];
    int64_t pause_until = 0;

    signal(SIGPIPE, SIG_IGN); /* MSG_NOSIGNAL covers send; this covers the rest */
    for (int i = 0; i < HTTP_MAX_CLIENTS; i++)
        cl[i] = (struct http_client){ .phase = HTTP_FREE, .fd = -1 };
    for (;;) {
        int64_t now = now_ms(), wait = -1;
        int nfd = 0, free_slots = 0; /* free, or free for the taking */
        int slot_of[HTTP_MAX_CLIENTS + 1];
        for (int i = 0; i < HTTP_MAX_CLIENTS; i++) {
            struct http_client *c = &cl[i];
            if (c->phase == HTTP_FREE) {
                free_slots++;
                continue;
            }
            if (c->deadline_ms <= now) {
                client_timeout(c);
                if (c->phase == HTTP_FREE) {
                    free_slots++;
                    continue;
                }
            }
            free_slots += c->phase == HTTP_READ || c->phase == HTTP_LINGER;
            int64_t left = c->deadline_ms - now;
            if (wait < 0 || left < wait)
                wait = left;
            pfd[nfd] = (struct pollfd){ c->fd, c->phase == HTTP_WRITE ? POLLOUT : POLLIN, 0 };
            slot_of[nfd++] = i;
        }
        int listen_at = -1;
        if (free_slots > 0 && now >= pause_until) {
            listen_at = nfd;
            pfd[nfd++] = (struct pollfd){ lfd, POLLIN, 0 };
        } else if (free_slots > 0 && (wait < 0 || pause_until - now < wait)) {
            wait = pause_until - now;
        }
        int rc = poll(pfd, (nfds_t)nfd, (int)(wait < 0 ? -1 : wait + 1));
        if (rc < 0) {
            if (errno == EINTR || errno == ENOMEM)
                continue;
            return -1;
        }
        for (int k = 0; k < nfd; k++) {
            if (k == listen_at || !pfd[k].revents)
                continue;
            struct http_client *c = &cl[slot_of[k]];
            if (c->phase == HTTP_READ)
                client_read(c, handler, arg);
            else if (c->phase == HTTP_WRITE)
                client_write(c);
            else if (c->phase == HTTP_LINGER)
                client_linger(c);
        }
        if (listen_at >= 0 && pfd[listen_at].revents)
            accept_clients(lfd, cl, &pause_until);
    }
}

int http_is_loopback(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
    }
    if (sa->sa_family == AF_INET6) {
        const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
        if (IN6_IS_ADDR_LOOPBACK(a))
            return 1;
        return IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127;
    }
    return 0;
}

/* Splits "HOST:PORT" / "[V6]:PORT" into host and port; -1 if malformed. */
static int split_spec(const char *spec, char *host, size_t hn, char *port, size_t pn)
{
    const char *colon;
    size_t hlen;
    const char *h = spec;
    if (spec[0] == '[') {
        const char *close = strchr(spec, ']');
        if (!close || close[1] != ':')
            return -1;
        h = spec + 1;
        hlen = (size_t)(close - h);
        colon = close + 1;
    } else {
        colon = strrchr(spec, ':');
        if (!colon || memchr(spec, ':', (size_t)(colon - spec)))
            return -1; /* a bare IPv6 address needs brackets */
        hlen = (size_t)(colon - spec);
    }
    if (hlen == 0 || hlen >= hn || strlen(colon + 1) == 0 || strlen(colon + 1) >= pn)
        return -1;
    memcpy(host, h, hlen);
    host[hlen] = '\0';
    strcpy(port, colon + 1);
    for (const char *p = port; *p; p++)
        if (*p < '0' || *p > '9')
            return -1;
    return atol(port) <= 65535 ? 0 : -1;
}

int http_listen(const char *spec, int allow_remote, char *bound, size_t bn, const char **why)
{
    char host[64], port[8];
    struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
                              .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE };
    struct addrinfo *ai;

    if (split_spec(spec, host, sizeof host, port, sizeof port) != 0) {
        *why = "expected HOST:PORT or [IPV6]:PORT with a numeric host";
        return -2;
    }
    if (!strcmp(host, "localhost"))
        strcpy(host, "127.0.0.1");
    if (getaddrinfo(host, port, &hints, &ai) != 0) {
        *why = "expected HOST:PORT or [IPV6]:PORT with a numeric host";
        return -2;
    }
    if (!allow_remote && !http_is_loopback(ai->ai_addr)) {
        freeaddrinfo(ai);
        *why = "not a loopback address (add --allow-remote to serve other hosts)";
        return -1;
    }
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, SOMAXCONN) != 0) {
        *why = strerror(errno);
        if (fd >= 0)
            close(fd);
        freeaddrinfo(ai);
        return -1;
    }
    freeaddrinfo(ai);
    struct sockaddr_storage ss = { 0 };
    socklen_t sl = sizeof ss;
    char h[INET6_ADDRSTRLEN] = "?", p[8] = "?";
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
        getnameinfo((struct sockaddr *)&ss, sl, h, sizeof h, p, sizeof p,
                    NI_NUMERICHOST | NI_NUMERICSERV);
    snprintf(bound, bn, ss.ss_family == AF_INET6 ? "[%s]:%s" : "%s:%s", h, p);
    return fd;
}
