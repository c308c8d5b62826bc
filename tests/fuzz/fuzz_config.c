/* SPDX-License-Identifier: MIT
 * fuzz_config.c - libFuzzer target: the shim's start-up configuration. The
 * input is a settings file (flags, image, tracedb, wrappers, abort lines) and,
 * after its first NUL byte, a HEAPTAG_FLAGS value; whatever they say, the
 * result is sane. Run with -close_fd_mask=2: the shim warns on stderr.
 */
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/config.h"
#include "fuzz_file.h"
#include "heaptag_flags.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, 0, size);
    size_t file_len = nul ? (size_t)(nul - data) : size;
    const char *path = fuzz_file("config", data, file_len);
    if (!path)
        return 0;
    char env[256] = "";
    if (nul) {
        size_t n = size - file_len - 1;
        if (n >= sizeof env)
            n = sizeof env - 1;
        memcpy(env, nul + 1, n);
        env[n] = '\0';
    }
    struct ht_config_sources src = { path, NULL, "/usr/bin/fuzzed", env, NULL, NULL, NULL };
    struct ht_config cfg;
    ht_config_load_from(&cfg, &src);
    if (cfg.flags & ~(uint32_t)HT_FLAG_ALL)
        abort();
    if (cfg.rows < 64 || cfg.rows > (1u << 22))
        abort();
    if (cfg.stack_depth == 0 || cfg.stack_depth > 64)
        abort();
    if (memchr(cfg.wrappers, 0, sizeof cfg.wrappers) == NULL)
        abort();
    return 0;
}
