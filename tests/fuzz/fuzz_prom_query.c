/* SPDX-License-Identifier: MIT
 * fuzz_prom_query.c - libFuzzer target: what `trend --prometheus` reads from
 * a server it does not control. The bytes go through the HTTP answer parser
 * (status, headers, Content-Length, chunked bodies) and, as a body and as
 * the decoded body, through the JSON readers of a range query's matrix,
 * label values, targets and flags. Every series handed out has matching lengths,
 * NUL-terminated labels and finite values.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "prom/http_client.h"
#include "prom/query_json.h"

static int on_series(void *arg, const struct promq_series *s)
{
    size_t *total = arg;
    if (s->n_labels > PROMQ_MAX_LABELS)
        abort();
    for (size_t i = 0; i < s->n_labels; i++)
        *total += strlen(s->labels[i].name) + strlen(s->labels[i].value);
    for (size_t i = 0; i < s->n; i++)
        if (!isfinite(s->t[i]) || !isfinite(s->v[i]))
            abort();
    *total += s->n;
    return 0;
}

static int on_string(void *arg, const char *s)
{
    *(size_t *)arg += strlen(s);
    return 0;
}

static void json(const char *buf, size_t n)
{
    char why[128];
    size_t total = 0;
    double iv;
    promq_parse_matrix(buf, n, on_series, &total, why, sizeof why);
    if (strnlen(why, sizeof why) == sizeof why)
        abort();
    promq_parse_strings(buf, n, on_string, &total, why, sizeof why);
    if (promq_parse_interval(buf, n, &iv, why, sizeof why) == 0 && !(iv >= 0))
        abort();
    char flag[16];
    if (promq_parse_flag(buf, n, "query.lookback-delta", flag, sizeof flag, why, sizeof why) == 0 &&
        strnlen(flag, sizeof flag) == sizeof flag)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json((const char *)data, size);
    int status;
    char *body, why[128];
    size_t len;
    if (http_parse_answer((const char *)data, size, &status, &body, &len, why, sizeof why) == 0) {
        if (status < 0 || status > 999 || len > size || body[len] != '\0')
            abort();
        json(body, len);
        free(body);
    }
    char *nul = memchr(data, 0, size);
    if (nul == NULL && size < 64) {
        char s[64];
        memcpy(s, data, size);
        s[size] = '\0';
        double d = promq_duration(s);
        if (!(d == -1 || d >= 0))
            abort();
    }
    return 0;
}
