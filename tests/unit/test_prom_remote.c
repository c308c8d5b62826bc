/* SPDX-License-Identifier: MIT
 * test_prom_remote.c - remote read's pieces on answers of a real Prometheus
 * (tests/support/remote_read_fixture.h): the frame reader and its checks,
 * the XOR chunk decoder against the server's own raw samples, the sampling
 * at a range query's steps against the server's own range queries (stale
 * marker and lookback included), the request's protobuf and snappy bytes,
 * and the selector's matchers.
 */
#include <criterion/criterion.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "prom/chunked_read.h"
#include "prom/protobuf.h"
#include "prom/query_json.h"
#include "prom/read_request.h"
#include "prom/selector.h"
#include "prom/snappy.h"
#include "prom/xor_chunk.h"
#include "remote_read_fixture.h"
#include "trend/prom_remote.h"
#include "trend/step_sample.h"

/* ---- a series set, as the JSON reader or the remote reader hands it out */

#define MAX_SET 8
#define MAX_PTS 64

struct set {
    size_t n;
    struct {
        char labels[256];
        double t[MAX_PTS], v[MAX_PTS];
        size_t n;
    } s[MAX_SET];
};

static int collect(void *arg, const struct promq_series *q)
{
    struct set *st = arg;
    cr_assert_lt(st->n, MAX_SET);
    cr_assert_leq(q->n, MAX_PTS);
    char *l = st->s[st->n].labels;
    for (size_t i = 0; i < q->n_labels; i++) {
        strcat(l, q->labels[i].name);
        strcat(l, "=");
        strcat(l, q->labels[i].value);
        strcat(l, ";");
    }
    memcpy(st->s[st->n].t, q->t, q->n * sizeof *q->t);
    memcpy(st->s[st->n].v, q->v, q->n * sizeof *q->v);
    st->s[st->n].n = q->n;
    st->n++;
    return 0;
}

static struct set *from_json(const char *json)
{
    struct set *st = calloc(1, sizeof *st);
    char why[200] = "";
    cr_assert_eq(promq_parse_matrix(json, strlen(json), collect, st, why, sizeof why), 0, "%s", why);
    return st;
}

/* The live answer sampled at steps from start_ms by step_ms up to LIVE_END. */
static struct set *from_remote(int64_t start_ms, int64_t step_ms)
{
    int64_t steps[200];
    size_t n = 0;
    for (int64_t t = start_ms; t <= LIVE_END * 1000; t += step_ms)
        steps[n++] = t;
    struct promrr_steps st = { steps, n, STEP_LOOKBACK_MS };
    struct set *s = calloc(1, sizeof *s);
    char why[200] = "";
    cr_assert_eq(promrr_take(live_answer, sizeof live_answer, &st, collect, s, why, sizeof why), 0,
                 "%s", why);
    return s;
}

static void same_sets(const struct set *a, const struct set *b)
{
    cr_assert_eq(a->n, b->n);
    for (size_t i = 0; i < a->n; i++) {
        cr_assert_str_eq(a->s[i].labels, b->s[i].labels);
        cr_assert_eq(a->s[i].n, b->s[i].n, "%s: %zu points, the server %zu", a->s[i].labels,
                     a->s[i].n, b->s[i].n);
        for (size_t k = 0; k < a->s[i].n; k++) {
            cr_assert_eq(a->s[i].t[k], b->s[i].t[k], "%s point %zu: t %.3f, the server %.3f",
                         a->s[i].labels, k, a->s[i].t[k], b->s[i].t[k]);
            cr_assert_eq(a->s[i].v[k], b->s[i].v[k], "%s point %zu", a->s[i].labels, k);
        }
    }
}

/* At 1 s steps the points are the server's: b's stale marker ends it for four
 * steps (the lookback would otherwise carry its last value on), and the steps
 * past the last scrape take it by lookback. */
