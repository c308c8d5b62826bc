/* SPDX-License-Identifier: MIT
 * report.h - heap check reports: one line on stderr, written with write(2)
 * from a stack buffer (no stdio, no allocation), counted in the segment's
 * corruptions[], and abort() afterwards when the user asked for it.
 */
#ifndef HT_REPORT_H
#define HT_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "base/glue.h"

struct ht_msg {
    char buf[640];
    size_t len;
};

HT_HIDDEN void ht_msg_str(struct ht_msg *m, const char *s);
HT_HIDDEN void ht_msg_u64(struct ht_msg *m, uint64_t v);
HT_HIDDEN void ht_msg_hex(struct ht_msg *m, uint64_t v); /* 0x... */
/* "tag T, allocated at 0xSITE (module+0xOFF)"; tag words as the rows key them. */
HT_HIDDEN void ht_msg_origin(struct ht_msg *m, const uint64_t tag[2], uint64_t site);

/* What the ring keeps of one report (fields as struct ht_report). */
struct ht_report_info {
    unsigned kind;       /* enum ht_corruption */
    unsigned op;         /* enum ht_report_op */
    uint64_t addr;
    uint64_t size;       /* 0 when no block is known */
    uint64_t site;       /* 0 unknown */
    uint64_t detail;
    uint64_t tag[2];     /* as the rows key it; zero for none */
    uint32_t stack;      /* UINT32_MAX none */
};

/* Writes "heaptag: " + the message + newline, counts info->kind in the
 * segment, puts info in the report ring, aborts if configured. */
HT_HIDDEN void ht_report(struct ht_msg *m, const struct ht_report_info *info);

/* HEAPTAG_ABORT: reports end in abort(). */
HT_HIDDEN void ht_report_set_abort(int on);

#endif
