/* SPDX-License-Identifier: MIT
 * prom/xor_chunk.c - an XOR chunk: a big-endian 16-bit sample count, then a
 * bit stream (most significant bit first) of the first timestamp as a
 * zigzag varint and its value as 64 raw bits, the second timestamp's delta as
 * a uvarint and its value XORed with the first, then for each later sample a
 * delta of delta in a bucket of 0, 14, 17, 20 or 64 bits (prefixes 0, 10,
 * 110, 1110, 1111) and the value's XOR with the one before: 0 for the same
 * value, 10 and the meaningful bits within the last leading/trailing zeros,
 * or 11, five bits of leading zeros, six of meaningful bits (0 meaning 64)
 * and those bits. Every read is checked against the end; a header that
 * promises more samples than the bits hold is refused.
 */
#include "prom/xor_chunk.h"

#include <string.h>

struct bits {
    const unsigned char *p;
    size_t len, pos; /* pos in bits */
};

/* The 64 bits from byte pos / 8 on, big-endian, zeros past the end. */
static inline uint64_t window(const struct bits *b)
{
    size_t at = b->pos >> 3;
    uint64_t w = 0;
    if (b->len - at >= 8) {
        memcpy(&w, b->p + at, 8);
        return __builtin_bswap64(w);
    }
    for (size_t i = 0; i < 8; i++)
        w = w << 8 | (at + i < b->len ? b->p[at + i] : 0);
    return w;
}

/* The next n bits (1 to 64), most significant first. */
static inline int get_bits(struct bits *b, unsigned n, uint64_t *out)
{
    if (n > 57) { /* more than a window holds past a byte's offset */
        uint64_t hi, lo;
        if (get_bits(b, 32, &hi) != 0 || get_bits(b, n - 32, &lo) != 0)
            return -1;
        *out = hi << (n - 32) | lo;
        return 0;
    }
    if (n == 0 || b->len * 8 - b->pos < n)
        return -1;
    *out = (window(b) << (b->pos & 7)) >> (64 - n);
    b->pos += n;
    return 0;
}

static int get_uvarint(struct bits *b, uint64_t *out)
{
    uint64_t x = 0, byte;
    for (unsigned shift = 0; shift < 70; shift += 7) {
        if (get_bits(b, 8, &byte) != 0)
            return -1;
        if (shift == 63 && byte > 1)
            return -1;
        x |= (byte & 0x7f) << shift;
        if (!(byte & 0x80)) {
            *out = x;
            return 0;
        }
    }
    return -1;
}

long xor_chunk_count(const unsigned char *data, size_t len)
{
    return len < 2 ? -1 : (long)data[0] << 8 | data[1];
}

static int read_value(struct bits *b, uint64_t *val, unsigned *leading, unsigned *trailing)
{
    uint64_t bit, x;
    if (get_bits(b, 1, &bit) != 0)
        return -1;
    if (!bit)
        return 0; /* the same value */
    if (get_bits(b, 1, &bit) != 0)
        return -1;
    unsigned lead = *leading, trail = *trailing, mbits;
    if (!bit) {
        if (lead == 0xff)
            return -1; /* reuse before any was set */
        mbits = 64 - lead - trail;
    } else {
        if (get_bits(b, 5, &x) != 0)
            return -1;
        lead = (unsigned)x;
        if (get_bits(b, 6, &x) != 0)
            return -1;
        mbits = x ? (unsigned)x : 64;
        if (lead + mbits > 64)
            return -1;
        trail = 64 - lead - mbits;
        *leading = lead;
        *trailing = trail;
    }
    if (get_bits(b, mbits, &x) != 0)
        return -1;
    *val ^= trail >= 64 ? 0 : x << trail;
    return 0;
}

long xor_chunk_decode(const unsigned char *data, size_t len, struct xor_sample *out)
{
    long n = xor_chunk_count(data, len);
    if (n <= 0)
        return n;
    struct bits b = { data + 2, len - 2, 0 };
    uint64_t u, val, delta = 0;
    unsigned leading = 0xff, trailing = 0;
    int64_t ts;
    /* the first timestamp: a zigzag varint */
    if (get_uvarint(&b, &u) != 0 || get_bits(&b, 64, &val) != 0)
        return -1;
    ts = (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
    out[0] = (struct xor_sample){ ts, val };
    for (long i = 1; i < n; i++) {
        if (i == 1) {
            if (get_uvarint(&b, &delta) != 0)
                return -1;
        } else {
            uint64_t bit;
            unsigned d = 0;
            for (int k = 0; k < 4; k++) {
                if (get_bits(&b, 1, &bit) != 0)
                    return -1;
                d = d << 1 | (unsigned)bit;
                if (!bit)
                    break;
            }
            unsigned sz = d == 0x2 ? 14 : d == 0x6 ? 17 : d == 0xe ? 20 : d == 0xf ? 64 : 0;
            uint64_t dod = 0;
            if (sz && get_bits(&b, sz, &dod) != 0)
                return -1;
            if (sz && sz < 64 && dod > (1ull << (sz - 1)))
                dod -= 1ull << sz; /* negative, as xor.go writes it */
            delta += dod;          /* wraps as Go's int64 does */
        }
        ts = (int64_t)((uint64_t)ts + delta);
        if (read_value(&b, &val, &leading, &trailing) != 0)
            return -1;
        out[i] = (struct xor_sample){ ts, val };
    }
    return n;
}
