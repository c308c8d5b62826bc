/* SPDX-License-Identifier: MIT
 * segment/ages.h - how old a row's live bytes are, from a snapshot's age
 * bins: the six age classes, and the bytes at least SECS old. A bin counts
 * in full on the younger side of any boundary its span straddles: a block
 * is counted as old as the end of its tick (its span) says it surely is.
 */
#ifndef HT_SEGMENT_AGES_H
#define HT_SEGMENT_AGES_H

#include <stdint.h>

#include "segment/reader.h"

/* Classes by the age blocks surely have: under 10 s, 1 min, 10 min, 1 h,
 * 1 d, and older. The names are the Prometheus `age` label values and the
 * JSON keys: never rename one. */
#define SEGAGE_CLASSES 6
extern const char *const segage_class_name[SEGAGE_CLASSES];
extern const uint64_t segage_class_from_s[SEGAGE_CLASSES]; /* lower bound, seconds */

/* The time ages are measured at: the exit for a process that exited, now else. */
uint64_t segage_now_ns(const struct segread_snap *s);

/* The age (ns) every block of bin b surely has at now_ns; UINT64_MAX when b
 * is empty. */
uint64_t segage_bin_age_ns(const struct segread_snap *s, uint32_t b, uint64_t now_ns);

/* A row's live bytes and blocks by class (signed: exact sums of what was
 * read, a racing free may make one dip below zero for a moment). */
void segage_classes(const struct segread_snap *s, const struct segread_row *r, uint64_t now_ns,
                    int64_t bytes[SEGAGE_CLASSES], int64_t blocks[SEGAGE_CLASSES]);

/* The row's live bytes and blocks allocated at least secs ago, within
 * [0, live]; *bins (may be NULL) gets how many bins hold them. */
void segage_old(const struct segread_snap *s, const struct segread_row *r, uint64_t now_ns,
                uint64_t secs, uint64_t *bytes, uint64_t *blocks, uint32_t *bins);

#endif