Test(prom_remote, sampled_as_the_server_samples_1s)
{
    struct set *json = from_json(live_range_1s), *rr = from_remote(LIVE_START * 1000, 1000);
    cr_assert_eq(json->n, 4, "a, b, c, d");
    same_sets(rr, json);
    cr_assert(strstr(rr->s[1].labels, "tag=b;"));
    cr_assert_eq(rr->s[1].n, rr->s[0].n - 4, "b is gone for four steps");
    cr_assert_eq(rr->s[1].t[1] - rr->s[1].t[0], 5, "the gap is the stale marker's");
    free(json);
    free(rr);
}

/* At 2.7 s steps from a quarter second past: the steps fall between samples. */
Test(prom_remote, sampled_as_the_server_samples_2_7s)
{
    struct set *json = from_json(live_range_2_7s),
               *rr = from_remote(LIVE_START * 1000 + 250, 2700);
    same_sets(rr, json);
    free(json);
    free(rr);
}

/* ---- the frames */

struct frames {
    size_t series, chunks, samples;
    char labels[512];
    int64_t query_index;
};

static int count_series(void *arg, const struct chunked_series *s, char *why, size_t wn)
{
    (void)why;
    (void)wn;
    struct frames *f = arg;
    f->series++;
    f->chunks += s->n_chunks;
    f->query_index = s->query_index;
    for (size_t i = 0; i < s->n_labels; i++)
        if (s->labels[i].name_len == 3 && !memcmp(s->labels[i].name, "tag", 3))
            strncat(f->labels, s->labels[i].value, s->labels[i].value_len);
    for (size_t i = 0; i < s->n_chunks; i++) {
        cr_assert_eq(s->chunks[i].type, CHUNK_TYPE_XOR);
        f->samples += (size_t)xor_chunk_count(s->chunks[i].data, s->chunks[i].len);
    }
    return 0;
}

Test(prom_remote, frames_of_a_real_answer)
{
    struct frames f = { 0 };
    char why[200] = "";
    cr_assert_eq(chunked_read(live_answer, sizeof live_answer, count_series, &f, why, sizeof why),
                 0, "%s", why);
    cr_assert_eq(f.series, 4);
    cr_assert_str_eq(f.labels, "abcd");
    cr_assert_eq(f.query_index, 0);
    /* 24 scrapes of a, c, d; b 20 and its stale marker */
    cr_assert_eq(f.samples, 24 * 3 + 21);
}

/* Every cut that is not at a frame's end, and every flipped byte, is refused. */
Test(prom_remote, frames_cut_or_flipped_are_refused)
{
    unsigned char buf[sizeof live_answer];
    size_t ends[16], n_ends = 0;
    /* the frame ends, from the sizes */
    const unsigned char *p = live_answer, *end = p + sizeof live_answer;
    while (p < end) {
        uint64_t size;
        cr_assert_eq(pb_uvarint(&p, end, &size), 0);
        p += 4 + size;
        ends[n_ends++] = (size_t)(p - live_answer);
    }
    cr_assert_eq(p, end);
    cr_assert_eq(n_ends, 4, "one frame a series");
    for (size_t cut = 1; cut < sizeof live_answer; cut++) {
        struct frames f = { 0 };
        char why[200] = "";
        int at_end = 0;
        for (size_t k = 0; k < n_ends; k++)
            at_end |= ends[k] == cut;
        int rc = chunked_read(live_answer, cut, count_series, &f, why, sizeof why);
        cr_assert_eq(rc, at_end ? 0 : -1, "cut at %zu", cut);
        if (!at_end)
            cr_assert(strstr(why, "cut short") || strstr(why, "bad frame size"), "%zu: %s", cut, why);
    }
    for (size_t i = 0; i < sizeof live_answer; i++) {
        memcpy(buf, live_answer, sizeof buf);
        buf[i] ^= 0x10;
        struct frames f = { 0 };
        char why[200] = "";
        cr_assert_eq(chunked_read(buf, sizeof buf, count_series, &f, why, sizeof why), -1,
                     "flipped byte %zu", i);
    }
}

Test(prom_remote, crc32c_known_values)
{
    /* RFC 3720's check value, and its 32 bytes of zeros */
    cr_assert_eq(crc32c("123456789", 9), 0xe3069283u);
    unsigned char z[32] = { 0 };
    cr_assert_eq(crc32c(z, sizeof z), 0x8a9136aau);
}

