/* SPDX-License-Identifier: MIT
 * util/why.h - the error return of a reader that says why: the message into
 * the caller's buffer, -1 back.
 */
#ifndef HT_UTIL_WHY_H
#define HT_UTIL_WHY_H

#include <stddef.h>

/* Formats fmt into why[0, wn) (cut to fit) and returns -1. */
int why_fail(char *why, size_t wn, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
