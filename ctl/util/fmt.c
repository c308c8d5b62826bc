/* SPDX-License-Identifier: MIT
 * util/fmt.c - the shared text formatters: sizes, timestamps, CSV fields, labels
 * fitted to a column. Output is byte-stable: no locale, no terminal width.
 */
#include "util/fmt.h"

#include <string.h>

#include "util/text_safe.h"

char *fmt_human_size(char *buf, size_t n, uint64_t bytes)
{
    static const char units[] = "KMGTPE";
    if (bytes < 1024) {
        snprintf(buf, n, "%llu", (unsigned long long)bytes);
        return buf;
    }
    /* Tenths of the unit, rounded up, in integers (no float rounding drift). */
    int u = 0;
    uint64_t div = 1024;
    while (u < 5 && bytes / div >= 1024) {
        div *= 1024;
        u++;
    }
    uint64_t whole = bytes / div, rem = bytes % div;
    if (whole >= 10) {
        uint64_t up = whole + (rem != 0);
        if (up >= 1024 && u < 5) /* 1023.x of a unit reads better as 1.0 of the next */
            snprintf(buf, n, "1.0%c", units[u + 1]);
        else
            snprintf(buf, n, "%llu%c", (unsigned long long)up, units[u]);
        return buf;
    }
    uint64_t step = div / 10;
    uint64_t tenths = rem / step + (rem % step != 0);
    if (tenths == 10) {
        whole++;
        tenths = 0;
    }
    if (whole < 10)
        snprintf(buf, n, "%llu.%llu%c", (unsigned long long)whole,
                 (unsigned long long)tenths, units[u]);
    else
        snprintf(buf, n, "%llu%c", (unsigned long long)whole, units[u]);
    return buf;
}

char *fmt_timestamp(char *buf, size_t n, time_t t)
{
    struct tm tm;
    if (!gmtime_r(&t, &tm) || strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(buf, n, "1970-01-01T00:00:00Z");
    return buf;
}

int fmt_csv_field(FILE *out, const char *s)
{
    s = text_safe_str(s);
    if (!strpbrk(s, ",\"\r\n"))
        return fputs(s, out);
    if (putc('"', out) == EOF)
        return EOF;
    for (; *s; s++) {
        if (*s == '"' && putc('"', out) == EOF)
            return EOF;
        if (putc(*s, out) == EOF)
            return EOF;
    }
    return putc('"', out) == EOF ? EOF : 0;
}

/* Backs a cut of s at byte k up to the start of a UTF-8 character. */
static size_t fmt_char_start(const char *s, size_t k)
{
    while (k > 0 && ((unsigned char)s[k] & 0xc0) == 0x80)
        k--;
    return k;
}

void fmt_fit(char *dst, size_t width, const char *src)
{
    src = text_safe_str(src);
    size_t len = strlen(src);
    if (len <= width) {
        memcpy(dst, src, len + 1);
        return;
    }
    if (width == 0) {
        dst[0] = '\0';
        return;
    }
    const char *plus = strstr(src, "+0x");
    size_t tail = plus ? len - (size_t)(plus - src) : 0;
    if (plus && tail + 2 <= width) {
        size_t head = fmt_char_start(src, width - tail - 1);
        memcpy(dst, src, head);
        dst[head] = '~';
        memcpy(dst + head + 1, plus, tail + 1);
        return;
    }
    size_t head = fmt_char_start(src, width - 1);
    memcpy(dst, src, head);
    dst[head] = '~';
    dst[head + 1] = '\0';
}

/* The code point of the valid n-byte UTF-8 sequence at s. */
static unsigned fmt_code_point(const unsigned char *s, size_t n)
{
    static const unsigned char lead_mask[] = { 0, 0x7f, 0x1f, 0x0f, 0x07 };
    unsigned cp = s[0] & lead_mask[n];
    for (size_t i = 1; i < n; i++)
        cp = (cp << 6) | (s[i] & 0x3f);
    return cp;
}

int fmt_json_string(FILE *out, const char *str)
{
    const unsigned char *s = (const unsigned char *)str;
    if (putc('"', out) == EOF)
        return EOF;
    while (*s) {
        size_t n = text_utf8_len((const char *)s);
        if (n == 0) {
            putc('?', out);
            s++;
        } else if (*s == '"' || *s == '\\') {
            putc('\\', out);
            putc(*s++, out);
        } else if (!text_printable((const char *)s, n)) {
            /* C0, DEL, C1 and bidi controls: escaped, never raw */
            fprintf(out, "\\u%04x", fmt_code_point(s, n));
            s += n;
        } else {
            fwrite(s, 1, n, out);
            s += n;
        }
    }
    return putc('"', out) == EOF ? EOF : 0;
}
