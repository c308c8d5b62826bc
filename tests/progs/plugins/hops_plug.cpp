// SPDX-License-Identifier: MIT
// hops_plug.cpp - a C++ plugin built twice (libhopsA.so with
// -DPLUG_FN=hopsA_fill, libhopsB.so with -DPLUG_FN=hopsB_fill), the same size
// and layout, so that B loaded after A was closed lands at A's address
// (tests/progs/hops_cxx). PLUG_FN() grows a vector through the plugin's own
// out-of-line std:: code: the rows are PLUG_FN()'s.
#include <vector>

__attribute__((noinline)) std::vector<long> *PLUG_FN(int n)
{
    std::vector<long> *v = new std::vector<long>;
    for (long i = 0; i < n; i++)
        v->push_back(i);
    return v;
}

extern "C" void *hops_fill(int n)
{
    return PLUG_FN(n);
}
