/* SPDX-License-Identifier: MIT
 * util/fmt.h - small text formatters the commands share: human-readable sizes, UTC
 * timestamps, CSV fields, and labels fitted to a column. Pure: no globals.
 */
#ifndef HT_FMT_H
#define HT_FMT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

/* "512", "2.6K", "12M", "3.0G": like ls -h (1024-based, rounded up, one
 * decimal below 10). Writes at most n bytes; returns buf. */
char *fmt_human_size(char *buf, size_t n, uint64_t bytes);

/* "2026-11-25T22:40:01Z" for t in UTC; returns buf (n >= 21). */
char *fmt_timestamp(char *buf, size_t n, time_t t);

/* Writes s, made safe (util/text_safe.h), as one CSV field (RFC 4180): quoted,
 * with quotes doubled, when it holds a comma or quote; as is otherwise.
 * Returns fputs's result. */
int fmt_csv_field(FILE *out, const char *s);

/* Writes s as a JSON string: quoted, with quote, backslash and control
 * bytes (C0, DEL, C1, bidi controls) escaped as \uXXXX, and bytes that are not
 * valid UTF-8 replaced by '?'. */
int fmt_json_string(FILE *out, const char *s);

/* Copies src, made safe, into dst fitted to width bytes (dst holds width + 1),
 * never cutting a UTF-8 character. A
 * label "name+0xoff" keeps its "+0xoff" and loses the end of the name, marked
 * with '~'; anything else loses its end, marked with '~'. */
void fmt_fit(char *dst, size_t width, const char *src);

#endif
