/* SPDX-License-Identifier: MIT
 * conf_lines.h - the plain-text settings files, line by line: "key value",
 * '#' comments, blank lines. Generic: the reader knows no keys; the shim and
 * the tool each decide what a key means. Pure: no allocation, no stdio.
 *
 *   flags +ptg+htc            # a flags change, as HEAPTAG_FLAGS takes it
 *   image /usr/bin/foo +ust   # a flags change for one executable (path or name)
 *   tracedb 64                # stack trace database size in MB
 *   wrappers xmalloc,g_malloc
 */
#ifndef HT_CONF_LINES_H
#define HT_CONF_LINES_H

#include <stddef.h>

/* Settings files larger than this are refused whole (one warning). */
#define HT_CONF_MAX 8192

struct ht_conf_line {
    const char *key;
    size_t key_len;
    const char *val;   /* may be empty; surrounding blanks and comment removed */
    size_t val_len;
    unsigned lineno;   /* 1-based */
};

/* The next non-blank, non-comment line of buf[0..len) from *pos on.
 * Returns 1 with *line filled and *pos advanced, 0 at the end. */
int ht_conf_next(const char *buf, size_t len, size_t *pos, struct ht_conf_line *line);

struct ht_flags_change;
/* Parses a flags value: blank-separated changes ("+ptg -htc", "+ptg+ust"),
 * composed into *into. Returns 0, or -1 leaving *into unchanged. */
int ht_conf_parse_flags(const char *val, size_t len, struct ht_flags_change *into);

/* 1 when buf looks like text a person wrote: no NUL, no control bytes
 * other than tab, CR and LF. */
int ht_conf_is_text(const char *buf, size_t len);

/* Splits an image entry's value "NAME CHANGE" at its last blank: the name may
 * hold blanks, the change may not. Returns -1 when either part is missing. */
int ht_conf_split_last(const char *val, size_t val_len, const char **name, size_t *name_len,
                       const char **rest, size_t *rest_len);

/* 1 when key[0..key_len) is the NUL-terminated word. */
int ht_conf_key_is(const struct ht_conf_line *line, const char *word);

/* True when an image entry's name matches the executable at exe (absolute
 * path): a name holding '/' must equal the path, a bare name its last part. */
int ht_conf_image_matches(const char *name, size_t name_len, const char *exe);

#endif
