/* SPDX-License-Identifier: MIT */
#include <string>
#include <vector>
int main() {
    std::vector<std::string> v{"a", "b"};
    return (int)v.size();
}
