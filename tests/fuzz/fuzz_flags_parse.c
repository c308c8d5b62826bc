/* SPDX-License-Identifier: MIT
 * fuzz_flags_parse.c - libFuzzer target: the flag-change parser shared by the
 * shim and the tool, on any bytes. A parse either fails naming a token inside
 * the input, or yields a word with known bits only.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "flags_parse.h"
#include "heaptag_flags.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    struct ht_flags_change chg = { 0, 0, 0, 0 };
    const char *bad = NULL;
    size_t bad_len = 0;
    if (ht_flags_parse(s, size, &chg, &bad, &bad_len) == 0) {
        uint32_t w = ht_flags_apply(0xffffffffu & HT_FLAG_ALL, &chg);
        if ((w | chg.set | chg.clear) & ~(uint32_t)HT_FLAG_ALL)
            abort();
        if (chg.set & chg.clear)
            abort();
        for (uint32_t bit = 1; bit; bit <<= 1)
            if ((w & bit) && (!ht_flag_abbr(bit) || !ht_flag_text(bit)))
                abort();
    } else if (bad < s || (bad_len == 0 && size > 0) || bad + bad_len > s + size) {
        abort(); /* the bad token must lie inside the input */
    }
    return 0;
}
