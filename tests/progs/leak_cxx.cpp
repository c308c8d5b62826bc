// SPDX-License-Identifier: MIT
// leak_cxx.cpp - a C++ service that leaks one block per round in
// index_document(unsigned long) and frees everything else it allocates, for
// checking that trend names the C++ function (demangled, with file:line)
// from mon's logs after the binary is gone. Usage: leak_cxx SECONDS
#include <cstdlib>
#include <string>
#include <unistd.h>

static char *volatile kept[100000];
static size_t n_kept;

__attribute__((noinline)) void index_document(unsigned long id)
{
    if (n_kept < sizeof kept / sizeof kept[0])
        kept[n_kept++] = new char[64 + id % 4]; // the leak (line 16, checked by test_names)
}

__attribute__((noinline)) void churn(unsigned long id)
{
    std::string *s = new std::string(100 + id % 50, 'c');
    delete s;
}

int main(int argc, char **argv)
{
    long rounds = (argc > 1 ? std::atol(argv[1]) : 10) * 20;
    for (long i = 0; i < rounds; i++) {
        index_document(static_cast<unsigned long>(i));
        churn(static_cast<unsigned long>(i));
        usleep(50000);
    }
    return 0;
}
