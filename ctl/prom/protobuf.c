/* SPDX-License-Identifier: MIT
 * prom/protobuf.c - protocol buffers' wire format (prom/protobuf.h): the
 * writer grows its buffer and exits on out of memory like the rest of the
 * tool; the reader checks every length against the end it was given.
 */
#include "prom/protobuf.h"

#include <err.h>
#include <stdlib.h>
#include <string.h>

static void reserve(struct pb_writer *w, size_t n)
{
    if (w->cap - w->len >= n)
        return;
    size_t cap = w->cap ? w->cap : 256;
    while (cap - w->len < n)
        cap *= 2;
    unsigned char *b = realloc(w->buf, cap);
    if (!b)
        err(1, "malloc");
    w->buf = b;
    w->cap = cap;
}

void pb_put_varint(struct pb_writer *w, uint64_t v)
{
    reserve(w, 10);
    while (v >= 0x80) {
        w->buf[w->len++] = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    w->buf[w->len++] = (unsigned char)v;
}

void pb_put_tag(struct pb_writer *w, unsigned field, unsigned wire)
{
    pb_put_varint(w, (uint64_t)field << 3 | wire);
}

void pb_put_int(struct pb_writer *w, unsigned field, int64_t v)
{
    pb_put_tag(w, field, PB_VARINT);
    pb_put_varint(w, (uint64_t)v);
}

void pb_put_bytes(struct pb_writer *w, unsigned field, const void *p, size_t n)
{
    pb_put_tag(w, field, PB_LEN);
    pb_put_varint(w, n);
    reserve(w, n);
    if (n)
        memcpy(w->buf + w->len, p, n);
    w->len += n;
}

void pb_writer_free(struct pb_writer *w)
{
    free(w->buf);
    memset(w, 0, sizeof *w);
}

int pb_uvarint(const unsigned char **p, const unsigned char *end, uint64_t *v)
{
    uint64_t x = 0;
    const unsigned char *q = *p;
    for (unsigned shift = 0; shift < 70; shift += 7) {
        if (q >= end)
            return -1;
        unsigned char b = *q++;
        if (shift == 63 && b > 1)
            return -1; /* more than 64 bits */
        x |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *p = q;
            *v = x;
            return 0;
        }
    }
    return -1;
}

int pb_next(struct pb_reader *r, struct pb_field *f)
{
    if (r->p >= r->end)
        return 0;
    uint64_t key;
    if (pb_uvarint(&r->p, r->end, &key) != 0 || key >> 32 || (key >> 3) == 0)
        return -1;
    memset(f, 0, sizeof *f);
    f->number = (unsigned)(key >> 3);
    f->wire = (unsigned)(key & 7);
    switch (f->wire) {
    case PB_VARINT:
        return pb_uvarint(&r->p, r->end, &f->v) == 0 ? 1 : -1;
    case PB_I64:
    case PB_I32: {
        size_t n = f->wire == PB_I64 ? 8 : 4;
        if ((size_t)(r->end - r->p) < n)
            return -1;
        for (size_t i = 0; i < n; i++)
            f->v |= (uint64_t)r->p[i] << (8 * i);
        r->p += n;
        return 1;
    }
    case PB_LEN:
        if (pb_uvarint(&r->p, r->end, &f->v) != 0 || f->v > (uint64_t)(r->end - r->p))
            return -1;
        f->data = r->p;
        f->len = (size_t)f->v;
        r->p += f->len;
        return 1;
    default:
        return -1; /* groups (3, 4) and the unassigned 6, 7 */
    }
}
