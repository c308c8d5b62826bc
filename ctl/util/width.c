/* SPDX-License-Identifier: MIT
 * util/width.c - text measured in terminal columns: UTF-8 decoded by hand,
 * each character's width from wcwidth under C.UTF-8 (a private locale object,
 * so the tool's global locale and every other output stay byte-stable), and
 * numbers shortened with K/M/G to fit a cell. Pure apart from that locale.
 */
#include "util/width.h"
#include "util/text_safe.h"

#include <inttypes.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>

/* One character at s: its length in bytes (1 for a stray byte) and code point. */
static size_t width_decode(const unsigned char *s, uint32_t *cp)
{
    size_t n = text_utf8_decode((const char *)s, cp);
    if (n)
        return n;
    *cp = 0xfffd;
    return 1;
}

static int width_of(uint32_t cp)
{
    static locale_t utf8;
    static int tried;
    if (cp < 0x80)
        return 1;
    if (!tried) {
        tried = 1;
        utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
    }
    if (!utf8)
        return 1;
    locale_t old = uselocale(utf8);
    int w = wcwidth((wchar_t)cp);
    uselocale(old);
    return w < 0 ? 1 : w;
}

size_t fmt_width(const char *str)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t w = 0;
    while (*s) {
        uint32_t cp;
        s += width_decode(s, &cp);
        w += (size_t)width_of(cp);
    }
    return w;
}

size_t fmt_skip_cols(const char *str, size_t cols)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t w = 0;
    while (*s && w < cols) {
        uint32_t cp;
        size_t n = width_decode(s, &cp);
        w += (size_t)width_of(cp);
        s += n;
    }
    return (size_t)((const char *)s - str);
}

/* Bytes of the longest prefix of s within cols columns; *used gets its width. */
static size_t width_prefix(const char *str, size_t cols, size_t *used)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t w = 0;
    while (*s) {
        uint32_t cp;
        size_t n = width_decode(s, &cp);
        int cw = width_of(cp);
        if (w + (size_t)cw > cols)
            break;
        w += (size_t)cw;
        s += n;
    }
    *used = w;
    return (size_t)((const char *)s - str);
}

size_t fmt_prefix_cols(const char *s, size_t cols)
{
    size_t used;
    return width_prefix(s, cols, &used);
}

size_t fmt_fit_cols(char *dst, size_t cap, size_t width, const char *src)
{
    size_t w = fmt_width(src), len = strlen(src), used;
    if (cap == 0)
        return 0;
    if (w <= width && len < cap) {
        memcpy(dst, src, len + 1);
        return w;
    }
    dst[0] = '\0';
    if (width == 0)
        return 0;
    /* "name+0xoff": the offset says most, keep it and shorten the name */
    const char *plus = strstr(src, "+0x");
    size_t tail = plus ? strlen(plus) : 0;
    if (plus && fmt_width(plus) == tail && tail + 2 <= width && tail + 2 < cap) {
        size_t head = width_prefix(src, width - tail - 1, &used);
        if (head + 1 + tail >= cap)
            head = cap - 2 - tail;
        memcpy(dst, src, head);
        dst[head] = '~';
        memcpy(dst + head + 1, plus, tail + 1);
        return used + 1 + tail;
    }
    size_t head = width_prefix(src, width - 1, &used);
    if (head + 2 > cap)
        head = cap - 2; /* the caller's buffer is too small: cut on a byte */
    memcpy(dst, src, head);
    dst[head] = '~';
    dst[head + 1] = '\0';
    return used + 1;
}

void fmt_put_cols(FILE *out, const char *s, size_t width, int right)
{
    size_t w = fmt_width(s);
    size_t pad = w < width ? width - w : 0;
    if (right)
        fprintf(out, "%*s", (int)pad, "");
    fputs(s, out);
    if (!right)
        fprintf(out, "%*s", (int)pad, "");
}

size_t fmt_pad_cols(char *dst, size_t cap, const char *s, size_t width, int right)
{
    size_t w = fmt_width(s), len = strlen(s);
    size_t pad = w < width ? width - w : 0;
    if (len + pad + 1 > cap)
        pad = cap > len + 1 ? cap - len - 1 : 0;
    if (len + 1 > cap)
        len = cap ? cap - 1 : 0;
    if (!cap)
        return 0;
    if (right) {
        memset(dst, ' ', pad);
        memcpy(dst + pad, s, len);
    } else {
        memcpy(dst, s, len);
        memset(dst + len, ' ', pad);
    }
    dst[len + pad] = '\0';
    return len + pad;
}

char *fmt_short(char *buf, size_t n, int width, int64_t sv, uint64_t uv, int is_signed,
                unsigned base)
{
    static const char units[] = "KMGTPE";
    int neg = is_signed && sv < 0;
    uint64_t mag = is_signed ? (neg ? 0 - (uint64_t)sv : (uint64_t)sv) : uv;
    if (is_signed)
        snprintf(buf, n, "%" PRId64, sv);
    else
        snprintf(buf, n, "%" PRIu64, uv);
    if ((int)strlen(buf) <= width || base < 2)
        return buf;
    /* the largest precision that fits: 1.5K, 15K, 150K, 1.5M ... */
    double div = 1;
    for (int u = 0; u < 6; u++) {
        div *= base;
        double v = (double)mag / div;
        if (v < 9.95) { /* 1.5K; where the sign leaves no room for it, 2K */
            snprintf(buf, n, "%s%.1f%c", neg ? "-" : "", v, units[u]);
            if ((int)strlen(buf) <= width)
                return buf;
        }
        if (v >= 0.5) {
            snprintf(buf, n, "%s%.0f%c", neg ? "-" : "", v, units[u]);
            if ((int)strlen(buf) <= width && v < base - 0.5)
                return buf;
        }
        if (v >= 0.05 && v < 0.95) { /* the next unit's tenths: -270K as -.3M */
            snprintf(buf, n, "%s.%d%c", neg ? "-" : "", (int)(v * 10 + 0.5), units[u]);
            if ((int)strlen(buf) <= width)
                return buf;
        }
    }
    return buf;
}
