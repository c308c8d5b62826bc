// SPDX-License-Identifier: MIT
// cxxmap.cpp - the C++ workload of `make bench`: almost every allocation comes
// from libstdc++ (std::string::_M_create) or out-of-line std:: template code,
// so the shim must find the caller above the wrappers on each new block.
// std::map<std::string, std::vector<std::string>> and std::unordered_map,
// filled, read and cleared in rounds. Usage: cxxmap [ROUNDS] (default 20).
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

static volatile std::size_t sink;

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? std::atoi(argv[1]) : 20;
    std::size_t total = 0;
    for (int r = 0; r < rounds; r++) {
        std::map<std::string, std::vector<std::string>> groups;
        std::unordered_map<std::string, std::size_t> counts;
        for (int i = 0; i < 20000; i++) {
            std::string key = "group-key-number-" + std::to_string(i % 1500);
            std::string val = "a value long enough for the heap " + std::to_string(i * 7 + r);
            groups[key].push_back(val);
            counts[val.substr(0, 24 + i % 16)] += val.size();
        }
        for (const auto &g : groups)
            total += g.second.size() + g.first.size();
        total += counts.size();
    }
    sink = total;
    std::printf("%zu\n", (std::size_t)sink);
    return 0;
}
