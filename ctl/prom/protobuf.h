/* SPDX-License-Identifier: MIT
 * prom/protobuf.h - protocol buffers' wire format, the little that remote
 * read needs: a growing writer of varints, fixed-length and length-delimited
 * fields, and a reader that hands out one field at a time from a bounded
 * buffer and refuses anything malformed (cut varints, lengths past the end,
 * groups, unknown wire types).
 */
#ifndef HT_PROTOBUF_H
#define HT_PROTOBUF_H

#include <stddef.h>
#include <stdint.h>

enum { PB_VARINT = 0, PB_I64 = 1, PB_LEN = 2, PB_I32 = 5 };

struct pb_writer {
    unsigned char *buf;
    size_t len, cap;
};

void pb_put_varint(struct pb_writer *w, uint64_t v);
void pb_put_tag(struct pb_writer *w, unsigned field, unsigned wire);
/* A varint field (int64, enum, bool: negative int64 as its 10-byte two's
 * complement, as protobuf does). */
void pb_put_int(struct pb_writer *w, unsigned field, int64_t v);
/* A length-delimited field: bytes, a string, or an embedded message
 * already written. */
void pb_put_bytes(struct pb_writer *w, unsigned field, const void *p, size_t n);
void pb_writer_free(struct pb_writer *w);

struct pb_reader {
    const unsigned char *p, *end;
};

/* One field read: its number, wire type and value (a varint, a fixed
 * value, or the bytes of a length-delimited field, pointing into the
 * buffer). */
struct pb_field {
    unsigned number, wire;
    uint64_t v;
    const unsigned char *data;
    size_t len;
};

/* Reads the next field into f. Returns 1, 0 at the end, -1 when the bytes
 * are not protobuf. */
int pb_next(struct pb_reader *r, struct pb_field *f);

/* Reads a uvarint from *p (below end) into *v and moves *p past it.
 * Returns 0, or -1 when it is cut or longer than ten bytes. */
int pb_uvarint(const unsigned char **p, const unsigned char *end, uint64_t *v);

#endif
