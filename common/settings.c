/* SPDX-License-Identifier: MIT
 * settings.c - the settings schema as a table, and the few pure helpers both
 * sides need to read a value the same way.
 * Runs inside the shim at start-up: no allocation, no stdio, no locale.
 */
#include "settings.h"

#include <string.h>

static const struct ht_setting settings[HT_SETTING_N] = {
#define HT_SETTING_ROW(id, key, env, type, lo, hi, def, unit, hint, help) \
    { key, env, type, lo, hi, def, unit, hint, help },
    HT_SETTING_LIST(HT_SETTING_ROW)
#undef HT_SETTING_ROW
};

const struct ht_setting *ht_setting(enum ht_setting_id id)
{
    return &settings[id];
}

int ht_setting_by_key(const char *key, size_t len)
{
    for (int i = 0; i < HT_SETTING_N; i++)
        if (settings[i].key && strlen(settings[i].key) == len &&
            memcmp(settings[i].key, key, len) == 0)
            return i;
    return -1;
}

long ht_setting_count(enum ht_setting_id id, const char *s, size_t n)
{
    long lo = settings[id].lo, hi = settings[id].hi, v = 0;
    if (!s || n == 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9' || v > hi)
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return (v < lo || v > hi) ? -1 : v;
}

/* Appends s at *at in buf[0..cap), keeping room for the NUL. */
static void put(char *buf, size_t cap, size_t *at, const char *s)
{
    for (; *s; s++, (*at)++)
        if (*at + 1 < cap)
            buf[*at] = *s;
}

static void put_num(char *buf, size_t cap, size_t *at, long v)
{
    char d[24];
    size_t n = sizeof d - 1;
    d[n] = '\0';
    do
        d[--n] = (char)('0' + v % 10);
    while ((v /= 10) > 0 && n > 0);
    put(buf, cap, at, d + n);
}

static size_t end(char *buf, size_t cap, size_t at)
{
    if (cap)
        buf[at < cap ? at : cap - 1] = '\0';
    return at;
}

size_t ht_setting_range_text(enum ht_setting_id id, char *buf, size_t cap)
{
    const struct ht_setting *s = &settings[id];
    size_t at = 0;
    put(buf, cap, &at, "(");
    put_num(buf, cap, &at, s->lo);
    put(buf, cap, &at, " to ");
    put_num(buf, cap, &at, s->hi);
    if (s->unit) {
        put(buf, cap, &at, " ");
        put(buf, cap, &at, s->unit);
    }
    put(buf, cap, &at, ")");
    return end(buf, cap, at);
}

const char *ht_settings_user_path(const char *xdg, const char *home, char *buf, size_t cap)
{
    const char *dir = xdg, *tail = HT_SETTINGS_XDG_TAIL;
    if (!dir || dir[0] != '/') { /* XDG: a relative value is ignored */
        dir = home;
        tail = HT_SETTINGS_HOME_TAIL;
    }
    if (!dir || dir[0] != '/')
        return NULL;
    size_t a = strlen(dir), b = strlen(tail);
    if (a + b + 1 > cap)
        return NULL;
    memcpy(buf, dir, a);
    memcpy(buf + a, tail, b + 1);
    return buf;
}

size_t ht_settings_file_header(char *buf, size_t cap)
{
    size_t at = 0;
    const char *sep = "# heaptag settings: ";
    for (int i = 0; i < HT_SETTING_N; i++) {
        if (!settings[i].key)
            continue;
        put(buf, cap, &at, sep);
        put(buf, cap, &at, settings[i].key);
        if (settings[i].hint) {
            put(buf, cap, &at, " ");
            put(buf, cap, &at, settings[i].hint);
        }
        sep = ", ";
    }
    put(buf, cap, &at, "\n");
    return end(buf, cap, at);
}
