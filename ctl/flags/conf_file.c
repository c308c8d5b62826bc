/* SPDX-License-Identifier: MIT
 * flags/conf_file.c - reading and atomically rewriting heaptag's settings files.
 * Applies the shim's own limits (size, text only, no symlink) so that what the
 * tool writes is what the shim will read. Never leaves a half-written file.
 */
#include "flags/conf_file.h"

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf_lines.h"
#include "settings.h"

const char *conf_system_path(void)
{
    const char *p = getenv(HT_SETTINGS_SYSTEM_ENV);
    return p && *p ? p : HT_SETTINGS_SYSTEM_PATH;
}

const char *conf_user_path(char *buf, size_t cap)
{
    return ht_settings_user_path(getenv(HT_SETTINGS_XDG_ENV), getenv(HT_SETTINGS_HOME_ENV),
                                 buf, cap);
}

static int read_text(const char *path, struct conf_file *f)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            return 0;
        if (errno == ELOOP)
            warnx("%s: is a symlink; heaptag does not use it", path);
        else
            warn("%s", path);
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size >= HT_CONF_MAX - 1) {
        warnx("%s: not a regular file of less than %d bytes", path, HT_CONF_MAX - 1);
        close(fd);
        return -1;
    }
    f->text = malloc(HT_CONF_MAX);
    if (!f->text)
        err(1, "malloc");
    ssize_t n = read(fd, f->text, HT_CONF_MAX - 1);
    close(fd);
    if (n < 0 || n >= HT_CONF_MAX - 1 || !ht_conf_is_text(f->text, (size_t)n)) {
        warnx("%s: unreadable, too large or not text", path);
        free(f->text);
        f->text = NULL;
        return -1;
    }
    f->text[n] = '\0';
    f->len = (size_t)n;
    f->exists = 1;
    return 0;
}

static int parse_chg(const char *s, size_t n, struct ht_flags_change *into)
{
    return ht_conf_parse_flags(s, n, into);
}

static int load_image(struct conf_file *f, const struct ht_conf_line *l)
{
    const char *name, *chg;
    size_t nl, cl;
    if (ht_conf_split_last(l->val, l->val_len, &name, &nl, &chg, &cl) != 0 ||
        nl >= sizeof f->images[0].name)
        return -1;
    struct conf_image *im = NULL;
    for (size_t i = 0; i < f->n_images; i++)
        if (strlen(f->images[i].name) == nl && !memcmp(f->images[i].name, name, nl))
            im = &f->images[i];
    if (!im) {
        if (f->n_images == CONF_MAX_IMAGES)
            return -1;
        im = &f->images[f->n_images++];
        memset(im, 0, sizeof *im);
        memcpy(im->name, name, nl);
    }
    return parse_chg(chg, cl, &im->chg);
}

static int load_line(struct conf_file *f, const struct ht_conf_line *l)
{
    int id = ht_setting_by_key(l->key, l->key_len);
    switch (id) {
    case HT_SET_flags:
        f->has_flags = 1;
        return parse_chg(l->val, l->val_len, &f->flags);
    case HT_SET_image:
        return load_image(f, l);
    case HT_SET_tracedb: {
        long v = ht_setting_count(HT_SET_tracedb, l->val, l->val_len);
        if (v < 0)
            return -1;
        f->tracedb_mb = (uint32_t)v;
        return 0;
    }
    default:
        /* the other keys the schema knows belong to the shim: kept as they are */
        return id < 0 ? -1 : 0;
    }
}

int conf_load(const char *path_in, struct conf_file *f)
{
    char path[sizeof f->path];
    snprintf(path, sizeof path, "%s", path_in); /* path_in may be f->path */
    memset(f, 0, sizeof *f);
    memcpy(f->path, path, sizeof path);
    if (read_text(path, f) != 0)
        return -1;
    struct ht_conf_line l = { 0 };
    size_t pos = 0;
    while (f->text && ht_conf_next(f->text, f->len, &pos, &l))
        if (load_line(f, &l) != 0)
            warnx("%s:%u: malformed setting '%.*s'; ignored", path, l.lineno,
                  (int)l.key_len, l.key);
    return 0;
}

void conf_free(struct conf_file *f)
{
    free(f->text);
    f->text = NULL;
}

struct ht_flags_change conf_image_change(const struct conf_file *f, const char *image)
{
    struct ht_flags_change c = { 0 };
    for (size_t i = 0; i < f->n_images; i++) {
        const char *n = f->images[i].name;
        int match = strchr(image, '/') ? ht_conf_image_matches(n, strlen(n), image)
                                       : strcmp(n, image) == 0;
        if (match)
            c = ht_flags_compose(&c, &f->images[i].chg);
    }
    return c;
}

/* Does this raw line set key (and name, for image entries)? */
static int line_is(const char *s, size_t n, const char *key, const char *name)
{
    struct ht_conf_line l = { 0 };
    size_t pos = 0;
    if (!ht_conf_next(s, n, &pos, &l) || !ht_conf_key_is(&l, key))
        return 0;
    if (!name)
        return 1;
    const char *nm, *chg;
    size_t nl, cl;
    return ht_conf_split_last(l.val, l.val_len, &nm, &nl, &chg, &cl) == 0 &&
           strlen(name) == nl && !memcmp(nm, name, nl);
}

static int make_dirs(const char *path)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir)
        return 0;
    *slash = '\0';
    for (char *p = dir + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            if (mkdir(dir, 0755) != 0 && errno != EEXIST)
                return -1;
            *p = '/';
        }
    return mkdir(dir, 0755) != 0 && errno != EEXIST ? -1 : 0;
}

int conf_store(const struct conf_file *f, const char *key, const char *name, const char *value)
{
    size_t cap = f->len + 1024 + 256; /* a new line, a header, a final newline */
    char *out = malloc(cap), line[1024];
    size_t n = 0;
    int done = 0;
    if (!out)
        err(1, "malloc");
    if (value && name)
        snprintf(line, sizeof line, "%s %s %s\n", key, name, value);
    else if (value)
        snprintf(line, sizeof line, "%s %s\n", key, value);
    if (!f->exists)
        n = ht_settings_file_header(out, 256);
    for (size_t i = 0; f->text && i < f->len;) {
        size_t e = i;
        while (e < f->len && f->text[e] != '\n')
            e++;
        size_t next = e < f->len ? e + 1 : e;
        if (line_is(f->text + i, e - i, key, name)) {
            if (!done && value) {
                memcpy(out + n, line, strlen(line));
                n += strlen(line);
            }
            done = 1;
        } else {
            memcpy(out + n, f->text + i, e - i);
            n += e - i;
            out[n++] = '\n';
        }
        i = next;
    }
    if (!done && value) {
        memcpy(out + n, line, strlen(line));
        n += strlen(line);
    }
    if (n >= HT_CONF_MAX - 1) {
        warnx("%s: would grow past %d bytes; not written", f->path, HT_CONF_MAX - 1);
        free(out);
        return -1;
    }

    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.XXXXXX", f->path);
    int fd = -1;
    if (make_dirs(f->path) != 0 || (fd = mkstemp(tmp)) < 0) {
        warn("%s", f->path);
        free(out);
        return -1;
    }
    int ok = write(fd, out, n) == (ssize_t)n && fchmod(fd, 0644) == 0 && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    free(out);
    if (!ok || rename(tmp, f->path) != 0) {
        warn("%s", f->path);
        unlink(tmp);
        return -1;
    }
    return 0;
}
