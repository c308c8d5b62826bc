/* SPDX-License-Identifier: MIT
 * serve_util.h - helpers for tests that talk to servers: background processes
 * in their own process group (always stopped at the end), free loopback
 * ports, a raw HTTP client with a time bound, and `heaptag serve` on a port
 * it picked itself.
 */
#ifndef HT_SERVE_UTIL_H
#define HT_SERVE_UTIL_H

#include <stddef.h>
#include <sys/types.h>

/* Starts argv in the background in a new process group, with extra "NAME=value"
 * environment entries (NULL-terminated, or NULL). Its stdout goes to a pipe
 * whose read end is stored in *out_fd when out_fd is not NULL, else to
 * log_path (or /dev/null); stderr goes to log_path (or /dev/null). */
pid_t bg_start(const char *const argv[], const char *const env[], int *out_fd,
               const char *log_path);

/* SIGTERM to the group, up to 3 s to go, then SIGKILL; reaps the leader. */
void bg_stop(pid_t pid);

/* Is pid still running (not exited, not a zombie we could reap)? */
int bg_alive(pid_t pid);

/* A loopback TCP port that was free a moment ago. */
int free_port(void);

/* Connects to 127.0.0.1:port, sends req[0..len), then reads the answer until
 * the server closes or timeout_ms passes. Returns the bytes read (buf is
 * NUL-terminated), or -1 if the connection failed. */
long http_raw(int port, const void *req, size_t len, char *buf, size_t cap, int timeout_ms);

/* Starts `heaptag serve --listen 127.0.0.1:0 [extra...]` and reads the port
 * it announces. Returns the pid (0 on failure). */
pid_t serve_start(const char *const extra[], const char *const env[], int *port);

#endif
