/* SPDX-License-Identifier: MIT
 * flags/conf_file.h - the tool's side of the settings files: where they are, what
 * they say about flags, and rewriting one setting atomically (a temporary
 * file renamed over the old one), every other line kept as the person wrote it.
 */
#ifndef HT_CONF_FILE_H
#define HT_CONF_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "flags_parse.h"

#define CONF_MAX_IMAGES 64

struct conf_image {
    char name[256];
    struct ht_flags_change chg;
};

/* What one settings file says. */
struct conf_file {
    char path[4096];
    int exists;
    int has_flags;
    struct ht_flags_change flags; /* "flags" lines composed */
    uint32_t tracedb_mb;           /* 0: not set */
    size_t n_images;
    struct conf_image images[CONF_MAX_IMAGES];
    char *text;                    /* the file as read, NUL-terminated, or NULL */
    size_t len;
};

/* $HEAPTAG_SYSTEM_CONFIG or /etc/heaptag/flags. */
const char *conf_system_path(void);
/* $XDG_CONFIG_HOME/heaptag/flags or $HOME/.config/heaptag/flags; NULL if neither. */
const char *conf_user_path(char *buf, size_t cap);

/* Reads path into *f (an absent file is an empty one). Malformed lines are
 * warned about and ignored. Returns 0, or -1 with a warning when the file
 * cannot be used (symlink, not regular, too large, binary). */
int conf_load(const char *path, struct conf_file *f);
void conf_free(struct conf_file *f);

/* The change image entries of f make for a program at (or named) image. */
struct ht_flags_change conf_image_change(const struct conf_file *f, const char *image);

/* Rewrites f's file with the line for key (and, for "image", name) set to
 * value: the first such line replaced, later ones dropped, else appended.
 * value NULL removes them. Atomic; creates the directory. Returns 0 or -1
 * (with a warning). */
int conf_store(const struct conf_file *f, const char *key, const char *name, const char *value);

#endif
