/* SPDX-License-Identifier: MIT
 * cmd/flags.c - `heaptag flags`: GFlags for the shim. Shows the flags of each
 * scope (persistent files, image entries, environment, a live process) and
 * changes one scope. Every argument is checked before anything is written: a
 * malformed one is named and nothing changes (exit 2).
 */
#include <err.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "flags/conf_file.h"
#include "ctl.h"
#include "flags_parse.h"
#include "heaptag_flags.h"
#include "flags/live_flags.h"
#include "settings.h"
#include "segment/find.h"
#include "segment/reader.h"
#include "util/text_safe.h"

enum scope { SCOPE_NONE, SCOPE_PERSISTENT, SCOPE_IMAGE, SCOPE_PID };

struct flags_args {
    enum scope scope;
    const char *image;
    pid_t pid;
    int file;                     /* 0 by uid, 1 system, 2 user */
    long tracedb;                 /* 0: unchanged */
    int changes;                  /* flag arguments seen */
    struct ht_flags_change chg;
};

/* "-r" or "/r": the dashed and GFlags spellings of option name. */
static int opt_is(const char *a, const char *name)
{
    return (a[0] == '-' || a[0] == '/') && !strcmp(a + 1, name);
}

static void set_scope(struct flags_args *fa, enum scope s, const char *a)
{
    if (fa->scope != SCOPE_NONE && fa->scope != s)
        ctl_usage_error("flags: '%s': only one of -r, -i IMAGE and -p PID", a);
    fa->scope = s;
}

static const char *opt_value(int argc, char **argv, int *i)
{
    if (*i + 1 >= argc)
        ctl_usage_error("flags: '%s' needs a value", argv[*i]);
    return argv[++*i];
}

static pid_t parse_pid(const char *s)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || end == s || v <= 0 || v > INT_MAX || s[0] < '0' || s[0] > '9')
        ctl_usage_error("flags: '%s' is not a process id", s);
    return (pid_t)v;
}

static long parse_tracedb(const char *s)
{
    const struct ht_setting *set = ht_setting(HT_SET_tracedb);
    long v = ht_setting_count(HT_SET_tracedb, s, strlen(s));
    if (v < 0)
        ctl_usage_error("flags: %s '%s' is not a size in %s from %ld to %ld", set->key, s,
                        set->unit, set->lo, set->hi);
    return v;
}

/* A relative image path ("./app", "bin/app") as an absolute one: its
 * directory resolved, its last part kept (a link stays a link, which the
 * shim follows when it matches). A bare name stays a name. */
static const char *absolute_image(const char *image)
{
    static char abs[PATH_MAX];
    if (image[0] == '/' || !strchr(image, '/'))
        return image;
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", image);
    char *slash = strrchr(dir, '/');
    const char *base = image + (slash - dir) + 1;
    *slash = '\0';
    char *real = realpath(dir[0] ? dir : "/", NULL);
    if (!real)
        ctl_usage_error("flags: image '%s': %s: %s", image, dir, strerror(errno));
    if (!*base)
        ctl_usage_error("flags: image '%s' names a directory", image);
    if ((size_t)snprintf(abs, sizeof abs, "%s/%s", strcmp(real, "/") ? real : "", base) >=
        sizeof abs)
        ctl_usage_error("flags: image '%s': path too long", image);
    free(real);
    return abs;
}

static void parse_args(int argc, char **argv, struct flags_args *fa)
{
    memset(fa, 0, sizeof *fa);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (ctl_is_help(a))
            ctl_help();
        else if (opt_is(a, "r"))
            set_scope(fa, SCOPE_PERSISTENT, a);
        else if (opt_is(a, "i")) {
            set_scope(fa, SCOPE_IMAGE, a);
            fa->image = opt_value(argc, argv, &i);
            if (!*fa->image || strpbrk(fa->image, " \t\n#"))
                ctl_usage_error("flags: image '%s' must be a name or path without blanks or '#'",
                                fa->image);
            fa->image = absolute_image(fa->image);
        } else if (opt_is(a, "p") || opt_is(a, "k")) {
            set_scope(fa, SCOPE_PID, a);
            fa->pid = parse_pid(opt_value(argc, argv, &i));
        } else if (!strcmp(a, "--tracedb") || opt_is(a, "tracedb"))
            fa->tracedb = parse_tracedb(opt_value(argc, argv, &i));
        else if (!strcmp(a, "--system"))
            fa->file = 1;
        else if (!strcmp(a, "--user"))
            fa->file = 2;
        else {
            const char *bad;
            size_t bad_len;
            if (ht_flags_parse(a, strlen(a), &fa->chg, &bad, &bad_len) != 0)
                ctl_usage_error("flags: unknown flag '%.*s' in '%s' (known: %s, or a hex value "
                                "of their bits)", (int)bad_len, bad, a, HT_FLAG_NAMES);
            fa->changes++;
        }
    }
    if (fa->tracedb && fa->scope == SCOPE_NONE)
        fa->scope = SCOPE_PERSISTENT;
    if (fa->tracedb && fa->scope != SCOPE_PERSISTENT)
        ctl_usage_error("flags: --tracedb belongs to the persistent settings (-r)");
    if (fa->changes && fa->scope == SCOPE_NONE)
        ctl_usage_error("flags: a change needs a scope: -r, -i IMAGE or -p PID");
}

