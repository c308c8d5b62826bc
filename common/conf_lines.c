/* SPDX-License-Identifier: MIT
 * conf_lines.c - splitting settings files into key/value lines.
 * Runs inside the shim at start-up: no allocation, no stdio, no locale.
 */
#include "conf_lines.h"

#include <string.h>

#include "flags_parse.h"

static int is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

int ht_conf_next(const char *buf, size_t len, size_t *pos, struct ht_conf_line *line)
{
    size_t i = *pos;
    unsigned lineno = line->lineno;
    if (i == 0)
        lineno = 0;
    while (i < len) {
        size_t start = i, end;
        while (i < len && buf[i] != '\n')
            i++;
        end = i;
        if (i < len)
            i++; /* the newline */
        lineno++;
        /* a '#' at the start or after a blank begins a comment */
        for (size_t k = start; k < end; k++)
            if (buf[k] == '#' && (k == start || is_blank(buf[k - 1]))) {
                end = k;
                break;
            }
        while (start < end && is_blank(buf[start]))
            start++;
        while (end > start && is_blank(buf[end - 1]))
            end--;
        if (start == end)
            continue;
        size_t k = start;
        while (k < end && !is_blank(buf[k]))
            k++;
        line->key = buf + start;
        line->key_len = k - start;
        while (k < end && is_blank(buf[k]))
            k++;
        line->val = buf + k;
        line->val_len = end - k;
        line->lineno = lineno;
        *pos = i;
        return 1;
    }
    line->lineno = lineno;
    *pos = i;
    return 0;
}

int ht_conf_is_text(const char *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)buf[i];
        if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f)
            return 0;
    }
    return 1;
}

int ht_conf_split_last(const char *val, size_t val_len, const char **name, size_t *name_len,
                       const char **rest, size_t *rest_len)
{
    size_t e = val_len;
    while (e > 0 && !is_blank(val[e - 1]))
        e--;
    if (e == 0 || e == val_len)
        return -1;
    *rest = val + e;
    *rest_len = val_len - e;
    while (e > 0 && is_blank(val[e - 1]))
        e--;
    *name = val;
    *name_len = e;
    return e ? 0 : -1;
}

int ht_conf_key_is(const struct ht_conf_line *line, const char *word)
{
    size_t n = strlen(word);
    return line->key_len == n && memcmp(line->key, word, n) == 0;
}

int ht_conf_image_matches(const char *name, size_t name_len, const char *exe)
{
    if (!exe || !*exe || name_len == 0)
        return 0;
    if (memchr(name, '/', name_len))
        return strlen(exe) == name_len && memcmp(exe, name, name_len) == 0;
    const char *base = strrchr(exe, '/');
    base = base ? base + 1 : exe;
    return strlen(base) == name_len && memcmp(base, name, name_len) == 0;
}

int ht_conf_parse_flags(const char *val, size_t len, struct ht_flags_change *into)
{
    struct ht_flags_change chg = { 0, 0, 0, 0 };
    const char *bad;
    size_t bad_len, i = 0;
    int words = 0;
    while (i < len) {
        while (i < len && is_blank(val[i]))
            i++;
        size_t start = i;
        while (i < len && !is_blank(val[i]))
            i++;
        if (i == start)
            break;
        if (ht_flags_parse(val + start, i - start, &chg, &bad, &bad_len) != 0)
            return -1;
        words++;
    }
    if (!words)
        return -1;
    *into = ht_flags_compose(into, &chg);
    return 0;
}
