// SPDX-License-Identifier: MIT
// hops_cxx.cpp - allocations whose immediate caller is wrapper code, built at
// -O2 by g++ and by clang++ (test_hops): std::string through libstdc++ (one
// to three wrapper frames above operator new), std::map, std::vector and
// std::list through out-of-line std:: templates, operator new inlined into
// two functions, a wrapper the user names with no frame pointer
// (plain_xmalloc) and one with a frame pointer (fp_xmalloc, hops_fp.cpp: the
// walk's case), and a plugin whose std:: code allocated closed and another
// loaded at its address. Each function is called more than once and loops,
// so the first allocation finds its caller and the rest reuse what was found.
// Usage: hops_cxx PLUGIN_DIR. Prints "same_address=N" and "ok".
#include <dlfcn.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <list>
#include <map>
#include <new>
#include <string>
#include <vector>

extern "C" void *fp_xmalloc(std::size_t n); // hops_fp.cpp

// A wrapper HEAPTAG_WRAPPERS names: the row is its caller's.
extern "C" __attribute__((noinline)) void *plain_xmalloc(std::size_t n)
{
    void *p = std::malloc(n);
    if (!p)
        std::abort();
    return p;
}

alignas(std::string) static unsigned char strings[32][sizeof(std::string)];
static void *volatile kept[64];
static std::map<int, int> *volatile ordered;
static std::vector<long> *volatile longs;
static std::list<int> *volatile listed;
static void *volatile plugin_kept[2];
// stored after each loop: no function ends in a tail call into std:: code,
// whose allocations would then be charged to the caller (the walk's answer)
static volatile int calls;

// 6 strings of 40 characters per call: blocks of 41 bytes.
__attribute__((noinline)) void make_strings(int first)
{
    for (int i = 0; i < 6; i++)
        new (strings[first + i]) std::string(40, char('a' + i));
    calls = calls + 1;
}

// "x" grown by 60 characters: libstdc++ (_M_replace_aux, _M_mutate, _M_create)
// allocates 62 bytes for each.
__attribute__((noinline)) void append_strings(int first)
{
    for (int i = 0; i < 5; i++) {
        std::string *s = new (strings[first + i]) std::string("x");
        s->append(60, 'y');
    }
    calls = calls + 1;
}

// 9 nodes of 40 bytes per call.
__attribute__((noinline)) void fill_map(int from)
{
    for (int i = 0; i < 9; i++)
        (*ordered)[from + i] = i;
    calls = calls + 1;
}

// 64 longs pushed: the buffer grows 8, 16, ... 512 bytes, the last one live.
__attribute__((noinline)) void fill_vector()
{
    for (long i = 0; i < 64; i++)
        longs->push_back(i);
    calls = calls + 1;
}

// 5 list nodes of 24 bytes.
__attribute__((noinline)) void fill_list()
{
    for (int i = 0; i < 5; i++)
        listed->push_back(i);
    calls = calls + 1;
}

struct Node {
    long v[3];
};

static inline __attribute__((always_inline)) Node *make_node(long v)
{
    Node *n = new Node;
    n->v[0] = v;
    return n;
}

// operator new inlined into two functions: 4 and 3 blocks of 24 bytes.
__attribute__((noinline)) void nodes_here(int first)
{
    for (int i = 0; i < 4; i++)
        kept[first + i] = make_node(i);
    calls = calls + 1;
}

__attribute__((noinline)) void nodes_there(int first)
{
    for (int i = 0; i < 3; i++)
        kept[first + i] = make_node(i);
    calls = calls + 1;
}

// 6 blocks of 32 bytes through plain_xmalloc, 4 of 48 through fp_xmalloc.
__attribute__((noinline)) void user_wrapped(int first)
{
    for (int i = 0; i < 3; i++)
        kept[first + i] = plain_xmalloc(32);
    calls = calls + 1;
}

__attribute__((noinline)) void fp_wrapped(int first)
{
    for (int i = 0; i < 2; i++)
        kept[first + i] = fp_xmalloc(48);
    calls = calls + 1;
}

typedef void *fill_fn(int);

// dir/name's hops_fill, its handle in *h; NULL (said on stdout) when missing.
static fill_fn *open_fill(const char *dir, const char *name, void **h)
{
    char path[4096];
    std::snprintf(path, sizeof path, "%s/%s", dir, name);
    *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    fill_fn *f = *h ? (fill_fn *)dlsym(*h, "hops_fill") : nullptr;
    if (!f)
        std::printf("fail: %s\n", dlerror());
    return f;
}

// libhopsA.so's fill (16 longs), closed; libhopsB.so's (32 longs) at its address.
static int swap_plugins(const char *dir)
{
    void *ha, *hb;
    fill_fn *fa = open_fill(dir, "libhopsA.so", &ha);
    if (!fa)
        return 1;
    plugin_kept[0] = fa(16);
    std::uintptr_t where_a = (std::uintptr_t)fa;
    dlclose(ha);
    fill_fn *fb = open_fill(dir, "libhopsB.so", &hb);
    if (!fb)
        return 1;
    plugin_kept[1] = fb(32);
    std::printf("same_address=%d\n", (std::uintptr_t)fb == where_a);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        std::fprintf(stderr, "usage: hops_cxx PLUGIN_DIR\n");
        return 2;
    }
    ordered = new std::map<int, int>;
    longs = new std::vector<long>;
    listed = new std::list<int>;
    make_strings(0);
    make_strings(6);
    append_strings(12);
    fill_map(0);
    fill_map(100);
    fill_vector();
    fill_list();
    nodes_here(0);
    nodes_there(4);
    user_wrapped(8);
    user_wrapped(11);
    fp_wrapped(14);
    fp_wrapped(16);
    if (swap_plugins(argv[1]) != 0)
        return 1;
    std::printf("ok\n");
    return 0;
}
