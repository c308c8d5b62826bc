// SPDX-License-Identifier: MIT
// objects.cpp - C++: operator new, std::string and std::vector under the shim,
// with a tag around one container. Try: heaptag run -- build/examples/objects
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "heaptag.h"

struct Order {
    std::string customer;
    std::vector<double> lines;
};

int main()
{
    std::vector<std::unique_ptr<Order>> book;
    HEAPTAG_SCOPE("Ordr") {
        for (int i = 0; i < 1000; i++) {
            auto o = std::make_unique<Order>();
            o->customer = "customer number " + std::to_string(i);
            o->lines.assign(static_cast<size_t>(i % 16), 1.5);
            book.push_back(std::move(o));
        }
    }
    double total = 0;
    for (auto &o : book)
        for (double v : o->lines)
            total += v;
    std::cout << book.size() << " orders, total " << total << '\n';
    return 0;
}