static void print_block(const char *title, uint32_t word, uint32_t tracedb)
{
    printf("%s: %08x\n", text_safe_str(title), word); /* may name an image or exe */
    for (uint32_t bit = 1; bit; bit <<= 1) /* by value, as GFlags lists them */
        if ((word & bit) && ht_flag_abbr(bit))
            printf("    %s - %s\n", ht_flag_abbr(bit), ht_flag_text(bit));
    if (tracedb)
        printf("    Stack trace database size (tracedb) = %u MB\n", tracedb);
}

/* Both files as a newly started program reads them. */
struct persistent {
    struct conf_file sys, user;
    int have_user;
    char user_path[4096];
};

static void load_persistent(struct persistent *p)
{
    if (conf_load(conf_system_path(), &p->sys) != 0)
        p->sys.exists = 0; /* warned: the shim ignores it too */
    p->have_user = conf_user_path(p->user_path, sizeof p->user_path) != NULL;
    memset(&p->user, 0, sizeof p->user);
    if (p->have_user && conf_load(p->user_path, &p->user) != 0)
        p->user.exists = 0;
}

static uint32_t persistent_word(const struct persistent *p)
{
    uint32_t w = ht_flags_apply(HT_FLAGS_DEFAULT, &p->sys.flags);
    return ht_flags_apply(w, &p->user.flags);
}

static uint32_t persistent_tracedb(const struct persistent *p)
{
    return p->user.tracedb_mb ? p->user.tracedb_mb : p->sys.tracedb_mb;
}

static uint32_t image_word(const struct persistent *p, const char *image)
{
    struct ht_flags_change a = conf_image_change(&p->sys, image);
    struct ht_flags_change b = conf_image_change(&p->user, image);
    return ht_flags_apply(ht_flags_apply(persistent_word(p), &a), &b);
}

static void show_image(const struct persistent *p, const char *image)
{
    char title[512];
    snprintf(title, sizeof title, "Current settings for image %s are", image);
    print_block(title, image_word(p, image), 0);
}

/* One line on what a settings file says, before the combined word. */
static void show_file(const char *what, const struct conf_file *f, int have)
{
    char text[128];
    if (!have) {
        printf("%s settings file: none (set HOME or XDG_CONFIG_HOME)\n", what);
        return;
    }
    printf("%s settings file %s: ", what, f->path);
    if (!f->exists) {
        printf("not present\n");
        return;
    }
    const char *sep = "";
    if (f->has_flags) {
        ht_flags_format(&f->flags, text, sizeof text);
        printf("flags %s", text[0] ? text : "(none)");
        sep = ", ";
    }
    if (f->tracedb_mb) {
        printf("%stracedb %u MB", sep, f->tracedb_mb);
        sep = ", ";
    }
    if (f->n_images) {
        printf("%s%zu image entr%s", sep, f->n_images, f->n_images == 1 ? "y" : "ies");
        sep = ", ";
    }
    printf("%s\n", *sep ? "" : "no flags set");
}

/* Each live tagged process this user may read, with its flags word now. */
static void show_live(void)
{
    struct segread_entry *v;
    size_t n, shown = 0;
    const char *dir = segread_dir();
    if (segread_list(dir, &v, &n) != 0)
        n = 0, v = NULL;
    for (size_t i = 0; i < n; i++) {
        struct segread_snap snap;
        const char *why;
        if (segread_open(dir, v[i].name, &snap, &why) != SEGREAD_OK)
            continue;
        if (snap.state == SEGREAD_LIVE) {
            char title[HT_PATH_MAX + 96];
            snprintf(title, sizeof title, "Current settings of running process %d (%s) are",
                     (int)snap.pid, snap.exe[0] ? snap.exe : "?");
            print_block(title, snap.flags & HT_FLAG_ALL, 0);
            shown++;
        }
        segread_close(&snap);
    }
    free(v);
    if (!shown)
        printf("No running tagged process in %s.\n", dir);
}

