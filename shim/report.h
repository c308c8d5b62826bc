/*
 * report.h - heap check reports: one line on stderr, written with write(2)
 * from a stack buffer (no stdio, no allocation), counted in the segment's
 * corruptions[], and abort() afterwards when the user asked for it.
 */
#ifndef HT_REPORT_H
#define HT_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "glue.h"

struct ht_msg {
    char buf[640];
    size_t len;
};

HT_HIDDEN void ht_msg_str(struct ht_msg *m, const char *s);
HT_HIDDEN void ht_msg_u64(struct ht_msg *m, uint64_t v);
HT_HIDDEN void ht_msg_hex(struct ht_msg *m, uint64_t v); /* 0x... */
/* "tag T, allocated at 0xSITE (module+0xOFF)"; tag words as the rows key them. */
HT_HIDDEN void ht_msg_origin(struct ht_msg *m, const uint64_t tag[2], uint64_t site);

/* Writes "heaptag: " + the message + newline, counts kind (enum
 * ht_corruption) in the segment, aborts if configured. */
HT_HIDDEN void ht_report(struct ht_msg *m, unsigned kind);

/* HEAPTAG_ABORT: reports end in abort(). */
HT_HIDDEN void ht_report_set_abort(int on);

#endif
