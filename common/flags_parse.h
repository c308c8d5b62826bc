/* SPDX-License-Identifier: MIT
 * flags_parse.h - parse GFlags-style flag changes: "+ptg+ust-htc", "+0x1400",
 * "-20", "ptg", or a bare hex value that replaces the whole word.
 *
 * Shared by the shim and the tool: pure, no allocation, no stdio, no locale.
 */
#ifndef HT_FLAGS_PARSE_H
#define HT_FLAGS_PARSE_H

#include <stddef.h>
#include <stdint.h>

struct ht_flags_change {
    uint32_t set;      /* bits to turn on */
    uint32_t clear;    /* bits to turn off */
    uint32_t value;    /* the whole word, when replace is set */
    int      replace;  /* a bare value was given: start from it */
};

/* Parses one argument (len bytes of s, no NUL needed) into *chg, adding to what
 * is already there. Returns 0, or -1 with *bad and *bad_len naming the first
 * token that is not a known abbreviation or a hex value of known bits. */
int ht_flags_parse(const char *s, size_t len, struct ht_flags_change *chg,
                   const char **bad, size_t *bad_len);

/* The word that results from applying chg to old. */
uint32_t ht_flags_apply(uint32_t old, const struct ht_flags_change *chg);

/* The change that does what applying first, then second does. */
struct ht_flags_change ht_flags_compose(const struct ht_flags_change *first,
                                        const struct ht_flags_change *second);

/* Writes chg the way a settings file holds it: "0x00001400" for a whole word,
 * else "+ptg+ust-htc" (bits without a name as hex), "" for no change.
 * cap >= 96 always suffices. Returns the length. */
size_t ht_flags_format(const struct ht_flags_change *chg, char *buf, size_t cap);

/* The abbreviation and description of a single flag bit, NULL if unknown. */
const char *ht_flag_abbr(uint32_t bit);
const char *ht_flag_text(uint32_t bit);

#endif