/* ---- the XOR chunks, against the server's raw samples */

struct raw {
    size_t n;
    int64_t t[2][400];
    double v[2][400];
    size_t k[2];
};

static int take_raw(void *arg, const struct promq_series *q)
{
    struct raw *r = arg;
    cr_assert_lt(r->n, 2);
    cr_assert_leq(q->n, 400);
    for (size_t i = 0; i < q->n; i++) {
        r->t[r->n][i] = llround(q->t[i] * 1000);
        r->v[r->n][i] = q->v[i];
    }
    r->k[r->n++] = q->n;
    return 0;
}

struct decoded {
    struct raw *raw;
    size_t series, checked;
};

static int check_chunks(void *arg, const struct chunked_series *s, char *why, size_t wn)
{
    (void)why;
    (void)wn;
    struct decoded *d = arg;
    size_t si = d->series++;
    cr_assert_lt(si, 2);
    for (size_t c = 0; c < s->n_chunks; c++) {
        const struct chunked_chunk *ch = &s->chunks[c];
        long n = xor_chunk_count(ch->data, ch->len);
        cr_assert_gt(n, 0);
        struct xor_sample *out = malloc((size_t)n * sizeof *out);
        cr_assert_eq(xor_chunk_decode(ch->data, ch->len, out), n);
        cr_assert_eq(out[0].t, ch->min_ms);
        cr_assert_eq(out[n - 1].t, ch->max_ms);
        /* each sample is the server's, at its place */
        size_t j = 0;
        while (j < d->raw->k[si] && d->raw->t[si][j] < out[0].t)
            j++;
        for (long i = 0; i < n; i++, j++) {
            cr_assert_lt(j, d->raw->k[si]);
            double v;
            memcpy(&v, &out[i].v, sizeof v);
            cr_assert_eq(out[i].t, d->raw->t[si][j], "chunk %zu sample %ld", c, i);
            cr_assert_eq(v, d->raw->v[si][j], "chunk %zu sample %ld", c, i);
            d->checked++;
        }
        /* every cut of the chunk is refused: its header promises more */
        for (size_t cut = 0; cut < ch->len; cut++)
            cr_assert_eq(xor_chunk_decode(ch->data, cut, out), -1, "cut %zu", cut);
        free(out);
    }
    return 0;
}

Test(prom_remote, xor_chunks_are_the_raw_samples)
{
    struct raw *raw = calloc(1, sizeof *raw);
    char why[200] = "";
    cr_assert_eq(promq_parse_matrix(bf_raw, strlen(bf_raw), take_raw, raw, why, sizeof why), 0,
                 "%s", why);
    cr_assert_eq(raw->n, 2);
    struct decoded d = { .raw = raw };
    cr_assert_eq(chunked_read(bf_answer, sizeof bf_answer, check_chunks, &d, why, sizeof why), 0,
                 "%s", why);
    cr_assert_eq(d.series, 2);
    /* whole chunks: the three hours asked, and more */
    cr_assert_geq(d.checked, 2 * (3 * 60 + 1), "%zu", d.checked);
    free(raw);
}

/* ---- the sampling rule, at its edges */

Test(prom_remote, lookback_edges_and_stale)
{
    uint64_t one = 0x3ff0000000000000ull, two = 0x4000000000000000ull, nan = 0x7ff8000000000000ull;
    struct xor_sample s[] = { { 1000, one }, { 5000, XOR_STALE_NAN }, { 9000, two },
                              { 9500, nan } };
    int64_t steps[] = { 999, 1000, 4999, 5000, 8999, 9000, 9400, 9500, 9000 + 300000 + 500,
                        9500 + 300000, 9500 + 300001 };
    double t[16], v[16];
    size_t n = step_sample(s, 4, steps, sizeof steps / sizeof *steps, 300000, t, v);
    /* 999: nothing yet; 1000, 4999: one; 5000, 8999: stale; 9000, 9400: two;
     * 9500 and later: NaN, left out */
    cr_assert_eq(n, 4);
    cr_assert_eq(t[0], 1.0);
    cr_assert_eq(v[0], 1.0);
    cr_assert_eq(t[1], 4.999);
    cr_assert_eq(t[2], 9.0);
    cr_assert_eq(v[2], 2.0);
    cr_assert_eq(t[3], 9.4);
    /* the lookback's far end is inside: a sample exactly 5 minutes old counts */
    struct xor_sample s2[] = { { 0, one } };
    int64_t edge[] = { 300000, 300001 };
    cr_assert_eq(step_sample(s2, 1, edge, 2, 300000, t, v), 1);
    cr_assert_eq(t[0], 300.0);
}

