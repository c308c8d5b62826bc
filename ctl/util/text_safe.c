/* SPDX-License-Identifier: MIT
 * util/text_safe.c - the one place the tool decides which bytes may reach a
 * terminal, a log or a CSV file. Never drops information silently: a byte
 * that cannot be shown is shown as its hex escape.
 */
#include "util/text_safe.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

size_t text_utf8_decode(const char *str, uint32_t *cp)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t n;
    uint32_t c;
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    if ((s[0] & 0xe0) == 0xc0) {
        n = 2;
        c = s[0] & 0x1f;
    } else if ((s[0] & 0xf0) == 0xe0) {
        n = 3;
        c = s[0] & 0x0f;
    } else if ((s[0] & 0xf8) == 0xf0) {
        n = 4;
        c = s[0] & 0x07;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) { /* stops at the NUL: 0 is no continuation byte */
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        c = (c << 6) | (s[i] & 0x3f);
    }
    *cp = c;
    return n;
}

size_t text_utf8_len(const char *str)
{
    uint32_t cp;
    size_t n = text_utf8_decode(str, &cp);
    if (n <= 1)
        return n;
    static const uint32_t min[] = { 0, 0, 0x80, 0x800, 0x10000 };
    if (cp < min[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

int text_printable(const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    if (n == 1)
        return s[0] >= 0x20 && s[0] != 0x7f && s[0] < 0x80;
    /* U+0080..U+009F (C1) are encoded 0xC2 0x80..0x9F; everything else valid is shown.
     * Bidi overrides and isolates (U+202A..U+202E, U+2066..U+2069) could
     * reorder what the operator reads: shown escaped too. */
    if (n == 2)
        return !(s[0] == 0xc2 && s[1] < 0xa0);
    if (n == 3 && s[0] == 0xe2 && s[1] == 0x80 && s[2] >= 0xaa && s[2] <= 0xae)
        return 0;
    if (n == 3 && s[0] == 0xe2 && s[1] == 0x81 && s[2] >= 0xa6 && s[2] <= 0xa9)
        return 0;
    return 1;
}

char *text_safe(char *dst, size_t cap, const char *src)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    const char *s = src;
    while (*s) {
        size_t n = text_utf8_len(s);
        if (n > 0 && text_printable(s, n)) {
            if (o + n >= cap)
                break;
            memcpy(dst + o, s, n);
            o += n;
            s += n;
            continue;
        }
        /* one escape per byte of an invalid or unprintable sequence */
        size_t k = n ? n : 1;
        if (o + 4 * k >= cap)
            break;
        for (size_t i = 0; i < k; i++) {
            unsigned char c = (unsigned char)s[i];
            dst[o++] = '\\';
            dst[o++] = 'x';
            dst[o++] = hex[c >> 4];
            dst[o++] = hex[c & 15];
        }
        s += k;
    }
    dst[o] = '\0';
    return dst;
}

int text_is_safe(const char *s)
{
    while (*s) {
        size_t n = text_utf8_len(s);
        if (n == 0 || !text_printable(s, n))
            return 0;
        s += n;
    }
    return 1;
}

void text_safe_inplace(char *s, size_t cap)
{
    char tmp[TEXT_SAFE_MAX];
    if (text_is_safe(s))
        return;
    if (cap > sizeof tmp)
        cap = sizeof tmp;
    text_safe(tmp, cap, s);
    memcpy(s, tmp, strlen(tmp) + 1);
}

const char *text_safe_str(const char *s)
{
    static char slot[TEXT_SAFE_SLOTS][TEXT_SAFE_MAX];
    static unsigned next;
    if (text_is_safe(s) && strlen(s) < TEXT_SAFE_MAX)
        return s;
    char *b = slot[next++ % TEXT_SAFE_SLOTS];
    return text_safe(b, sizeof b[0] * TEXT_SAFE_MAX, s);
}
