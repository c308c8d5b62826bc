// cxxmap.cpp - the C++ workload of `make bench`, built at -O2: the allocation
// pattern of ordinary C++ code. Almost every allocation comes from libstdc++
// (std::string::_M_create, operator new inside std:: templates), not from
// the program's own functions: the case where finding the caller is hard.
//
//   cxxmap [ROUNDS]   builds and tears down std::map<std::string,
//                     std::vector<std::string>> and std::unordered_map, prints a
//                     checksum (the same with and without any preload).
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

static unsigned long long next(unsigned long long &s) // splitmix64
{
    unsigned long long z = (s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

// Names long enough to leave the small-string buffer: each is a heap block.
static std::string name(unsigned long long r)
{
    std::string s = "item-name-that-is-long-";
    s += std::to_string(r % 100000);
    return s;
}

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? std::atoi(argv[1]) : 20;
    unsigned long long seed = 7, sum = 0;
    for (int round = 0; round < rounds; round++) {
        std::map<std::string, std::vector<std::string>> groups;
        std::unordered_map<std::string, unsigned long long> counts;
        for (int i = 0; i < 20000; i++) {
            unsigned long long r = next(seed);
            std::string key = name(r % 3000);
            groups[key].push_back(name(r >> 20));
            counts[name(r >> 7)] += r & 0xff;
        }
        for (const auto &g : groups)
            sum += g.first.size() * g.second.size();
        for (const auto &c : counts)
            sum += c.second;
    }
    std::printf("cxxmap rounds=%d sum=%llu\n", rounds, sum);
    return 0;
}
