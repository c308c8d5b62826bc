/*
 * fuzz_config.c - libFuzzer target: the shim's start-up configuration from
 * the environment. The input is split at NUL bytes into HEAPTAG_FLAGS,
 * HEAPTAG_KEEP and HEAPTAG_ROWS; whatever they say, the result is sane.
 * Run with -close_fd_mask=2: the shim's warnings on bad values go to stderr.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "heaptag_flags.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const names[] = { "HEAPTAG_FLAGS", "HEAPTAG_KEEP", "HEAPTAG_ROWS" };
    char *copy = malloc(size + 1);
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    copy[size] = '\0';
    char *p = copy;
    for (int i = 0; i < 3; i++) {
        if (p < copy + size + 1 && (p != copy + size || i == 0)) {
            setenv(names[i], p, 1);
            p += strlen(p) + 1;
        } else {
            unsetenv(names[i]);
        }
    }
    free(copy);
    struct ht_config cfg;
    ht_config_load(&cfg);
    if (cfg.flags & ~(uint32_t)HT_FLAG_ALL)
        abort();
    if (cfg.rows < 64 || cfg.rows > (1u << 22))
        abort();
    if (cfg.keep != 0 && cfg.keep != 1)
        abort();
    return 0;
}
