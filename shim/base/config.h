/* SPDX-License-Identifier: MIT
 * config.h - what the shim is told at start: flags, sizes and check options,
 * from the system file, the user's file, their image entries and the
 * environment, in that order (later wins).
 * Read once at start-up, before the segment exists: no allocation, no stdio.
 */
#ifndef HT_CONFIG_H
#define HT_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "base/glue.h"
#include "settings.h"


struct ht_config {
    uint32_t flags;          /* HT_FLAG_* in force at start */
    uint32_t rows;           /* row table capacity */
    uint32_t stack_capacity; /* ust: stack table entries (0: none) */
    uint32_t stack_depth;    /* ust: frames per stack */
    uint32_t tracedb_mb;     /* "tracedb" setting, 0 when nobody set one */
    int      keep;           /* keep the segment after exit */
    uint32_t keep_max_mb;    /* kept segments of exited processes may use this much */
    int      abort_on_report; /* HEAPTAG_ABORT / "abort 1": heap check reports abort() */
    char     wrappers[HT_SETTINGS_WRAPPERS_MAX + 1]; /* "wrappers" value, comma-separated names */
    const char *wrappers_env; /* HEAPTAG_WRAPPERS, or NULL; both lists go to the sites at start */
};

/* Fills cfg from the settings files and the environment (the names and
 * ranges of common/settings.h). In a secure
 * (setuid/setgid) program only the system file counts. Bad settings give one
 * warning per source on stderr; what is sound is used. */
HT_HIDDEN void ht_config_load(struct ht_config *cfg);

/* The same from explicit sources, for tests: exe is the program's path, env
 * values may be NULL. */
struct ht_config_sources {
    const char *system_path;
    const char *user_path;   /* NULL: no user file */
    const char *exe;
    const char *env_flags;
    const char *env_tracedb;
    const char *argv0;       /* as the program was invoked, for image entries; may be NULL */
    const char *env_path;    /* PATH, for image entries naming a program; may be NULL */
};
HT_HIDDEN void ht_config_load_from(struct ht_config *cfg, const struct ht_config_sources *src);

/* ust's trace database of mb megabytes: sets stack_capacity for the
 * stack_depth in cfg (0 MB: no table, every stack dropped). */
HT_HIDDEN void ht_config_set_tracedb(struct ht_config *cfg, uint32_t mb);


#endif