Test(prom_remote, order_merges_overlapping_chunks)
{
    struct xor_sample s[] = { { 3, 30 }, { 1, 10 }, { 2, 20 }, { 3, 30 }, { 2, 20 } };
    cr_assert_eq(step_order(s, 5), 3);
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(s[i].t, i + 1);
        cr_assert_eq(s[i].v, (uint64_t)(i + 1) * 10);
    }
}

/* ---- the request */

/* A minimal snappy decoder (literals and copies), to read the request back. */
static size_t unsnappy(const unsigned char *in, size_t n, unsigned char *out, size_t cap)
{
    size_t i = 0, o = 0, want = 0;
    for (unsigned shift = 0;; shift += 7) {
        want |= (size_t)(in[i] & 0x7f) << shift;
        if (!(in[i++] & 0x80))
            break;
    }
    while (i < n) {
        unsigned tag = in[i++];
        cr_assert_eq(tag & 3, 0, "only literals are written");
        size_t len = tag >> 2;
        if (len >= 60) {
            size_t bytes = len - 59, l = 0;
            for (size_t k = 0; k < bytes; k++)
                l |= (size_t)in[i++] << (8 * k);
            len = l;
        }
        len++;
        cr_assert_leq(o + len, cap);
        memcpy(out + o, in + i, len);
        i += len;
        o += len;
    }
    cr_assert_eq(o, want);
    return o;
}

Test(prom_remote, snappy_literals)
{
    unsigned char out[16];
    cr_assert_eq(snappy_encode_literal("abc", 3, out), 5);
    cr_assert_eq(memcmp(out, "\x03\x08" "abc", 5), 0);
    size_t big = 200000;
    unsigned char *in = malloc(big), *enc = malloc(snappy_literal_bound(big)), *dec = malloc(big);
    for (size_t i = 0; i < big; i++)
        in[i] = (unsigned char)(i * 7 + (i >> 9));
    size_t en = snappy_encode_literal(in, big, enc);
    cr_assert_leq(en, snappy_literal_bound(big));
    /* 3 length bytes, 4 literals of at most 64 KiB with a 3-byte tag each */
    cr_assert_eq(en, 3 + big + 4 * 3);
    cr_assert_eq(enc[3], 61 << 2);
    cr_assert_eq(unsnappy(enc, en, dec, big), big);
    cr_assert_eq(memcmp(in, dec, big), 0);
    for (size_t n = 1; n < 70; n++) { /* across the 60-byte tag change */
        en = snappy_encode_literal(in, n, enc);
        cr_assert_eq(unsnappy(enc, en, dec, big), n);
        cr_assert_eq(memcmp(in, dec, n), 0);
    }
    free(in);
    free(enc);
    free(dec);
}

