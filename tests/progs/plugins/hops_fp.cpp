// SPDX-License-Identifier: MIT
// hops_fp.cpp - a wrapper the user names, built with a frame pointer
// (tests/progs/hops_cxx): its frame's rule puts the CFA at rbp, so the shim
// finds its caller by the walk, not by a hop.
#include <cstdlib>

extern "C" __attribute__((noinline)) void *fp_xmalloc(std::size_t n)
{
    void *p = std::malloc(n);
    if (!p)
        std::abort();
    return p;
}
