/* SPDX-License-Identifier: MIT
 * prom/chunked_read.h - reads a streamed remote-read answer
 * (STREAMED_XOR_CHUNKS): frames of a uvarint length, a big-endian CRC-32C of
 * the frame, and the frame, a prometheus.ChunkedReadResponse of one series'
 * labels and chunks (prompb/types.proto). Trusts nothing: every length and
 * checksum is checked, and any flaw refuses the answer with a reason.
 */
#ifndef HT_CHUNKED_READ_H
#define HT_CHUNKED_READ_H

#include <stddef.h>
#include <stdint.h>

/* A frame larger than this is refused (Prometheus' own client allows 50 MB;
 * the server cuts frames near --storage.remote.read-max-bytes-in-frame, 1 MB). */
#define CHUNKED_READ_MAX_FRAME (50u << 20)
#define CHUNKED_READ_MAX_LABELS 64
#define CHUNK_TYPE_XOR 1

struct chunked_label {
    const char *name, *value; /* not NUL-terminated; may hold any byte */
    size_t name_len, value_len;
};

struct chunked_chunk {
    int64_t min_ms, max_ms;
    uint64_t type; /* CHUNK_TYPE_XOR, or another encoding */
    const unsigned char *data;
    size_t len;
};

/* One ChunkedSeries: valid during the callback only. A series with more
 * chunks than fit in a frame comes in several, one after the other, each
 * with the same labels. */
struct chunked_series {
    const struct chunked_label *labels;
    size_t n_labels;
    const struct chunked_chunk *chunks;
    size_t n_chunks;
    int64_t query_index;
};

/* Called for each series; returns 0 to go on, -1 to stop (the read then
 * fails with the reason the callback put in why, or "stopped"). */
typedef int (*chunked_series_fn)(void *arg, const struct chunked_series *s, char *why, size_t wn);

/* Reads the frames of buf[0..len) in order. Returns 0 when every frame was
 * whole and sound, -1 with why otherwise (series before the flaw have been
 * passed to fn). */
int chunked_read(const void *buf, size_t len, chunked_series_fn fn, void *arg, char *why,
                 size_t wn);

/* CRC-32C (Castagnoli) of p[0..n), as Go's crc32.Checksum with that table. */
uint32_t crc32c(const void *p, size_t n);

#endif
