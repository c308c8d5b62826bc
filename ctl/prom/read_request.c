/* SPDX-License-Identifier: MIT
 * prom/read_request.c - ReadRequest { repeated Query queries = 1; repeated
 * ResponseType accepted_response_types = 2; } with Query { int64
 * start_timestamp_ms = 1; int64 end_timestamp_ms = 2; repeated LabelMatcher
 * matchers = 3; } and LabelMatcher { Type type = 1; string name = 2; string
 * value = 3; } (prompb/remote.proto and types.proto; STREAMED_XOR_CHUNKS is 1).
 */
#include "prom/read_request.h"

#include <err.h>
#include <stdlib.h>
#include <string.h>

#include "prom/protobuf.h"
#include "prom/snappy.h"

#define RESPONSE_STREAMED_XOR_CHUNKS 1

unsigned char *read_request_proto(int64_t start_ms, int64_t end_ms, const struct prom_matchers *ms,
                                  size_t *n)
{
    struct pb_writer q = { 0 }, m = { 0 }, r = { 0 };
    pb_put_int(&q, 1, start_ms);
    pb_put_int(&q, 2, end_ms);
    for (size_t i = 0; i < ms->n; i++) {
        m.len = 0;
        if (ms->m[i].type != PROM_MATCH_EQ) /* proto3 leaves a zero out */
            pb_put_int(&m, 1, ms->m[i].type);
        pb_put_bytes(&m, 2, ms->m[i].name, strlen(ms->m[i].name));
        pb_put_bytes(&m, 3, ms->m[i].value, strlen(ms->m[i].value));
        pb_put_bytes(&q, 3, m.buf, m.len);
    }
    pb_put_bytes(&r, 1, q.buf, q.len);
    pb_put_int(&r, 2, RESPONSE_STREAMED_XOR_CHUNKS);
    pb_writer_free(&q);
    pb_writer_free(&m);
    *n = r.len;
    return r.buf;
}

unsigned char *read_request_body(int64_t start_ms, int64_t end_ms, const struct prom_matchers *ms,
                                 size_t *n)
{
    size_t pn;
    unsigned char *p = read_request_proto(start_ms, end_ms, ms, &pn);
    unsigned char *out = malloc(snappy_literal_bound(pn));
    if (!out)
        err(1, "malloc");
    *n = snappy_encode_literal(p, pn, out);
    free(p);
    return out;
}
