// SPDX-License-Identifier: MIT
// cxx_containers.cpp - a C++ program (containers, strings, exceptions, threads)
// whose output must be the same with and without the shim.
#include <algorithm>
#include <iostream>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "heaptag.h"

static std::map<std::string, int> count_words(int seed)
{
    std::map<std::string, int> words;
    for (int i = 0; i < 20000; i++)
        words["w" + std::to_string((i * seed) % 997)]++;
    return words;
}

int main()
{
    std::vector<std::thread> threads;
    std::vector<size_t> sizes(4);
    for (int t = 0; t < 4; t++)
        threads.emplace_back([t, &sizes] { sizes[t] = count_words(t + 3).size(); });
    for (auto &th : threads)
        th.join();
    for (size_t s : sizes)
        std::cout << s << '\n';

    std::unordered_map<int, std::unique_ptr<std::string>> cache;
    HEAPTAG_SCOPE("Cach") {
        for (int i = 0; i < 1000; i++)
            cache[i] = std::make_unique<std::string>(i, 'x');
    }
    size_t total = 0;
    for (auto &kv : cache)
        total += kv.second->size();
    std::cout << total << '\n';

    try {
        throw std::runtime_error(std::string(100, 'e'));
    } catch (const std::exception &e) {
        std::cout << "caught " << std::string(e.what()).size() << '\n';
    }
    std::vector<int> v;
    for (int i = 0; i < 100000; i++)
        v.push_back(i * 7 % 1000);
    std::sort(v.begin(), v.end());
    std::cout << v[500] << ' ' << v[99999] << '\n';
    return 3; // a distinctive exit status
}
