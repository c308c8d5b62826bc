/* SPDX-License-Identifier: MIT
 * test_text_safe.c - the one function that decides which bytes a tagged
 * program may put on the operator's screen: controls of every kind and
 * invalid UTF-8 become "\xNN", printable UTF-8 stays, and JSON escapes them.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/fmt.h"
#include "util/text_safe.h"

static const char *safe(const char *s)
{
    static char buf[256];
    return text_safe(buf, sizeof buf, s);
}

Test(text_safe, controls_become_visible_escapes)
{
    cr_assert_str_eq(safe("plain name_1.c"), "plain name_1.c");
    cr_assert_str_eq(safe("evil\033]0;pwned\007\033[2J.c"), "evil\\x1b]0;pwned\\x07\\x1b[2J.c");
    cr_assert_str_eq(safe("tab\there\nnl\r"), "tab\\x09here\\x0anl\\x0d");
    cr_assert_str_eq(safe("del\x7f"), "del\\x7f");
    cr_assert_str_eq(safe("raw C1 \x9b" "31m"), "raw C1 \\x9b31m");
    cr_assert_str_eq(safe("utf8 C1 \xc2\x9b" "31m"), "utf8 C1 \\xc2\\x9b31m");
    cr_assert_str_eq(safe("\xc2\x85"), "\\xc2\\x85");
    cr_assert_str_eq(safe("bidi \xe2\x80\xae" "x"), "bidi \\xe2\\x80\\xaex");
    cr_assert_str_eq(safe("back\\slash"), "back\\slash");
}

Test(text_safe, invalid_utf8_escaped_valid_kept)
{
    cr_assert_str_eq(safe("Gr\xc3\xb6\xc3\x9f" "e \xe6\x97\xa5 \xf0\x9f\x98\x80"),
                     "Gr\xc3\xb6\xc3\x9f" "e \xe6\x97\xa5 \xf0\x9f\x98\x80");
    cr_assert_str_eq(safe("\xc3"), "\\xc3");                 /* cut short */
    cr_assert_str_eq(safe("\xc0\xaf"), "\\xc0\\xaf");        /* overlong */
    cr_assert_str_eq(safe("\xed\xa0\x80"), "\\xed\\xa0\\x80"); /* surrogate */
    cr_assert_str_eq(safe("\xff\xfe"), "\\xff\\xfe");
    cr_assert_str_eq(safe("\xa0"), "\\xa0");                 /* lone continuation */
    cr_assert_str_eq(safe("\xc2\xa0"), "\xc2\xa0");          /* U+00A0 is printable */
}

Test(text_safe, idempotent_and_cut_on_boundaries)
{
    char once[64], twice[64];
    text_safe(once, sizeof once, "a\033b\x9b\xc3\xa9");
    text_safe(twice, sizeof twice, once);
    cr_assert_str_eq(once, twice);
    cr_assert(text_is_safe(once));
    cr_assert(!text_is_safe("a\033"));
    char small[6];
    cr_assert_str_eq(text_safe(small, sizeof small, "ab\033c"), "ab"); /* no half escape */
    cr_assert_str_eq(text_safe(small, sizeof small, "abcd\xc3\xa9"), "abcd"); /* no half char */
    char in[16] = "x\033y";
    text_safe_inplace(in, sizeof in);
    cr_assert_str_eq(in, "x\\x1by");
    cr_assert_str_eq(text_safe_str("\007"), "\\x07");
}

/* Every byte of every string, through the table, CSV and JSON formatters:
 * nothing below 0x20 but the line ends the formatter itself writes, no DEL,
 * no C1, and the result is valid UTF-8. */
static void assert_clean(const char *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)out[i];
        cr_assert(c >= 0x20 && c != 0x7f, "byte 0x%02x at %zu in %s", c, i, out);
    }
    cr_assert(text_is_safe(out), "not safe: %s", out);
}

Test(text_safe, formatters_never_pass_a_control)
{
    unsigned seed = 7;
    for (int round = 0; round < 2000; round++) {
        char s[40];
        for (size_t i = 0; i < sizeof s - 1; i++) {
            seed = seed * 1103515245 + 12345;
            s[i] = (char)((seed >> 16) % 255 + 1);
        }
        s[sizeof s - 1] = '\0';
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        fmt_csv_field(f, s);
        fmt_json_string(f, s);
        char fit[21];
        fmt_fit(fit, 20, s);
        fputs(fit, f);
        fclose(f);
        assert_clean(buf, len);
        free(buf);
    }
}

Test(text_safe, json_escapes_c1_and_controls)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    fmt_json_string(f, "a\033\xc2\x9b\x7f\"\\\xe2\x80\xae");
    fclose(f);
    cr_assert_str_eq(buf, "\"a\\u001b\\u009b\\u007f\\\"\\\\\\u202e\"");
    free(buf);
}
