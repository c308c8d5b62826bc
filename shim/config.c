/*
 * config.c - the shim's start-up settings from the environment.
 * Bad configuration never stops the program: a warning, then defaults.
 */
#include "config.h"

#include <string.h>

#include "flags_parse.h"
#include "heaptag_flags.h"
#include "heaptag_segment.h"

/* Parses a decimal in [lo, hi]; -1 when it is not one. */
static long parse_count(const char *s, long lo, long hi)
{
    long v = 0;
    if (!s || !*s)
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > hi)
            return -1;
        v = v * 10 + (*s - '0');
    }
    return (v < lo || v > hi) ? -1 : v;
}

void ht_config_load(struct ht_config *cfg)
{
    const char *s;
    cfg->flags = HT_FLAGS_DEFAULT;
    cfg->rows = HT_DEFAULT_ROWS;
    cfg->stack_capacity = 0;
    cfg->stack_depth = 32;
    cfg->keep = 0;

    s = ht_getenv("HEAPTAG_FLAGS");
    if (s && *s) {
        struct ht_flags_change chg = { 0, 0, 0, 0 };
        const char *bad;
        size_t bad_len;
        if (ht_flags_parse(s, strlen(s), &chg, &bad, &bad_len) == 0)
            cfg->flags = ht_flags_apply(cfg->flags, &chg);
        else
            ht_warn2("ignoring malformed HEAPTAG_FLAGS: ", s);
    }
    s = ht_getenv("HEAPTAG_KEEP");
    cfg->keep = s && *s && strcmp(s, "0") != 0;
    s = ht_getenv("HEAPTAG_ROWS");
    if (s && *s) {
        long v = parse_count(s, 64, 1L << 22);
        if (v > 0)
            cfg->rows = (uint32_t)v;
        else
            ht_warn2("ignoring HEAPTAG_ROWS (64 to 4194304): ", s);
    }
}