/* `heaptag flags` alone: every scope, in the order a program reads them. */
static void show_all(const struct persistent *p)
{
    show_file("System", &p->sys, 1);
    show_file("User", &p->user, p->have_user);
    print_block("Current persistent settings are", persistent_word(p), persistent_tracedb(p));
    const struct conf_file *files[2] = { &p->sys, &p->user };
    for (int f = 0; f < 2; f++)
        for (size_t i = 0; i < files[f]->n_images; i++) {
            const char *name = files[f]->images[i].name;
            int seen = 0; /* an image in both files is shown once */
            for (size_t k = 0; f == 1 && k < p->sys.n_images; k++)
                seen |= !strcmp(p->sys.images[k].name, name);
            if (!seen)
                show_image(p, name);
        }
    const char *env_name = ht_setting(HT_SET_flags)->env, *env = getenv(env_name);
    if (env && *env) {
        struct ht_flags_change c = { 0 };
        const char *bad;
        size_t bad_len;
        char title[96];
        snprintf(title, sizeof title, "Current environment settings (%s) are", env_name);
        if (ht_flags_parse(env, strlen(env), &c, &bad, &bad_len) == 0)
            print_block(title, ht_flags_apply(persistent_word(p), &c), 0);
        else
            warnx("%s: unknown flag '%.*s'; programs ignore it", env_name, (int)bad_len, bad);
    } else {
        printf("Environment (%s): not set\n", env_name);
    }
    show_live();
}

/* The file a persistent or image change goes to. */
static struct conf_file *target_file(struct persistent *p, const struct flags_args *fa)
{
    int system = fa->file ? fa->file == 1 : geteuid() == 0;
    if (system)
        return &p->sys;
    if (!p->have_user)
        errx(1, "no user settings file: set HOME or XDG_CONFIG_HOME");
    return &p->user;
}

static int change_files(struct persistent *p, const struct flags_args *fa)
{
    struct conf_file *f = target_file(p, fa);
    /* A file the shim would refuse (symlink, binary...) is not rewritten. */
    struct conf_file check;
    if (conf_load(f->path, &check) != 0)
        errx(1, "%s: not changed", f->path);
    conf_free(&check);
    char text[128];
    if (fa->scope == SCOPE_IMAGE) {
        struct ht_flags_change cur = { 0 };
        for (size_t i = 0; i < f->n_images; i++)
            if (!strcmp(f->images[i].name, fa->image))
                cur = f->images[i].chg;
        cur = ht_flags_compose(&cur, &fa->chg);
        ht_flags_format(&cur, text, sizeof text);
        if (conf_store(f, "image", fa->image, text[0] ? text : NULL) != 0)
            return 1;
        return 0;
    }
    if (fa->changes) {
        struct ht_flags_change cur = ht_flags_compose(&f->flags, &fa->chg);
        ht_flags_format(&cur, text, sizeof text);
        if (conf_store(f, "flags", NULL, text[0] ? text : NULL) != 0)
            return 1;
        conf_free(f);
        if (conf_load(f->path, f) != 0)
            return 1;
    }
    if (fa->tracedb) {
        snprintf(text, sizeof text, "%ld", fa->tracedb);
        if (conf_store(f, ht_setting(HT_SET_tracedb)->key, NULL, text) != 0)
            return 1;
    }
    return 0;
}

int cmd_flags(int argc, char **argv)
{
    struct flags_args fa;
    parse_args(argc, argv, &fa);

    if (fa.scope == SCOPE_PID) {
        uint32_t now;
        live_flags(fa.pid, fa.changes ? &fa.chg : NULL, &now);
        char title[96];
        snprintf(title, sizeof title, "Current settings of running process %d are", (int)fa.pid);
        print_block(title, now, 0);
        return 0;
    }

    struct persistent *p = calloc(1, sizeof *p);
    if (!p)
        err(1, "calloc");
    load_persistent(p);
    int rc = 0;
    if (fa.changes || fa.tracedb) {
        rc = change_files(p, &fa);
        conf_free(&p->sys);
        conf_free(&p->user);
        load_persistent(p);
    }
    if (rc == 0) {
        if (fa.scope == SCOPE_PERSISTENT)
            print_block("Current persistent settings are", persistent_word(p),
                        persistent_tracedb(p));
        else if (fa.scope == SCOPE_IMAGE)
            show_image(p, fa.image);
        else
            show_all(p);
    }
    conf_free(&p->sys);
    conf_free(&p->user);
    free(p);
    return rc;
}
