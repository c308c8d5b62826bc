/* SPDX-License-Identifier: MIT
 * prom/chunked_read.c - frames as storage/remote/chunked.go writes them
 * (uvarint size, big-endian uint32 CRC-32C of the data, the data), each a
 * ChunkedReadResponse { repeated ChunkedSeries chunked_series = 1; int64
 * query_index = 2; } with ChunkedSeries { repeated Label labels = 1; repeated
 * Chunk chunks = 2; }, Label { string name = 1; string value = 2; } and Chunk
 * { int64 min_time_ms = 1; int64 max_time_ms = 2; Encoding type = 3; bytes
 * data = 4; }. Unknown fields are skipped, as protobuf wants.
 */
#include "prom/chunked_read.h"

#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prom/protobuf.h"
#include "util/why.h"


static uint32_t crc32c_table(uint32_t c, const unsigned char *b, size_t n)
{
    static uint32_t table[256];
    static int ready; /* the table is the same whoever builds it: a race writes equal words */
    if (!__atomic_load_n(&ready, __ATOMIC_ACQUIRE)) {
        for (uint32_t i = 0; i < 256; i++) {
            uint32_t x = i;
            for (int k = 0; k < 8; k++)
                x = x & 1 ? (x >> 1) ^ 0x82f63b78u : x >> 1;
            __atomic_store_n(&table[i], x, __ATOMIC_RELAXED);
        }
        __atomic_store_n(&ready, 1, __ATOMIC_RELEASE);
    }
    for (size_t i = 0; i < n; i++)
        c = table[(c ^ b[i]) & 0xff] ^ (c >> 8);
    return c;
}

#if defined(__x86_64__)
/* SSE 4.2 has the Castagnoli CRC as an instruction: a frame's check costs
 * a tenth of the table's. */
__attribute__((target("sse4.2"))) static uint32_t crc32c_sse42(uint32_t c, const unsigned char *b,
                                                                size_t n)
{
    uint64_t c64 = c;
    for (; n >= 8; b += 8, n -= 8) {
        uint64_t v;
        memcpy(&v, b, 8);
        c64 = __builtin_ia32_crc32di(c64, v);
    }
    c = (uint32_t)c64;
    for (; n > 0; b++, n--)
        c = __builtin_ia32_crc32qi(c, *b);
    return c;
}
#endif

uint32_t crc32c(const void *p, size_t n)
{
    const unsigned char *b = p;
#if defined(__x86_64__)
    if (__builtin_cpu_supports("sse4.2"))
        return crc32c_sse42(0xffffffffu, b, n) ^ 0xffffffffu;
#endif
    return crc32c_table(0xffffffffu, b, n) ^ 0xffffffffu;
}

struct reader {
    chunked_series_fn fn;
    void *arg;
    struct chunked_chunk *chunks;
    size_t cap;
};

static int label_of(const unsigned char *p, size_t n, struct chunked_label *l)
{
    struct pb_reader r = { p, p + n };
    struct pb_field f;
    int rc;
    memset(l, 0, sizeof *l);
    l->name = l->value = "";
    while ((rc = pb_next(&r, &f)) == 1) {
        if (f.number == 1 && f.wire == PB_LEN) {
            l->name = (const char *)f.data;
            l->name_len = f.len;
        } else if (f.number == 2 && f.wire == PB_LEN) {
            l->value = (const char *)f.data;
            l->value_len = f.len;
        } else if (f.number <= 2) {
            return -1;
        }
    }
    return rc;
}

static int chunk_of(const unsigned char *p, size_t n, struct chunked_chunk *c)
{
    struct pb_reader r = { p, p + n };
    struct pb_field f;
    int rc;
    memset(c, 0, sizeof *c);
    c->data = p; /* an empty chunk points somewhere */
    while ((rc = pb_next(&r, &f)) == 1) {
        int want = f.number == 4 ? PB_LEN : PB_VARINT;
        if (f.number >= 1 && f.number <= 4 && (int)f.wire != want)
            return -1;
        if (f.number == 1)
            c->min_ms = (int64_t)f.v;
        else if (f.number == 2)
            c->max_ms = (int64_t)f.v;
        else if (f.number == 3)
            c->type = f.v;
        else if (f.number == 4) {
            c->data = f.data;
            c->len = f.len;
        }
    }
    return rc;
}

