/* SPDX-License-Identifier: MIT
 * trend/log_json.c - mon --format json (JSON Lines) in a log: one flat object
 * per row (nested values skipped whole), strings unescaped, and the rows and
 * end records they hold.
 */
#include "trend/log_parse.h"
#include "trend/log_reader.h"
#include "mon/columns.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

struct jfield {
    struct log_tok key, val;
    int is_str;
};

static size_t json_ws(const char *s, size_t len, size_t i)
{
    while (i < len && (s[i] == ' ' || s[i] == '\t'))
        i++;
    return i;
}

/* A JSON string at s[i] == '"', unescaped into buf at *o. Returns the index
 * after the closing quote, or 0 on error. */
static size_t json_string(const char *s, size_t len, size_t i, char *buf, size_t *o)
{
    for (i++; i < len; i++) {
        char c = s[i];
        if (c == '"')
            return i + 1;
        if ((unsigned char)c < 0x20)
            return 0;
        if (c == '\\') {
            if (++i >= len)
                return 0;
            switch (s[i]) {
            case '"': case '\\': case '/': c = s[i]; break;
            case 'b': c = '\b'; break;
            case 'f': c = '\f'; break;
            case 'n': c = '\n'; break;
            case 'r': c = '\r'; break;
            case 't': c = '\t'; break;
            case 'u':
                for (int k = 1; k <= 4; k++)
                    if (i + (size_t)k >= len || !isxdigit((unsigned char)s[i + (size_t)k]))
                        return 0;
                i += 4;
                c = '?'; /* tags and sites are ASCII; anything else is shown as '?' */
                break;
            default: return 0;
            }
        }
        buf[(*o)++] = c;
    }
    return 0;
}

/* A nested value is skipped whole (strings respected); returns index after it or 0. */
static size_t json_skip_nested(const char *s, size_t len, size_t i)
{
    int depth = 0, in_str = 0;
    for (; i < len; i++) {
        char c = s[i];
        if (in_str) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_str = 0;
        } else if (c == '"') {
            in_str = 1;
        } else if (c == '{' || c == '[') {
            depth++;
        } else if (c == '}' || c == ']') {
            if (--depth == 0)
                return i + 1;
        }
    }
    return 0;
}

static int json_parse(const char *s, size_t len, char *buf, struct jfield *f, int max)
{
    size_t i = json_ws(s, len, 0), o = 0;
    int n = 0;
    if (i >= len || s[i] != '{')
        return -1;
    i = json_ws(s, len, i + 1);
    if (i < len && s[i] == '}')
        return json_ws(s, len, i + 1) == len ? 0 : -1;
    for (;;) {
        if (i >= len || s[i] != '"' || n == max)
            return -1;
        f[n].key.s = buf + o;
        if (!(i = json_string(s, len, i, buf, &o)))
            return -1;
        f[n].key.n = (size_t)(buf + o - f[n].key.s);
        i = json_ws(s, len, i);
        if (i >= len || s[i] != ':')
            return -1;
        i = json_ws(s, len, i + 1);
        if (i >= len)
            return -1;
        f[n].val.s = buf + o;
        f[n].is_str = s[i] == '"';
        if (s[i] == '"') {
            if (!(i = json_string(s, len, i, buf, &o)))
                return -1;
        } else if (s[i] == '{' || s[i] == '[') {
            if (!(i = json_skip_nested(s, len, i)))
                return -1;
        } else {
            while (i < len && s[i] != ',' && s[i] != '}' && s[i] != ' ' && s[i] != '\t')
                buf[o++] = s[i++];
        }
        f[n].val.n = (size_t)(buf + o - f[n].val.s);
        n++;
        i = json_ws(s, len, i);
        if (i < len && s[i] == ',') {
            i = json_ws(s, len, i + 1);
            continue;
        }
        if (i < len && s[i] == '}')
            return json_ws(s, len, i + 1) == len ? n : -1;
        return -1;
    }
}

static const struct jfield *json_get(const struct jfield *f, int n, const char *key)
{
    for (int i = 0; i < n; i++)
        if (strlen(key) == f[i].key.n && !memcmp(key, f[i].key.s, f[i].key.n))
            return &f[i];
    return NULL;
}

static int json_u64(const struct jfield *f, uint64_t *v)
{
    return f && !f->is_str ? log_u64(f->val.s, f->val.n, v) : -1;
}

