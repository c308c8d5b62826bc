/* SPDX-License-Identifier: MIT
 * config.c - the shim's start-up settings: system file, user file, image
 * entries, environment. Files are read with open/read into a bounded stack
 * buffer (never through stdio or our own malloc); a symlinked, huge, binary or
 * malformed file costs one warning and never stops the program.
 */
#include "base/config.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "conf_lines.h"
#include "image_match.h"
#include "flags_parse.h"
#include "heaptag_flags.h"
#include "heaptag_segment.h"
#include "settings.h"

/* What one settings file says about flags. */
struct conf_scope {
    struct ht_flags_change flags; /* "flags" lines, composed */
    struct ht_flags_change image; /* "image" lines matching this program */
};

static int parse_change(const char *s, size_t n, struct ht_flags_change *into)
{
    return ht_conf_parse_flags(s, n, into);
}

static int apply_image(const struct ht_conf_line *l, struct conf_scope *sc,
                       const struct ht_config_sources *src)
{
    const char *name, *chg;
    size_t name_len, chg_len;
    if (ht_conf_split_last(l->val, l->val_len, &name, &name_len, &chg, &chg_len) != 0)
        return -1;
    struct ht_flags_change probe = { 0, 0, 0, 0 };
    if (parse_change(chg, chg_len, &probe) != 0)
        return -1; /* malformed even when it is not ours */
    if (ht_image_matches(name, name_len, src->exe, src->argv0, src->env_path))
        sc->image = ht_flags_compose(&sc->image, &probe);
    return 0;
}

/* One line of a settings file; -1 when it is malformed or not a file key. */
static int apply_line(const struct ht_conf_line *l, struct conf_scope *sc,
                      struct ht_config *cfg, const struct ht_config_sources *src)
{
    int id = ht_setting_by_key(l->key, l->key_len);
    long v;
    switch (id) {
    case HT_SET_flags:
        return parse_change(l->val, l->val_len, &sc->flags);
    case HT_SET_image:
        return apply_image(l, sc, src);
    case HT_SET_tracedb:
        if ((v = ht_setting_count(HT_SET_tracedb, l->val, l->val_len)) < 0)
            return -1;
        cfg->tracedb_mb = (uint32_t)v;
        return 0;
    case HT_SET_wrappers:
        if (l->val_len > (size_t)ht_setting(HT_SET_wrappers)->hi)
            return -1;
        memcpy(cfg->wrappers, l->val, l->val_len);
        cfg->wrappers[l->val_len] = '\0';
        return 0;
    case HT_SET_abort:
        if ((v = ht_setting_count(HT_SET_abort, l->val, l->val_len)) < 0)
            return -1;
        cfg->abort_on_report = (int)v;
        return 0;
    default:
        return -1;
    }
}

static void warn_file(const char *path, const char *why)
{
    char msg[HT_PATH_MAX + 64];
    size_t n = strnlen(path, HT_PATH_MAX);
    memcpy(msg, path, n);
    msg[n] = '\0';
    ht_warn2(msg, why);
}

static void load_file(const char *path, struct conf_scope *sc, struct ht_config *cfg,
                      const struct ht_config_sources *src)
{
    char buf[HT_CONF_MAX];
    const char *why = NULL;
    long len = ht_read_conf(path, buf, sizeof buf, &why);
    if (len < 0) {
        if (why)
            warn_file(path, why);
        return;
    }
    if (!ht_conf_is_text(buf, (size_t)len)) {
        warn_file(path, ": not a text file; ignored");
        return;
    }
    struct ht_conf_line l = { 0, 0, 0, 0, 0 };
    size_t pos = 0;
    unsigned bad_line = 0;
    while (ht_conf_next(buf, (size_t)len, &pos, &l))
        if (apply_line(&l, sc, cfg, src) != 0 && !bad_line)
            bad_line = l.lineno;
    if (bad_line) {
        char why_line[48] = ": malformed setting at line ";
        ht_fmt_u64(why_line + strlen(why_line), bad_line);
        memcpy(why_line + strlen(why_line), "; skipped", sizeof "; skipped");
        warn_file(path, why_line);
    }
}

static void config_defaults(struct ht_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->flags = HT_FLAGS_DEFAULT;
    cfg->rows = (uint32_t)ht_setting(HT_SET_rows)->def;
    cfg->stack_depth = (uint32_t)ht_setting(HT_SET_stack_depth)->def;
}

/* The stack table exists when ust is on at start or its size was set. */
static void config_size_stacks(struct ht_config *cfg)
{
    if (!(cfg->flags & HT_FLAG_ust) && !cfg->tracedb_mb)
        return;
    ht_config_set_tracedb(cfg, cfg->tracedb_mb ? cfg->tracedb_mb
                                                : (uint32_t)ht_setting(HT_SET_tracedb)->def);
}

/* Appends s to the message in buf (cap bytes), always NUL-terminated. */
static void msg_cat(char *buf, size_t cap, const char *s)
{
    size_t at = strlen(buf), n = strlen(s);
    if (n > cap - 1 - at)
        n = cap - 1 - at;
    memcpy(buf + at, s, n);
    buf[at + n] = '\0';
}

/* The environment value of a COUNT setting: the number, or -1 after one
 * warning naming the variable and its range. */