static int series_of(struct reader *rd, const unsigned char *p, size_t n, int64_t query_index,
                     char *why, size_t wn)
{
    struct chunked_label labels[CHUNKED_READ_MAX_LABELS];
    struct chunked_series s = { .labels = labels, .chunks = rd->chunks, .query_index = query_index };
    struct pb_reader r = { p, p + n };
    struct pb_field f;
    int rc;
    while ((rc = pb_next(&r, &f)) == 1) {
        if (f.number == 1 && f.wire == PB_LEN) {
            if (s.n_labels == CHUNKED_READ_MAX_LABELS)
                return why_fail(why, wn, "a series with more than %d labels", CHUNKED_READ_MAX_LABELS);
            if (label_of(f.data, f.len, &labels[s.n_labels++]) != 0)
                return why_fail(why, wn, "bad label");
        } else if (f.number == 2 && f.wire == PB_LEN) {
            if (s.n_chunks == rd->cap) {
                rd->cap = rd->cap ? rd->cap * 2 : 64;
                rd->chunks = realloc(rd->chunks, rd->cap * sizeof *rd->chunks);
                if (!rd->chunks)
                    err(1, "malloc");
                s.chunks = rd->chunks;
            }
            if (chunk_of(f.data, f.len, &rd->chunks[s.n_chunks++]) != 0)
                return why_fail(why, wn, "bad chunk");
        } else if (f.number <= 2) {
            return why_fail(why, wn, "bad series");
        }
    }
    if (rc != 0)
        return why_fail(why, wn, "bad series");
    why[0] = '\0';
    if (rd->fn(rd->arg, &s, why, wn) != 0)
        return why[0] ? -1 : why_fail(why, wn, "stopped");
    return 0;
}

static int frame_of(struct reader *rd, const unsigned char *p, size_t n, char *why, size_t wn)
{
    struct pb_reader r = { p, p + n };
    struct pb_field f;
    int64_t query_index = 0;
    int rc;
    /* the query index first: protobuf allows it after the series */
    while ((rc = pb_next(&r, &f)) == 1)
        if (f.number == 2) {
            if (f.wire != PB_VARINT)
                return why_fail(why, wn, "bad query index");
            query_index = (int64_t)f.v;
        }
    if (rc != 0)
        return why_fail(why, wn, "bad ChunkedReadResponse");
    r.p = p;
    while (pb_next(&r, &f) == 1)
        if (f.number == 1) {
            if (f.wire != PB_LEN)
                return why_fail(why, wn, "bad ChunkedReadResponse");
            if (series_of(rd, f.data, f.len, query_index, why, wn) != 0)
                return -1;
        }
    return 0;
}

int chunked_read(const void *buf, size_t len, chunked_series_fn fn, void *arg, char *why,
                 size_t wn)
{
    const unsigned char *p = buf, *end = p + len;
    struct reader rd = { .fn = fn, .arg = arg };
    int rc = 0;
    while (p < end && rc == 0) {
        uint64_t size;
        size_t at = (size_t)(p - (const unsigned char *)buf);
        if (pb_uvarint(&p, end, &size) != 0)
            rc = why_fail(why, wn, "bad frame size at byte %zu", at);
        else if (size > CHUNKED_READ_MAX_FRAME)
            rc = why_fail(why, wn, "frame of %llu bytes at byte %zu", (unsigned long long)size, at);
        else if ((size_t)(end - p) < 4 || (size_t)(end - p) - 4 < size)
            rc = why_fail(why, wn, "frame cut short at byte %zu", at);
        else {
            uint32_t crc = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
            p += 4;
            if (crc32c(p, (size_t)size) != crc)
                rc = why_fail(why, wn, "frame checksum mismatch at byte %zu", at);
            else
                rc = frame_of(&rd, p, (size_t)size, why, wn);
            p += size;
        }
    }
    free(rd.chunks);
    return rc;
}
