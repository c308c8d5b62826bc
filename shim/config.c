/*
 * config.c - the shim's start-up settings from the environment.
 * Bad configuration never stops the program: a warning, then defaults.
 */
#include "config.h"

#include <string.h>

#include "flags_parse.h"
#include "heaptag_flags.h"
#include "heaptag_segment.h"
#include "sites.h"

#define TRACEDB_DEFAULT_MB 16u
#define TRACEDB_MAX_MB     512
#define STACK_DEPTH_DEFAULT 32u

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
    cfg->stack_depth = STACK_DEPTH_DEFAULT;
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
    s = ht_getenv("HEAPTAG_STACK_DEPTH");
    if (s && *s) {
        long v = parse_count(s, 1, HT_STACK_DEPTH_MAX);
        if (v > 0)
            cfg->stack_depth = (uint32_t)v;
        else
            ht_warn2("ignoring HEAPTAG_STACK_DEPTH (1 to 64): ", s);
    }
    /* ust's trace database: the stack table, sized in MB like GFlags'
     * /tracedb. Reserved when ust is on at start or a size is given, so a
     * later +ust has somewhere to record. */
    uint32_t tracedb_mb = (cfg->flags & HT_FLAG_ust) ? TRACEDB_DEFAULT_MB : 0;
    s = ht_getenv("HEAPTAG_TRACEDB");
    if (s && *s) {
        long v = parse_count(s, 0, TRACEDB_MAX_MB);
        if (v >= 0)
            tracedb_mb = (uint32_t)v;
        else
            ht_warn2("ignoring HEAPTAG_TRACEDB (0 to 512 MB): ", s);
    }
    ht_config_set_tracedb(cfg, tracedb_mb);
    s = ht_getenv("HEAPTAG_WRAPPERS");
    if (s && *s)
        ht_config_wrappers(s, strlen(s));
}

void ht_config_set_tracedb(struct ht_config *cfg, uint32_t mb)
{
    uint64_t entry = sizeof(struct ht_stack) + (uint64_t)cfg->stack_depth * sizeof(uint64_t);
    cfg->stack_capacity = (uint32_t)(((uint64_t)mb << 20) / entry);
}

void ht_config_wrappers(const char *list, size_t len)
{
    ht_sites_add_wrappers(list, len);
}
