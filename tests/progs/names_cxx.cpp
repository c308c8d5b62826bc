// SPDX-License-Identifier: MIT
// names_cxx.cpp - allocations through inlined std:: code in named functions
// of a C++ program built at -O2: std::string, std::vector push_back, std::map,
// std::unordered_map. Everything stays live (kept in static containers), so
// the tool must name each function with its exact count. Prints "ready", then
// waits for a line on stdin before exiting.
#include <cstdio>
#include <iostream>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

static std::vector<std::string> *volatile strings;
static std::vector<long> *volatile longs;
static std::map<int, int> *volatile ordered;
static std::unordered_map<long, long> *volatile hashed;

// 9 strings too long for the small-string buffer: 9 heap blocks of 41 bytes.
__attribute__((noinline)) void build_strings(std::vector<std::string> &out)
{
    for (int i = 0; i < 9; i++)
        out.emplace_back(40, static_cast<char>('a' + i));  // names_cxx.cpp:23, checked by test_names
}

// push_back from 1 to 1024 elements: the buffer doubles 11 times, 1 live.
__attribute__((noinline)) void fill_vector(std::vector<long> &v)
{
    for (long i = 0; i < 1024; i++)
        v.push_back(i);  // :30
}

// 13 nodes.
__attribute__((noinline)) void fill_map(std::map<int, int> &m)
{
    for (int i = 0; i < 13; i++)
        m[i * 7] = i;  // :37
}

// 17 nodes (and the bucket arrays as the table grows).
__attribute__((noinline)) void fill_hash(std::unordered_map<long, long> &m)
{
    for (long i = 0; i < 17; i++)
        m.emplace(i * 3, i);  // :44
}

// 5 blocks of 24 bytes from a member of a class in an anonymous namespace:
// internal linkage, so no linkage name in the debug info.
namespace {
class Sessions {
public:
    __attribute__((noinline)) void touch(unsigned n)
    {
        for (unsigned i = 0; i < n; i++)
            kept_[i] = new char[24];
    }

private:
    char *kept_[8];
};
} // namespace

static Sessions *volatile sessions;

int main()
{
    strings = new std::vector<std::string>;
    strings->reserve(16);
    longs = new std::vector<long>;
    ordered = new std::map<int, int>;
    hashed = new std::unordered_map<long, long>;
    build_strings(*strings);
    fill_vector(*longs);
    fill_map(*ordered);
    fill_hash(*hashed);
    sessions = new Sessions;
    sessions->touch(5);
    std::cout << "ready" << std::endl;
    std::string line;
    std::getline(std::cin, line);
    return 0;
}
