// SPDX-License-Identifier: MIT
// ownmalloc.cpp - a program that brings its own malloc, free, calloc and
// realloc (glibc's documented replacement set): a bump allocator with a size
// word in front. Everything libc and libstdc++ hand it must be its own, so
// free(strdup(..)), new/delete, posix_memalign and realloc all work. Prints
// how many blocks its malloc served (the same with and without the shim).
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <sys/mman.h>
#include <vector>

static char *arena, *arena_end, *bump;
static volatile size_t served;

static void *own_alloc(size_t n)
{
    if (!arena) {
        arena = (char *)mmap(nullptr, 64u << 20, PROT_READ | PROT_WRITE,
                             MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (arena == MAP_FAILED)
            abort();
        bump = arena;
        arena_end = arena + (64u << 20);
    }
    n = (n + 15) & ~(size_t)15;
    if ((size_t)(arena_end - bump) < n + 16) {
        errno = ENOMEM;
        return nullptr;
    }
    *(size_t *)bump = n;
    bump += 16;
    void *p = bump;
    bump += n;
    served = served + 1;
    return p;
}

static bool own(void *p) { return (char *)p >= arena && (char *)p < arena_end; }

extern "C" {
void *malloc(size_t n) { return own_alloc(n); }
void free(void *p)
{
    if (p && !own(p))
        abort(); // a block that is not ours: somebody went behind our back
}
void *calloc(size_t c, size_t n)
{
    size_t t;
    if (__builtin_mul_overflow(c, n, &t))
        return nullptr;
    void *p = own_alloc(t);
    if (p)
        memset(p, 0, t);
    return p;
}
void *realloc(void *p, size_t n)
{
    if (p && !own(p))
        abort();
    void *q = own_alloc(n);
    if (p && q) {
        size_t old = *(size_t *)((char *)p - 16);
        memcpy(q, p, old < n ? old : n);
    }
    return q;
}
}

int main()
{
    void *volatile sink;
    free(strdup("x"));
    free(strndup("hello", 3));
    std::vector<std::string> v;
    for (int i = 0; i < 100; i++)
        v.push_back(std::string(50, 'a' + i % 26));
    int *a = new int[1000];
    sink = a;
    delete[] a;
    std::string *s = new std::string(100, 'z');
    sink = s;
    delete s;
    char *r = (char *)malloc(10);
    strcpy(r, "abc");
    r = (char *)realloc(r, 5000);
    printf("realloc kept %s\n", r);
    free(r);
    sink = v.data();
    (void)sink;
    printf("own malloc served blocks: %s\n", served > 100 ? "yes" : "no");
    return 0;
}
