/* SPDX-License-Identifier: MIT
 * prom/snappy.h - snappy's block format as far as a client that only sends
 * needs it: the uncompressed length, then the bytes as literals. Valid snappy
 * that any decoder reads; it compresses nothing, and a remote-read request
 * is a few hundred bytes.
 */
#ifndef HT_SNAPPY_H
#define HT_SNAPPY_H

#include <stddef.h>

/* Bytes snappy_encode_literal writes for n bytes of input, at most. */
size_t snappy_literal_bound(size_t n);

/* Writes in[0..n) as a snappy block into out (snappy_literal_bound(n)
 * bytes). Returns the length written. */
size_t snappy_encode_literal(const void *in, size_t n, unsigned char *out);

#endif
