/* SPDX-License-Identifier: MIT
 * prom/xor_chunk.h - decodes the XOR ("Gorilla") chunks Prometheus stores its
 * float samples in (tsdb/chunkenc/xor.go), as remote read hands them out.
 * Values come out as their bits, so a stale marker stays itself.
 */
#ifndef HT_XOR_CHUNK_H
#define HT_XOR_CHUNK_H

#include <stddef.h>
#include <stdint.h>

/* The sample count of a chunk is its first two bytes: never more. */
#define XOR_CHUNK_MAX_SAMPLES 65535

/* The value Prometheus writes to end a series (value.StaleNaN). */
#define XOR_STALE_NAN 0x7ff0000000000002ull

/* How many samples the chunk data[0..len) says it holds, or -1 when it is
 * too short to say. */
long xor_chunk_count(const unsigned char *data, size_t len);

struct xor_sample {
    int64_t t;  /* ms since the epoch */
    uint64_t v; /* the float64's bits */
};

/* Decodes every sample of the chunk into out[], which has room for
 * xor_chunk_count() samples. Returns that count, or -1 when the chunk is
 * cut or malformed (out then holds garbage). */
long xor_chunk_decode(const unsigned char *data, size_t len, struct xor_sample *out);

#endif
