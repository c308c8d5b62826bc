// SPDX-License-Identifier: MIT
// lru.cpp - C++ hunts: `lru` a session cache with an LRU cap (fills for ~10 s,
// then evicts as it inserts: nothing to name once settled); `registry` the
// same cache plus app::Registry::add, which keeps every name it is given
// (a leak of ~1 KB/s, named with its scope).
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <chrono>
#include <list>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

namespace {

class SessionCache {
public:
    explicit SessionCache(size_t cap) : cap_(cap) {}
    __attribute__((noinline)) void touch(unsigned key, size_t bytes)
    {
        auto it = map_.find(key);
        if (it != map_.end()) {
            order_.splice(order_.begin(), order_, it->second);
            return;
        }
        order_.push_front(Entry{ key, std::string(bytes, 'x') });
        map_[key] = order_.begin();
        if (map_.size() > cap_) {
            map_.erase(order_.back().key);
            order_.pop_back();
        }
    }

private:
    struct Entry {
        unsigned key;
        std::string value;
    };
    size_t cap_;
    std::list<Entry> order_;
    std::unordered_map<unsigned, std::list<Entry>::iterator> map_;
};

} // namespace

namespace app {
class Registry {
public:
    __attribute__((noinline)) void add(const std::string &name) { names_.push_back(new std::string(name)); }
    size_t size() const { return names_.size(); }

private:
    std::vector<std::string *> names_;
};
} // namespace app

int main(int argc, char **argv)
{
    bool registry = argc > 1 && !std::strcmp(argv[1], "registry");
    double seconds = 45;
    if (const char *s = std::getenv("HUNT_SECONDS"))
        if (std::atof(s) > 0)
            seconds = std::atof(s);
    SessionCache cache(2000);
    app::Registry reg;
    unsigned state = 11;
    auto t0 = std::chrono::steady_clock::now();
    for (unsigned i = 0;; i++) {
        double el = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        if (el >= seconds)
            break;
        for (int k = 0; k < 20; k++) {
            state = state * 1103515245u + 12345u;
            cache.touch((state >> 8) % 6000, 100 + (state >> 20) % 400);
        }
        if (registry && i % 20 == 0)
            reg.add(std::string(150, 'n') + std::to_string(i));
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    std::printf("%zu\n", reg.size());
    return 0;
}
