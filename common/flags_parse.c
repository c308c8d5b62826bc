/* SPDX-License-Identifier: MIT
 * flags_parse.c - the flag-change parser shared by shim and tool.
 * Runs inside the shim at start-up: no allocation, no stdio, no locale.
 */
#include "flags_parse.h"

#include "heaptag_flags.h"

struct flag_name {
    char abbr[4];
    uint32_t value;
    const char *text;
};

static const struct flag_name flag_names[] = {
#define HT_FLAG_NAME(abbr, value, text, help) { #abbr, value, text },
    HT_FLAG_LIST(HT_FLAG_NAME)
#undef HT_FLAG_NAME
};

#define N_FLAGS (sizeof(flag_names) / sizeof(flag_names[0]))

static int lower(int c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }

static int hex_digit(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    c = lower(c);
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

/* A token is a hex number (optional 0x, at most 8 digits) or an abbreviation. */
static int token_value(const char *t, size_t n, uint32_t *out)
{
    size_t i = 0;
    uint32_t v = 0;
    if (n == 3) {
        for (size_t f = 0; f < N_FLAGS; f++)
            if (lower(t[0]) == flag_names[f].abbr[0] && lower(t[1]) == flag_names[f].abbr[1] &&
                lower(t[2]) == flag_names[f].abbr[2]) {
                *out = flag_names[f].value;
                return 0;
            }
    }
    if (n > 2 && t[0] == '0' && lower(t[1]) == 'x')
        i = 2;
    if (i == n || n - i > 8)
        return -1;
    for (; i < n; i++) {
        int d = hex_digit((unsigned char)t[i]);
        if (d < 0)
            return -1;
        v = v << 4 | (uint32_t)d;
    }
    if (v & ~(uint32_t)HT_FLAG_ALL)
        return -1; /* bits no flag has */
    *out = v;
    return 0;
}

int ht_flags_parse(const char *s, size_t len, struct ht_flags_change *chg,
                   const char **bad, size_t *bad_len)
{
    size_t i = 0;
    int any = 0;
    while (i < len) {
        char sign = 0;
        if (s[i] == '+' || s[i] == '-')
            sign = s[i++];
        size_t start = i;
        while (i < len && s[i] != '+' && s[i] != '-')
            i++;
        uint32_t v;
        if (i == start || token_value(s + start, i - start, &v) != 0) {
            *bad = s + (sign ? start - 1 : start);
            *bad_len = i - start + (sign ? 1 : 0);
            if (*bad_len == 0)
                *bad_len = len - (size_t)(*bad - s);
            return -1;
        }
        int is_name = (i - start == 3 && token_value(s + start, 3, &v) == 0 &&
                       hex_digit((unsigned char)s[start]) < 0);
        if (sign == '-') {
            chg->clear |= v;
            chg->set &= ~v;
        } else if (sign == '+' || is_name) {
            chg->set |= v;
            chg->clear &= ~v;
        } else {
            chg->replace = 1;
            chg->value = v;
            chg->set = chg->clear = 0;
        }
        any = 1;
    }
    if (!any) {
        *bad = s;
        *bad_len = len;
        return -1;
    }
    return 0;
}

uint32_t ht_flags_apply(uint32_t old, const struct ht_flags_change *chg)
{
    uint32_t v = chg->replace ? chg->value : old;
    return (v | chg->set) & ~chg->clear;
}

const char *ht_flag_abbr(uint32_t bit)
{
    for (size_t f = 0; f < N_FLAGS; f++)
        if (flag_names[f].value == bit)
            return flag_names[f].abbr;
    return NULL;
}

const char *ht_flag_text(uint32_t bit)
{
    for (size_t f = 0; f < N_FLAGS; f++)
        if (flag_names[f].value == bit)
            return flag_names[f].text;
    return NULL;
}

struct ht_flags_change ht_flags_compose(const struct ht_flags_change *first,
                                        const struct ht_flags_change *second)
{
    struct ht_flags_change r = *first;
    if (second->replace)
        return *second;
    if (r.replace) {
        r.value = ht_flags_apply(r.value, second);
        r.set = r.clear = 0;
        return r;
    }
    r.set = (r.set | second->set) & ~second->clear;
    r.clear = (r.clear | second->clear) & ~second->set;
    return r;
}

static size_t put(char *buf, size_t cap, size_t at, const char *s)
{
    for (; *s; s++, at++)
        if (at + 1 < cap)
            buf[at] = *s;
    return at;
}

static size_t put_hex(char *buf, size_t cap, size_t at, uint32_t v)
{
    char h[11] = "0x";
    for (int i = 0; i < 8; i++)
        h[2 + i] = "0123456789abcdef"[(v >> (28 - 4 * i)) & 15];
    h[10] = '\0';
    return put(buf, cap, at, h);
}

/* "+abc" for each named bit of bits by value, then the unnamed rest as one
 * hex value. */
static size_t put_bits(char *buf, size_t cap, size_t at, const char *sign, uint32_t bits)
{
    for (uint32_t bit = 1; bit; bit <<= 1)
        if ((bits & bit) && ht_flag_abbr(bit)) {
            at = put(buf, cap, at, sign);
            at = put(buf, cap, at, ht_flag_abbr(bit));
            bits &= ~bit;
        }
    if (bits) {
        at = put(buf, cap, at, sign);
        at = put_hex(buf, cap, at, bits);
    }
    return at;
}

size_t ht_flags_format(const struct ht_flags_change *chg, char *buf, size_t cap)
{
    size_t at = 0;
    if (chg->replace)
        at = put_hex(buf, cap, at, ht_flags_apply(0, chg));
    else {
        at = put_bits(buf, cap, at, "+", chg->set);
        at = put_bits(buf, cap, at, "-", chg->clear);
    }
    if (cap)
        buf[at < cap ? at : cap - 1] = '\0';
    return at;
}
