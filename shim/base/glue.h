/* SPDX-License-Identifier: MIT
 * glue.h - every contact of the shim with the rest of libc, in one place.
 *
 * The real allocator is the next one in the chain (next.h, found with
 * dlsym(RTLD_NEXT) behind a bootstrap arena; next.h is above this file). The
 * I/O helpers use raw file descriptors: the shim never uses stdio.
 */
#ifndef HT_GLUE_H
#define HT_GLUE_H

#include <stddef.h>
#include <stdint.h>

#define HT_HIDDEN __attribute__((visibility("hidden")))
#define HT_EXPORT __attribute__((visibility("default")))
#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

/* Writes a message to stderr with write(2): async-signal-safe, no allocation. */
HT_HIDDEN void ht_warn(const char *msg);
HT_HIDDEN void ht_warn2(const char *a, const char *b);

/* Reads at most cap-1 bytes of path into buf, NUL-terminated; -1 on error. */
HT_HIDDEN long ht_read_file(const char *path, char *buf, size_t cap);

/* Reads a settings file into buf (at most cap-1 bytes, NUL-terminated) with
 * open/read: never follows a symlink, never blocks on a FIFO, refuses what is
 * not a regular file or does not fit. Returns the length, or -1 with *why
 * NULL when the file is absent or cannot be opened, or a reason to warn about. */
HT_HIDDEN long ht_read_conf(const char *path, char *buf, size_t cap, const char **why);

/* Writes n bytes to stderr, all of them unless it fails. */
HT_HIDDEN void ht_write_err(const char *s, size_t n);

/* 1 in a setuid or setgid program (AT_SECURE). */
HT_HIDDEN int ht_secure(void);

/* Small formatting helpers that stdio would otherwise provide. */
HT_HIDDEN char *ht_fmt_u64(char *dst, uint64_t v); /* returns the end, NUL written */
HT_HIDDEN uint64_t ht_now_unix_ns(void);

/* The environment as the shim may use it: NULL for everything in a setuid or
 * setgid program (secure execution), where the caller must not be trusted. */
HT_HIDDEN const char *ht_getenv(const char *name);

/* Private zeroed memory of size bytes, published once in *slot: the mapping
 * already there, else a new one put there (a thread that loses the race
 * unmaps its own and takes the winner's); NULL when none could be mapped.
 * Never a lock; errno as it was. */
HT_HIDDEN void *ht_map_once(void **slot, size_t size);

/* What a slot holds once no mapping could be made for it: it is not asked
 * again. */
#define HT_MAP_NONE ((void *)1)

/* ht_map_once() for a slot asked on every use: a failure is published as
 * HT_MAP_NONE; NULL when none could be (or, earlier, was) mapped. */
HT_HIDDEN void *ht_map_once_or_none(void **slot, size_t size);

#endif
