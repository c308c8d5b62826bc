/* SPDX-License-Identifier: MIT
 * mon/tag_desc.h - descriptions for tags from a file of "Tag  description" lines,
 * like PoolMon's pooltag.txt: the tag, blanks, the rest of the line. Blank
 * lines and lines starting with '#' are skipped; the first entry of a tag wins.
 */
#ifndef HT_TAG_DESC_H
#define HT_TAG_DESC_H

struct tag_desc;

/* Loads path. Returns the table, or NULL with errno set (file unreadable). */
struct tag_desc *tag_desc_load(const char *path);
void tag_desc_free(struct tag_desc *t);

/* The description of tag, or NULL. */
const char *tag_desc_find(const struct tag_desc *t, const char *tag);

#endif
