/* SPDX-License-Identifier: MIT
 * prom/snappy.c - a snappy block of literals: a uvarint of the length, then
 * literal elements of at most 64 KiB, each a tag byte (its low two bits 00)
 * whose upper six bits hold length - 1 below 60, or 61 followed by length - 1
 * in two little-endian bytes.
 */
#include "prom/snappy.h"

#include <string.h>

#define SNAPPY_LITERAL_MAX 65536

size_t snappy_literal_bound(size_t n)
{
    return 10 + n + 3 * (n / SNAPPY_LITERAL_MAX + 1);
}

size_t snappy_encode_literal(const void *in, size_t n, unsigned char *out)
{
    const unsigned char *s = in;
    size_t o = 0;
    for (size_t v = n; ; v >>= 7) {
        out[o++] = (unsigned char)(v & 0x7f) | (v >= 0x80 ? 0x80 : 0);
        if (v < 0x80)
            break;
    }
    while (n > 0) {
        size_t k = n < SNAPPY_LITERAL_MAX ? n : SNAPPY_LITERAL_MAX;
        if (k <= 60) {
            out[o++] = (unsigned char)((k - 1) << 2);
        } else {
            out[o++] = 61 << 2;
            out[o++] = (unsigned char)((k - 1) & 0xff);
            out[o++] = (unsigned char)((k - 1) >> 8);
        }
        memcpy(out + o, s, k);
        o += k;
        s += k;
        n -= k;
    }
    return o;
}
