/* SPDX-License-Identifier: MIT
 * prom/http_server.h - a small HTTP/1.1 server for read-only resources: GET and
 * HEAD, one request per connection, at most HTTP_MAX_CLIENTS at once, each
 * bounded in size (HTTP_MAX_HEAD bytes of request head) and time. Single
 * threaded and poll-based: a slow, broken or hostile client holds one slot for
 * at most HTTP_HEAD_TIMEOUT_MS, and when every slot is taken a new connection
 * takes the slot of the oldest client that has not sent its request yet, so
 * silent connections never stop the server. Never raises SIGPIPE.
 */
#ifndef HT_HTTP_SERVER_H
#define HT_HTTP_SERVER_H

#include <stddef.h>
#include <sys/socket.h>

#define HTTP_MAX_HEAD    8192  /* request line and headers */
#define HTTP_MAX_CLIENTS 128
#define HTTP_HEAD_TIMEOUT_MS 2000 /* to receive the request head */
#define HTTP_TIMEOUT_MS  5000  /* to send the answer */
#define HTTP_LINGER_MS   1000  /* reading what the client still sends before we close */
#define HTTP_ACCEPT_BURST 16   /* connections taken per turn of the loop */

/* What a handler answers: status 200 with body (malloc'd; the server frees
 * it), or any other status with body NULL (the server writes a short text). */
struct http_response {
    int status;
    const char *content_type;
    char *body;
    size_t len;
};

/* Called for each well-formed GET or HEAD with the path (query removed). */
typedef void (*http_handler_fn)(void *arg, const char *path, struct http_response *res);

/* Parses a request head (buf[0..len), ending with its blank line). Returns 0
 * for GET or HEAD with path (at most pn bytes with its NUL) and *head set, or
 * the status to answer: 400 malformed, 405 another method, 414 path too long,
 * 505 another HTTP version. */
int http_parse_head(const char *buf, size_t len, char *path, size_t pn, int *head);

/* Length of the request head in buf[0..len) including its blank line ("\r\n\r\n"
 * or bare "\n\n"), 0 while incomplete. */
size_t http_head_end(const char *buf, size_t len);

/* Is this address loopback (127.0.0.0/8, ::1, or IPv4-mapped 127/8)? */
int http_is_loopback(const struct sockaddr *sa);

/* Binds and listens on "HOST:PORT" or "[V6]:PORT" (numeric host, or
 * "localhost" meaning 127.0.0.1; port 0 picks a free one). A host that is not
 * loopback is refused unless allow_remote. Returns the socket; -2 when spec is
 * not an address of that form, -1 when it cannot be served; *why says why (a
 * static string, or errno's text). bound gets "HOST:PORT" as bound. */
int http_listen(const char *spec, int allow_remote, char *bound, size_t bn, const char **why);

/* Serves on the listening socket fd until poll fails for good (returns -1). */
int http_serve(int fd, http_handler_fn handler, void *arg);

#endif
