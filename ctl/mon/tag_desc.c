/* SPDX-License-Identifier: MIT
 * mon/tag_desc.c - the tag description file behind `mon -g FILE`. A line longer
 * than the buffer keeps its beginning; control bytes become '?'. Nothing in
 * the file can make us fail but an unreadable file.
 */
#include "mon/tag_desc.h"

#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uthash.h>
#include "util/open_regular.h"

#define TAG_DESC_TAG_MAX 128
#define TAG_DESC_TEXT_MAX 256

struct tag_desc_entry {
    char tag[TAG_DESC_TAG_MAX];
    char text[TAG_DESC_TEXT_MAX];
    UT_hash_handle hh;
};

struct tag_desc {
    struct tag_desc_entry *map;
};

static void tag_desc_line(struct tag_desc *t, char *line)
{
    for (char *p = line; *p; p++)
        if ((unsigned char)*p < 0x20 && *p != '\t')
            *p = '?';
    char *tag = line + strspn(line, " \t");
    size_t tlen = strcspn(tag, " \t");
    if (tlen == 0 || tag[0] == '#' || tlen >= TAG_DESC_TAG_MAX)
        return;
    char *text = tag + tlen;
    text += strspn(text, " \t");
    size_t xlen = strlen(text);
    while (xlen > 0 && (text[xlen - 1] == ' ' || text[xlen - 1] == '\t' || text[xlen - 1] == '?'))
        xlen--; /* trailing blanks and the CR of a DOS file */
    tag[tlen] = '\0';
    struct tag_desc_entry *e;
    HASH_FIND_STR(t->map, tag, e);
    if (e)
        return;
    e = calloc(1, sizeof *e);
    if (!e)
        err(1, "malloc");
    memcpy(e->tag, tag, tlen + 1);
    if (xlen >= sizeof e->text)
        xlen = sizeof e->text - 1;
    memcpy(e->text, text, xlen);
    HASH_ADD_STR(t->map, tag, e);
}

struct tag_desc *tag_desc_load(const char *path)
{
    FILE *f = fopen_regular(path); /* a FIFO or device would block or worse */
    if (!f)
        return NULL;
    struct tag_desc *t = calloc(1, sizeof *t);
    if (!t)
        err(1, "malloc");
    char line[1024];
    while (fgets(line, sizeof line, f)) {
        size_t n = strlen(line);
        int whole = n > 0 && line[n - 1] == '\n';
        if (whole)
            line[--n] = '\0';
        tag_desc_line(t, line);
        while (!whole && fgets(line, sizeof line, f)) /* drop the rest of a long line */
            whole = line[strlen(line) - 1] == '\n';
    }
    fclose(f);
    return t;
}

void tag_desc_free(struct tag_desc *t)
{
    if (!t)
        return;
    struct tag_desc_entry *e, *tmp;
    HASH_ITER(hh, t->map, e, tmp) {
        HASH_DEL(t->map, e);
        free(e);
    }
    free(t);
}

const char *tag_desc_find(const struct tag_desc *t, const char *tag)
{
    struct tag_desc_entry *e;
    if (!t || strlen(tag) >= TAG_DESC_TAG_MAX)
        return NULL;
    HASH_FIND_STR(t->map, tag, e);
    return e ? e->text : NULL;
}