Test(prom_remote, read_request_bytes)
{
    struct prom_matchers ms = { 0 };
    prom_matchers_add(&ms, PROM_MATCH_EQ, "__name__", "x");
    prom_matchers_add(&ms, PROM_MATCH_RE, "a", "b.*");
    size_t n;
    unsigned char *p = read_request_proto(1000, 2000, &ms, &n);
    static const unsigned char want[] = {
        0x0a, 0x21,                   /* queries: Query of 33 bytes */
        0x08, 0xe8, 0x07,             /* start_timestamp_ms 1000 */
        0x10, 0xd0, 0x0f,             /* end_timestamp_ms 2000 */
        0x1a, 0x0d,                   /* matchers: 13 bytes */
        0x12, 0x08, '_', '_', 'n', 'a', 'm', 'e', '_', '_', 0x1a, 0x01, 'x',
        0x1a, 0x0a,                   /* matchers: 10 bytes */
        0x08, 0x02,                   /* type RE */
        0x12, 0x01, 'a', 0x1a, 0x03, 'b', '.', '*',
        0x10, 0x01,                   /* accepted_response_types: STREAMED_XOR_CHUNKS */
    };
    cr_assert_eq(n, sizeof want);
    cr_assert_eq(memcmp(p, want, n), 0);
    free(p);
    /* the body is that, as snappy */
    unsigned char dec[64];
    p = read_request_body(1000, 2000, &ms, &n);
    cr_assert_eq(unsnappy(p, n, dec, sizeof dec), sizeof want);
    cr_assert_eq(memcmp(dec, want, sizeof want), 0);
    free(p);
}

/* /api/v1/status/flags as Prometheus 2.42 answers it (cut to a few flags) */
Test(prom_remote, server_flags)
{
    static const char flags[] =
        "{\"status\":\"success\",\"data\":{\"agent\":\"false\",\"alertmanager.notification-queue-"
        "capacity\":\"10000\",\"query.lookback-delta\":\"4m30s\",\"query.max-samples\":"
        "\"50000000\",\"web.page-title\":\"Prometheus \\\"Time\\\" Series\"}}";
    char v[64], why[200] = "";
    cr_assert_eq(promq_parse_flag(flags, strlen(flags), "query.lookback-delta", v, sizeof v, why,
                                  sizeof why),
                 0, "%s", why);
    cr_assert_str_eq(v, "4m30s");
    cr_assert_eq(promq_duration(v), 270);
    cr_assert_eq(promq_parse_flag(flags, strlen(flags), "web.page-title", v, sizeof v, why,
                                  sizeof why),
                 0);
    cr_assert_str_eq(v, "Prometheus \"Time\" Series");
    cr_assert_eq(promq_parse_flag(flags, strlen(flags), "nothing", v, sizeof v, why, sizeof why),
                 0);
    cr_assert_str_eq(v, "");
    static const char err[] = "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"no\"}";
    cr_assert_eq(promq_parse_flag(err, strlen(err), "query.lookback-delta", v, sizeof v, why,
                                  sizeof why),
                 -1);
}

Test(prom_remote, selector_to_matchers)
{
    struct prom_matchers ms = { 0 };
    const char *why = NULL;
    cr_assert_eq(prom_selector_parse("{ job=\"api\", host=~'web.*' ,x!=`a\\b`, y!~\"\\\"q\\x41\\n\",}",
                                     &ms, &why),
                 0, "%s", why);
    cr_assert_eq(ms.n, 4);
    cr_assert_eq(ms.m[0].type, PROM_MATCH_EQ);
    cr_assert_str_eq(ms.m[0].name, "job");
    cr_assert_str_eq(ms.m[0].value, "api");
    cr_assert_eq(ms.m[1].type, PROM_MATCH_RE);
    cr_assert_str_eq(ms.m[1].value, "web.*");
    cr_assert_eq(ms.m[2].type, PROM_MATCH_NEQ);
    cr_assert_str_eq(ms.m[2].value, "a\\b", "raw strings keep backslashes");
    cr_assert_eq(ms.m[3].type, PROM_MATCH_NRE);
    cr_assert_str_eq(ms.m[3].value, "\"qA\n");
    static const char *const refused[] = { "{job=\"a\\u00e9\"}", "{job=\"\\101\"}", "{1job=\"a\"}",
                                           "{job==\"a\"}", "{job=\"a\" x=\"b\"}", "{job=a}",
                                           "{job=\"a\"} x", "{job=\"a\\'\"}", "job=\"a\"" };
    for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
        struct prom_matchers m2 = { 0 };
        cr_assert_eq(prom_selector_parse(refused[i], &m2, &why), -1, "%s", refused[i]);
    }
    struct prom_matchers m3 = { 0 };
    cr_assert_eq(prom_selector_parse("{}", &m3, &why), 0);
    cr_assert_eq(m3.n, 0);
}
