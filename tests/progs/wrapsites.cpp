/* SPDX-License-Identifier: MIT
 * wrapsites.cpp - allocations through wrappers, each kept live, so the
 * integration tests can check they are charged to the calling function:
 *   in_strdup: 3 strdup("abcdefg") (8 bytes each)
 *   in_xmalloc: 5 xmalloc(40), xmalloc named in HEAPTAG_WRAPPERS
 *   in_new: 7 new Obj (24 bytes each)
 *   in_vector: one std::vector<int> grown to 1000 elements by push_back
 *              (one live block of 4096 bytes, 11 allocations)
 * Usage: wrapsites MODE...  (modes run in order; "pause" waits for stdin)
 */
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

struct Obj {
    long a, b, c;
};

static void *keep[64];
static int nkeep;
static std::vector<int> *kept_vec;

extern "C" __attribute__((noinline)) void *xmalloc(size_t n)
{
    void *p = malloc(n);
    if (!p)
        abort();
    return p;
}

extern "C" __attribute__((noinline)) void in_strdup(void)
{
    for (int i = 0; i < 3; i++)
        keep[nkeep++] = strdup("abcdefg");
}

extern "C" __attribute__((noinline)) void in_xmalloc(void)
{
    for (int i = 0; i < 5; i++)
        keep[nkeep++] = xmalloc(40);
}

extern "C" __attribute__((noinline)) void in_new(void)
{
    for (int i = 0; i < 7; i++)
        keep[nkeep++] = new Obj();
}

extern "C" __attribute__((noinline)) void in_vector(void)
{
    kept_vec = new std::vector<int>; /* 24 bytes, charged here too */
    for (int i = 0; i < 1000; i++)
        kept_vec->push_back(i);
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "strdup") == 0)
            in_strdup();
        else if (strcmp(argv[i], "xmalloc") == 0)
            in_xmalloc();
        else if (strcmp(argv[i], "new") == 0)
            in_new();
        else if (strcmp(argv[i], "vector") == 0)
            in_vector();
        else if (strcmp(argv[i], "pause") == 0)
            (void)getchar();
        else {
            fprintf(stderr, "wrapsites: unknown mode %s\n", argv[i]);
            return 2;
        }
    }
    printf("wrapsites: %d blocks\n", nkeep);
    return 0;
}
