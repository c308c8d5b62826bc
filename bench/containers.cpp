// SPDX-License-Identifier: MIT
// containers.cpp - the C++ a service is made of, at -O2: strings built and
// appended, vectors grown, lists, deques, sets, unordered_maps of vectors,
// std::function holding lambdas with captured strings, shared_ptr chains.
// Usage: containers ROUNDS. Prints a checksum.
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <functional>
#include <list>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

struct Node {
    int v;
    std::string name;
    std::shared_ptr<Node> next;
};

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? std::atoi(argv[1]) : 5;
    const int n = 200000;
    unsigned long sum = 0;
    for (int round = 0; round < rounds; round++) {
        std::vector<std::string> vs;
        std::unordered_map<int, std::vector<int>> m;
        std::list<int> l;
        std::deque<long> d;
        std::set<long> s;
        std::vector<std::function<int(int)>> fs;
        std::shared_ptr<Node> head;
        for (int i = 0; i < n; i++) {
            vs.push_back("item-number-" + std::to_string(i * 7919));
            m[i % 5000].push_back(i);
            l.push_back(i);
            d.push_back(i);
            if (i % 4 == 0)
                s.insert(i * 31L);
            std::string cap(40, 'x');
            fs.emplace_back([i, cap](int x) { return x + i + (int)cap.size(); });
            if (i % 8 == 0)
                head = std::make_shared<Node>(Node{ i, vs.back(), head });
            if (vs.size() > 50000)
                vs.erase(vs.begin(), vs.begin() + 25000);
            if (fs.size() > 1000)
                fs.clear();
        }
        for (auto &f : fs)
            sum += (unsigned long)f(1);
        sum += vs.size() + m.size() + l.size() + d.size() + s.size();
        while (head) // one at a time: a long chain must not recurse
            head = std::move(head->next);
    }
    std::printf("%lu\n", sum);
    return 0;
}
