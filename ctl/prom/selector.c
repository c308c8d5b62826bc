/* SPDX-License-Identifier: MIT
 * prom/selector.c - the braces of a PromQL selector, by its grammar: label
 * name, one of = != =~ !~, a string in double or single quotes (with Go's
 * escapes) or back quotes (raw), comma separated, a trailing comma allowed.
 */
#include "prom/selector.h"

#include <string.h>

static int is_name_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int is_name_char(char c)
{
    return is_name_start(c) || (c >= '0' && c <= '9');
}

static void blanks(const char **p)
{
    while (**p == ' ' || **p == '\t' || **p == '\n' || **p == '\r')
        (*p)++;
}

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

/* Copies the string at *p (after its opening quote) into out (cap bytes),
 * moving *p past its closing quote. */
static int string_value(const char **p, char quote, char *out, size_t cap, size_t *len)
{
    size_t o = 0;
    const char *s = *p;
    for (;;) {
        char c = *s++;
        if (c == '\0' || (c == '\n' && quote != '`'))
            return -1;
        if (c == quote)
            break;
        if (c == '\\' && quote != '`') {
            char e = *s++;
            static const char from[] = "abfnrtv\\'\"", to[] = "\a\b\f\n\r\t\v\\'\"";
            const char *k = e ? strchr(from, e) : NULL;
            if (k) {
                if ((e == '\'' && quote != '\'') || (e == '"' && quote != '"'))
                    return -1; /* Go refuses the other quote escaped */
                c = to[k - from];
            } else if (e == 'x' && hexval(s[0]) >= 0 && hexval(s[1]) >= 0) {
                c = (char)(hexval(s[0]) * 16 + hexval(s[1]));
                s += 2;
            } else {
                return -1; /* octal, \u...: not worth the risk of reading it otherwise */
            }
        }
        if (c == '\0' || o + 1 >= cap)
            return -1;
        out[o++] = c;
    }
    out[o] = '\0';
    *len = o;
    *p = s;
    return 0;
}

int prom_matchers_add(struct prom_matchers *ms, enum prom_match_type type, const char *name,
                      const char *value)
{
    size_t nl = strlen(name) + 1, vl = strlen(value) + 1;
    if (ms->n >= PROM_MAX_MATCHERS || sizeof ms->buf - ms->used < nl + vl)
        return -1;
    char *b = ms->buf + ms->used;
    memcpy(b, name, nl);
    memcpy(b + nl, value, vl);
    ms->used += nl + vl;
    ms->m[ms->n++] = (struct prom_matcher){ type, b, b + nl };
    return 0;
}

int prom_selector_parse(const char *sel, struct prom_matchers *ms, const char **why)
{
    if (!sel)
        return 0;
    const char *p = sel;
    blanks(&p);
    if (*p++ != '{') {
        *why = "no '{'";
        return -1;
    }
    for (;;) {
        blanks(&p);
        if (*p == '}')
            break;
        char name[256], value[4096];
        size_t nl = 0, vl;
        if (!is_name_start(*p)) {
            *why = "not a label name";
            return -1;
        }
        while (is_name_char(*p)) {
            if (nl + 1 >= sizeof name) {
                *why = "label name too long";
                return -1;
            }
            name[nl++] = *p++;
        }
        name[nl] = '\0';
        blanks(&p);
        enum prom_match_type type;
        if (p[0] == '=' && p[1] == '~')
            type = PROM_MATCH_RE, p += 2;
        else if (p[0] == '!' && p[1] == '~')
            type = PROM_MATCH_NRE, p += 2;
        else if (p[0] == '!' && p[1] == '=')
            type = PROM_MATCH_NEQ, p += 2;
        else if (p[0] == '=')
            type = PROM_MATCH_EQ, p += 1;
        else {
            *why = "no match operator";
            return -1;
        }
        blanks(&p);
        char q = *p++;
        if ((q != '"' && q != '\'' && q != '`') ||
            string_value(&p, q, value, sizeof value, &vl) != 0) {
            *why = "a value it does not read as PromQL would";
            return -1;
        }
        if (prom_matchers_add(ms, type, name, value) != 0) {
            *why = "too many matchers";
            return -1;
        }
        blanks(&p);
        if (*p == ',')
            p++;
        else if (*p != '}') {
            *why = "no ',' or '}'";
            return -1;
        }
    }
    p++;
    blanks(&p);
    if (*p) {
        *why = "text after '}'";
        return -1;
    }
    return 0;
}