/* function, file, line, exe, build_id: strings but line, each optional. */
static int json_names(struct log_data *d, struct log_row *r, const struct jfield *f, int n)
{
    static const char *const keys[] = { "function", "file", "line", "exe", "build_id" };
    const struct log_tok *v[5] = { NULL };
    for (int i = 0; i < 5; i++) {
        const struct jfield *j = json_get(f, n, keys[i]);
        if (!j)
            continue;
        if (j->is_str != (i != 2))
            return -1;
        v[i] = &j->val;
    }
    return log_names(d, r, v[0], v[1], v[2], v[3], v[4]);
}

/* One JSON Lines record (log_parse_row). */
static int json_row(struct log_data *d, const char *s, size_t len, char *buf, struct log_row *r)
{
    struct jfield f[LOG_MAX_FIELDS];
    int n = json_parse(s, len, buf, f, LOG_MAX_FIELDS);
#define FIELD(col) json_get(f, n, mon_cols[col].name)
    const struct jfield *ts = FIELD(MON_COL_TIMESTAMP), *pid = FIELD(MON_COL_PID),
                        *tag = FIELD(MON_COL_TAG), *type = FIELD(MON_COL_TYPE),
                        *site = FIELD(MON_COL_SITE), *peak = FIELD(MON_COL_PEAK),
                        *frees_f = FIELD(MON_COL_FREES), *diff_f = FIELD(MON_COL_DIFF),
                        *bytes_f = FIELD(MON_COL_BYTES), *allocs_f = FIELD(MON_COL_ALLOCS);
#undef FIELD
    uint64_t frees;
    int64_t diff;
    if (n < 0)
        return ROW_DAMAGED;
    const struct jfield *state_f = json_get(f, n, "state");
    int code;
    if (state_f && state_f->is_str)
        r->pt.state = log_parse_state(state_f->val.s, state_f->val.n, &code);
    if (type && type->is_str && type->val.n == 7 && !memcmp(type->val.s, "Passive", 7))
        return ROW_END; /* mon's note that nothing is counted: no row */
    if (ts && pid && type && type->is_str && type->val.n == 3 && !memcmp(type->val.s, "End", 3)) {
        if (!ts->is_str || log_parse_time(ts->val.s, ts->val.n, &r->pt.t) != 0 || pid->is_str ||
            log_pid(pid->val.s, pid->val.n, &r->pid) != 0 || r->pt.state == LOG_STATE_UNKNOWN ||
            r->pt.state == LOG_STATE_LIVE)
            return ROW_DAMAGED;
        log_add_end(d, r->pt.t, r->pid, r->pt.state, code); /* mon's last word on the pid */
        return ROW_END;
    }
    if (!ts || !pid || !tag)
        return ROW_NOT;
    if (!ts->is_str || log_parse_time(ts->val.s, ts->val.n, &r->pt.t) != 0 || pid->is_str ||
        log_pid(pid->val.s, pid->val.n, &r->pid) != 0 || !tag->is_str ||
        json_u64(bytes_f, &r->pt.live) != 0 || json_u64(allocs_f, &r->pt.allocs) != 0)
        return ROW_DAMAGED;
    if (frees_f && diff_f &&
        (json_u64(frees_f, &frees) != 0 || log_i64(diff_f->val.s, diff_f->val.n, &diff) != 0 ||
         frees > r->pt.allocs || diff != (int64_t)(r->pt.allocs - frees)))
        return ROW_DAMAGED;
    if (frees_f && diff_f) {
        r->pt.blocks = diff;
        r->pt.has_blocks = 1;
    }
    r->pt.has_peak = peak && json_u64(peak, &r->pt.peak) == 0;
    const struct jfield *old = json_get(f, n, mon_cols[MON_COL_OLD].name);
    r->pt.has_old = old && json_u64(old, &r->pt.old) == 0;
    r->tag = tag->val.s;
    r->tag_len = tag->val.n;
    r->type = type && type->is_str ? type->val.s : "";
    r->type_len = type && type->is_str ? type->val.n : 0;
    r->site = site && site->is_str ? site->val.s : "";
    r->site_len = site && site->is_str ? site->val.n : 0;
    if (json_names(d, r, f, n) != 0)
        return ROW_DAMAGED;
    return ROW_OK;
}

int log_json_row(struct log_data *d, const char *s, size_t len, struct log_stats *st)
{
    return log_parse_row(d, s, len, st, json_row);
}
