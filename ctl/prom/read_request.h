/* SPDX-License-Identifier: MIT
 * prom/read_request.h - the body of a remote-read request (POST
 * /api/v1/read): a prometheus.ReadRequest (prompb/remote.proto) of one query
 * asking for STREAMED_XOR_CHUNKS, snappy-compressed, as the endpoint wants it.
 */
#ifndef HT_READ_REQUEST_H
#define HT_READ_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#include "prom/selector.h"

/* The headers the endpoint wants with the body. */
#define READ_REQUEST_HEADERS                                                                   \
    "Content-Type: application/x-protobuf\r\nContent-Encoding: snappy\r\n"                     \
    "X-Prometheus-Remote-Read-Version: 0.1.0\r\n"
/* The Content-Type of the streamed answer. */
#define READ_RESPONSE_STREAMED "application/x-streamed-protobuf; proto=prometheus.ChunkedReadResponse"

/* The ReadRequest protobuf of one query of the samples in [start_ms,
 * end_ms] of the series every matcher matches. Returns its malloc'd bytes
 * and length in *n. */
unsigned char *read_request_proto(int64_t start_ms, int64_t end_ms, const struct prom_matchers *ms,
                                  size_t *n);

/* The same, snappy-compressed: the body to POST. */
unsigned char *read_request_body(int64_t start_ms, int64_t end_ms, const struct prom_matchers *ms,
                                 size_t *n);

#endif