static long env_count(enum ht_setting_id id, const char *val)
{
    long v = ht_setting_count(id, val, strlen(val));
    if (v < 0) {
        char msg[128] = "ignoring ", range[48];
        ht_setting_range_text(id, range, sizeof range);
        msg_cat(msg, sizeof msg, ht_setting(id)->env);
        msg_cat(msg, sizeof msg, " ");
        msg_cat(msg, sizeof msg, range);
        msg_cat(msg, sizeof msg, ": ");
        ht_warn2(msg, val);
    }
    return v;
}

/* The environment value of a setting, NULL when unset or empty (and always
 * in a secure program: ht_getenv). */
static const char *env_value(enum ht_setting_id id)
{
    const char *s = ht_getenv(ht_setting(id)->env);
    return s && *s ? s : NULL;
}

void ht_config_load_from(struct ht_config *cfg, const struct ht_config_sources *src)
{
    struct conf_scope sys = { { 0, 0, 0, 0 }, { 0, 0, 0, 0 } }, user = sys;
    config_defaults(cfg);
    if (src->system_path)
        load_file(src->system_path, &sys, cfg, src);
    if (src->user_path)
        load_file(src->user_path, &user, cfg, src);
    uint32_t f = cfg->flags;
    f = ht_flags_apply(f, &sys.flags);
    f = ht_flags_apply(f, &user.flags);
    f = ht_flags_apply(f, &sys.image);
    f = ht_flags_apply(f, &user.image);
    if (src->env_flags && *src->env_flags) {
        struct ht_flags_change chg = { 0, 0, 0, 0 };
        if (parse_change(src->env_flags, strlen(src->env_flags), &chg) == 0)
            f = ht_flags_apply(f, &chg);
        else {
            char msg[64] = "ignoring malformed ";
            msg_cat(msg, sizeof msg, ht_setting(HT_SET_flags)->env);
            msg_cat(msg, sizeof msg, ": ");
            ht_warn2(msg, src->env_flags);
        }
    }
    cfg->flags = f;
    if (src->env_tracedb && *src->env_tracedb) {
        long mb = env_count(HT_SET_tracedb, src->env_tracedb);
        if (mb > 0)
            cfg->tracedb_mb = (uint32_t)mb;
    }
    config_size_stacks(cfg);
}

/* argv[0] from /proc/self/cmdline (its first NUL-terminated string). */
static void config_argv0(char *buf, size_t cap)
{
    buf[0] = '\0';
    int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    ssize_t n = read(fd, buf, cap - 1);
    close(fd);
    buf[n > 0 ? n : 0] = '\0';
}

void ht_config_load(struct ht_config *cfg)
{
    char exe[HT_PATH_MAX], upath[512], argv0[HT_PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[n > 0 ? n : 0] = '\0';
    config_argv0(argv0, sizeof argv0);

    /* ht_getenv is NULL for everything in a secure program: no user file, no
     * environment, no override of the system path. */
    struct ht_config_sources src;
    src.system_path = ht_getenv(HT_SETTINGS_SYSTEM_ENV);
    if (!src.system_path || !*src.system_path)
        src.system_path = HT_SETTINGS_SYSTEM_PATH;
    src.user_path = ht_secure() ? NULL
                                : ht_settings_user_path(ht_getenv(HT_SETTINGS_XDG_ENV),
                                                        ht_getenv(HT_SETTINGS_HOME_ENV),
                                                        upath, sizeof upath);
    src.exe = exe;
    src.env_flags = env_value(HT_SET_flags);
    src.env_tracedb = env_value(HT_SET_tracedb);
    src.argv0 = argv0;
    src.env_path = ht_getenv("PATH");
    ht_config_load_from(cfg, &src);

    const char *s = env_value(HT_SET_keep);
    cfg->keep = s && strcmp(s, "0") != 0;
    long v;
    cfg->keep_max_mb = (uint32_t)ht_setting(HT_SET_keep_max_mb)->def;
    if ((s = env_value(HT_SET_keep_max_mb)) && (v = env_count(HT_SET_keep_max_mb, s)) > 0)
        cfg->keep_max_mb = (uint32_t)v;
    if ((s = env_value(HT_SET_abort)))
        cfg->abort_on_report = strcmp(s, "0") != 0;
    if ((s = env_value(HT_SET_rows)) && (v = env_count(HT_SET_rows, s)) > 0)
        cfg->rows = (uint32_t)v;
    if ((s = env_value(HT_SET_stack_depth)) && (v = env_count(HT_SET_stack_depth, s)) > 0)
        cfg->stack_depth = (uint32_t)v;
    /* ust's trace database, sized again now that the depth is known: the
     * stack table exists when ust is on at start or a size was given, so a
     * later +ust has somewhere to record. */
    config_size_stacks(cfg);
    cfg->wrappers_env = env_value(HT_SET_wrappers);
}

void ht_config_set_tracedb(struct ht_config *cfg, uint32_t mb)
{
    uint64_t entry = sizeof(struct ht_stack) + (uint64_t)cfg->stack_depth * sizeof(uint64_t);
    cfg->stack_capacity = (uint32_t)(((uint64_t)mb << 20) / entry);
}
