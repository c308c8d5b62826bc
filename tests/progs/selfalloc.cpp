/* SPDX-License-Identifier: MIT
 * selfalloc.cpp - an explicit tag around exactly 100 std::string allocations,
 * each string long enough to allocate its own buffer: 200 allocations, none
 * freed. Built at -O2. The shim's own work (the unwinder loading unwind
 * information on the first miss) must add nothing to the tag's row.
 */
#include <cstdio>
#include <string>
#include <unistd.h>

#include "heaptag.h"

static std::string *volatile sink[100];

__attribute__((noinline)) static void make_strings(const char *text)
{
    HEAPTAG_SCOPE("Str") {
        for (int i = 0; i < 100; i++)
            sink[i] = new std::string(text);
    }
}

int main(int argc, char **argv)
{
    make_strings(argc > 1 ? argv[1] : "a string well past the small-string buffer of libstdc++");
    std::printf("pid %d\n", (int)getpid());
    return 0;
}
