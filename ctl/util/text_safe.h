/* SPDX-License-Identifier: MIT
 * util/text_safe.h - makes a string a tagged program chose (a tag, an exe path,
 * a command line, a name from debug info, a line of a log) safe to print: every
 * byte that a terminal could take as a control (C0, DEL, C1 raw or as UTF-8)
 * and every byte that is not valid UTF-8 becomes a visible "\xNN"; valid,
 * printable UTF-8 is kept as it is. Every renderer goes through here.
 */
#ifndef HT_TEXT_SAFE_H
#define HT_TEXT_SAFE_H

#include <stddef.h>
#include <stdint.h>

/* Length of the valid UTF-8 sequence at s (1 to 4), or 0 when the bytes there
 * are not valid UTF-8 (overlongs, surrogates, beyond U+10FFFF, cut short).
 * s must be NUL-terminated. */
size_t text_utf8_len(const char *s);

/* The character at s by its bit pattern alone (lead byte and continuation
 * bytes; no check of overlong forms, surrogates or range): its length in
 * bytes and code point in *cp, or 0 when the pattern is broken. */
size_t text_utf8_decode(const char *s, uint32_t *cp);

/* Is the sequence of n bytes at s (as text_utf8_len measured it) printable:
 * not C0, DEL or C1? */
int text_printable(const char *s, size_t n);

/* Writes the safe form of src into dst (cap > 0 bytes), always terminated.
 * When it does not fit, it is cut before the escape or character that does not
 * fit. The safe form of a safe string is the string itself. Returns dst. */
char *text_safe(char *dst, size_t cap, const char *src);

/* Makes s safe in place, cut to its own buffer of cap bytes. */
void text_safe_inplace(char *s, size_t cap);

/* Is s already safe (text_safe would not change it)? */
int text_is_safe(const char *s);

/* The safe form of s in one of a few rotating static buffers, for use in a
 * printf argument list (at most TEXT_SAFE_SLOTS calls per statement). Long
 * strings are cut at TEXT_SAFE_MAX bytes. Not thread-safe: the tool prints
 * from one thread. */
#define TEXT_SAFE_SLOTS 8
#define TEXT_SAFE_MAX   4096
const char *text_safe_str(const char *s);

#endif
