// SPDX-License-Identifier: MIT
// chain_cxx.cpp - every allocation entry point once or many times, for the
// allocator chain tests: under the shim over jemalloc, tcmalloc or mimalloc,
// and with those allocators before the shim. Prints what it checked.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <malloc.h>
#include <unistd.h>
#include <map>
#include <new>
#include <string>
#include <vector>

#include "heaptag.h"

int main()
{
    void *volatile sink;
    int ok = 1;
    HEAPTAG_SCOPE("Chn1") {
        std::vector<std::string> v;
        std::map<int, std::string> m;
        for (int i = 0; i < 2000; i++) {
            v.push_back(std::string(40 + i % 50, 'x'));
            m[i] = v.back();
        }
        ok &= v.size() == 2000 && m.size() == 2000;
    }
    HEAPTAG_SCOPE("Chn2") {
        char *s = strdup("hello");
        char *t = strndup("hello", 2);
        ok &= !strcmp(s, "hello") && !strcmp(t, "he");
        free(s);
        free(t);
        void *p = nullptr;
        ok &= posix_memalign(&p, 64, 100) == 0 && ((unsigned long)p & 63) == 0;
        free(p);
        void *q = aligned_alloc(256, 512);
        ok &= ((unsigned long)q & 255) == 0;
        free(q);
        void *w = memalign(128, 300);
        ok &= ((unsigned long)w & 127) == 0;
        free(w);
        char *r = (char *)malloc(10);
        strcpy(r, "abc");
        r = (char *)realloc(r, 100000);
        ok &= !strcmp(r, "abc");
        free(r);
        int *a = new int[100];
        sink = a;
        delete[] a;
        struct alignas(128) A { char c[128]; };
        A *x = new A;
        ok &= ((unsigned long)x & 127) == 0;
        sink = x;
        delete x;
        A *y = new (std::nothrow) A;
        sink = y;
        delete y;
        void *u = malloc(100);
        ok &= malloc_usable_size(u) >= 100;
        free(u);
        void *c = calloc(10, 10);
        ok &= ((char *)c)[99] == 0;
        free(c);
        sink = malloc(77); // one block left alive
    }
    (void)sink;
    printf("chain %s\n", ok ? "ok" : "FAILED");
    printf("pid %d\n", (int)getpid());
    return ok ? 0 : 1;
}
