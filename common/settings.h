/* SPDX-License-Identifier: MIT
 * settings.h - the one schema of heaptag's settings: each setting's key in the
 * settings files, its environment name, its type, range, default and help.
 * The shim (config.c) and the tool (flags/conf_file.c, cmd/flags.c) both read
 * it: a new setting is one entry here plus the code that uses its value.
 * Pure: no allocation, no stdio, no locale (it runs inside the shim at start).
 */
#ifndef HT_SETTINGS_H
#define HT_SETTINGS_H

#include <stddef.h>

#include "heaptag_segment.h"

/* Where the settings files are: the system file (its path may be replaced
 * by $HEAPTAG_SYSTEM_CONFIG), then the user's under $XDG_CONFIG_HOME (when
 * absolute) or else $HOME. */
#ifndef HT_SYSCONFDIR /* the build sets it: $(PREFIX)/etc, or /etc for PREFIX=/usr */
#define HT_SYSCONFDIR "/etc"
#endif
#define HT_SETTINGS_SYSTEM_PATH HT_SYSCONFDIR "/heaptag/flags"
#define HT_SETTINGS_SYSTEM_ENV  "HEAPTAG_SYSTEM_CONFIG"
#define HT_SETTINGS_XDG_ENV     "XDG_CONFIG_HOME"
#define HT_SETTINGS_XDG_TAIL    "/heaptag/flags"
#define HT_SETTINGS_HOME_ENV    "HOME"
#define HT_SETTINGS_HOME_TAIL   "/.config/heaptag/flags"

/* Set by `heaptag run` to the pid of the program it execs: that process's
 * shim, and no other, says on stderr when it stands aside (passive). */
#define HT_RUN_PID_ENV "HEAPTAG_RUN_PID"

/* The longest "wrappers" value, for the buffers that hold one. */
#define HT_SETTINGS_WRAPPERS_MAX 255

enum ht_setting_type {
    HT_SETTING_FLAGS, /* a flags change: "+ptg+ust -htc" */
    HT_SETTING_IMAGE, /* "NAME CHANGE": a flags change for one executable */
    HT_SETTING_COUNT, /* a decimal in [lo, hi] */
    HT_SETTING_BOOL,  /* file: 0 or 1; environment: set and not "0" */
    HT_SETTING_TEXT,  /* free text of at most hi bytes */
};

/*
 * X(id, file key, environment name, type, lo, hi, default, unit, value hint, help)
 * A NULL key: environment only; a NULL environment name: files only. The
 * order is the order the shim applies environment values in.
 */
#define HT_SETTING_LIST(X)                                                               \
    X(flags, "flags", "HEAPTAG_FLAGS", HT_SETTING_FLAGS, 0, 0, 0, NULL, NULL,             \
      "flags change for every program (+ptg -htc ...)")                                  \
    X(image, "image", NULL, HT_SETTING_IMAGE, 0, 0, 0, NULL, "NAME FLAGS",               \
      "flags change for one executable (path or name)")                                  \
    X(tracedb, "tracedb", "HEAPTAG_TRACEDB", HT_SETTING_COUNT, 1, 1024, 16, "MB", "MB",  \
      "stack trace database size (ust)")                                                 \
    X(keep, NULL, "HEAPTAG_KEEP", HT_SETTING_BOOL, 0, 1, 0, NULL, "0|1",                 \
      "keep the segment after the program exits")                                        \
    X(keep_max_mb, NULL, "HEAPTAG_KEEP_MAX_MB", HT_SETTING_COUNT, 1, 1L << 20, 256, NULL,   \
      "MB", "room in MB the kept segments of exited processes may use")                  \
    X(abort, "abort", "HEAPTAG_ABORT", HT_SETTING_BOOL, 0, 1, 0, NULL, "0|1",            \
      "heap check reports end in abort()")                                               \
    X(rows, NULL, "HEAPTAG_ROWS", HT_SETTING_COUNT, 64, 131071, HT_DEFAULT_ROWS, NULL,  \
      "N", "row table capacity")                                                         \
    X(stack_depth, NULL, "HEAPTAG_STACK_DEPTH", HT_SETTING_COUNT, 1, HT_STACK_DEPTH_MAX, \
      32, NULL, "N", "frames kept per ust stack")                                        \
    X(wrappers, "wrappers", "HEAPTAG_WRAPPERS", HT_SETTING_TEXT, 0, HT_SETTINGS_WRAPPERS_MAX, 0,  \
      NULL, NULL, "allocation wrappers: charged to their callers")

enum ht_setting_id {
#define HT_SETTING_ENUM(id, key, env, type, lo, hi, def, unit, hint, help) HT_SET_##id,
    HT_SETTING_LIST(HT_SETTING_ENUM)
#undef HT_SETTING_ENUM
    HT_SETTING_N
};

struct ht_setting {
    const char *key;   /* in settings files; NULL: environment only */
    const char *env;   /* environment name; NULL: files only */
    enum ht_setting_type type;
    long lo, hi;       /* COUNT: the range; TEXT: hi is the longest value */
    long def;          /* the default when nobody sets it */
    const char *unit;  /* shown after a range ("MB"), or NULL */
    const char *hint;  /* what a value looks like, for help and file headers */
    const char *help;
};

/* The schema entry of id. */
const struct ht_setting *ht_setting(enum ht_setting_id id);

/* The setting whose file key is key[0..len), or -1 for an unknown key. */
int ht_setting_by_key(const char *key, size_t len);

/* Parses n bytes of s as a decimal in the setting's [lo, hi] (COUNT, and
 * BOOL in a file). Returns it, or -1 when it is not one. */
long ht_setting_count(enum ht_setting_id id, const char *s, size_t n);

/* Writes "(LO to HI UNIT)" for a COUNT setting, NUL-terminated; returns the
 * length (cap >= 48 always suffices). */
size_t ht_setting_range_text(enum ht_setting_id id, char *buf, size_t cap);

/* The user's settings file from the values of $XDG_CONFIG_HOME and $HOME
 * (either may be NULL), in buf; NULL when neither is absolute or it does not
 * fit. */
const char *ht_settings_user_path(const char *xdg, const char *home, char *buf, size_t cap);

/* The header line of a new settings file: "# heaptag settings: flags FLAGS,
 * image NAME FLAGS, ...\n", NUL-terminated; returns the length
 * (cap >= 256 always suffices). */
size_t ht_settings_file_header(char *buf, size_t cap);

#endif
