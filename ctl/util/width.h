/* SPDX-License-Identifier: MIT
 * util/width.h - text measured in terminal columns (UTF-8, wcwidth), fitted
 * and padded by display width, and numbers shortened to fit a cell. Used by
 * the table log and the screen so multibyte tags keep the columns aligned.
 */
#ifndef HT_WIDTH_H
#define HT_WIDTH_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Display columns of s (wide characters 2, combining marks 0, stray bytes 1). */
size_t fmt_width(const char *s);

/* Byte offset in s after its first cols display columns. */
size_t fmt_skip_cols(const char *s, size_t cols);

/* Bytes of the longest prefix of s that fits in cols display columns. */
size_t fmt_prefix_cols(const char *s, size_t cols);

/* Copies src into dst (cap bytes) fitted to width display columns: a label
 * "name+0xoff" keeps its "+0xoff" and loses the end of the name, anything
 * else loses its end; a cut is marked with '~'. Returns the columns used. */
size_t fmt_fit_cols(char *dst, size_t cap, size_t width, const char *src);

/* Writes s padded with blanks to width display columns (right-aligned when right). */
void fmt_put_cols(FILE *out, const char *s, size_t width, int right);

/* The same into dst; returns the bytes written. */
size_t fmt_pad_cols(char *dst, size_t cap, const char *s, size_t width, int right);

/* The number (sv when is_signed, else uv) as digits if they fit width
 * characters, else shortened with K, M, G, T, P or E in steps of base
 * (1000 for counts, 1024 for bytes): "12345678" in 6 is "12M". Returns buf. */
char *fmt_short(char *buf, size_t n, int width, int64_t sv, uint64_t uv, int is_signed,
                unsigned base);

#endif
