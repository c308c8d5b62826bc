/* SPDX-License-Identifier: MIT
 * image_match.h - whether an `image NAME FLAGS` settings entry names this
 * program: by name, by path, and by what links resolve to (an entry for
 * tclsh applies to tclsh8.6 started through the tclsh link, and the other
 * way round). Built into the shim and the tool; no allocation, only stat().
 */
#ifndef HT_IMAGE_MATCH_H
#define HT_IMAGE_MATCH_H

#include <stddef.h>

/* True when the entry name (name_len bytes) names the program whose
 * executable is exe (absolute, links resolved, as /proc/self/exe), invoked
 * as argv0 (may be NULL), with PATH path_env (may be NULL):
 *   - a name holding '/' matches when it is exe or argv0, or is (through
 *     links) the same file as exe;
 *   - a bare name matches the last part of exe or of argv0, or a file of
 *     that name in a PATH directory that is (through links) exe. */
int ht_image_matches(const char *name, size_t name_len, const char *exe, const char *argv0,
                     const char *path_env);

#endif
