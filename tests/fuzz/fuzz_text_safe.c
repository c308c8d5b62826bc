/* SPDX-License-Identifier: MIT
 * fuzz_text_safe.c - libFuzzer target: the one function that decides what a
 * tagged program's names may put on a terminal, and the formatters built on
 * it, on any bytes. Its output never holds a control byte (C0, DEL, C1), is
 * valid UTF-8, fits its buffer and is its own safe form; JSON strings and CSV
 * fields never carry a raw control byte either.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/fmt.h"
#include "util/text_safe.h"

static void check_bytes(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f)
            abort();
        if (c == 0xc2 && i + 1 < n && (unsigned char)s[i + 1] >= 0x80 &&
            (unsigned char)s[i + 1] < 0xa0)
            abort(); /* C1 as UTF-8 */
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char in[512], out[512 * 4 + 1], again[sizeof out];
    size_t n = size < sizeof in - 1 ? size : sizeof in - 1;
    memcpy(in, data, n);
    in[n] = '\0';
    size_t cap = size ? 1 + data[0] % sizeof out : sizeof out; /* cut at any size */
    text_safe(out, cap, in);
    size_t len = strlen(out);
    if (len >= cap)
        abort();
    check_bytes(out, len);
    if (!text_is_safe(out))
        abort(); /* valid UTF-8, nothing unprintable */
    text_safe(again, sizeof again, out);
    if (strcmp(out, again) != 0)
        abort(); /* the safe form of a safe string is itself */

    char *buf = NULL;
    size_t blen = 0;
    FILE *f = open_memstream(&buf, &blen);
    if (!f)
        return 0;
    fmt_json_string(f, in);
    fmt_csv_field(f, in);
    char fit[25];
    fmt_fit(fit, 24, in);
    fputs(fit, f);
    fclose(f);
    check_bytes(buf, blen);
    free(buf);
    return 0;
}
