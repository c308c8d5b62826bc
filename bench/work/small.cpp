// SPDX-License-Identifier: MIT
// small.cpp - the C++ file `make bench` compiles (g++'s cc1plus is the workload).
#include <algorithm>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

namespace bench {

template <typename K, typename V> struct Registry {
    std::map<K, std::vector<V>> by_key;
    void add(const K &k, V v) { by_key[k].push_back(std::move(v)); }
    std::size_t total() const
    {
        std::size_t n = 0;
        for (const auto &kv : by_key)
            n += kv.second.size();
        return n;
    }
};

struct Shape {
    virtual ~Shape() = default;
    virtual double area() const = 0;
};
struct Square : Shape {
    double s;
    explicit Square(double v) : s(v) {}
    double area() const override { return s * s; }
};

} // namespace bench

int main(int argc, char **argv)
{
    bench::Registry<std::string, int> reg;
    std::unordered_map<std::string, double> cache;
    std::vector<std::unique_ptr<bench::Shape>> shapes;
    for (int i = 0; i < argc * 100; i++) {
        std::ostringstream os;
        os << argv[0] << i;
        reg.add(os.str(), i);
        shapes.push_back(std::make_unique<bench::Square>(i));
        cache[os.str()] = shapes.back()->area();
    }
    std::sort(shapes.begin(), shapes.end(),
              [](const auto &a, const auto &b) { return a->area() > b->area(); });
    std::cout << reg.total() << " " << cache.size() << "\n";
}
