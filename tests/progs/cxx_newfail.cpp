// SPDX-License-Identifier: MIT
// cxx_newfail.cpp - operator new at its edges: bad_alloc, nothrow NULL, over-aligned
// types, and many small nodes; output must not change under the shim.
#include <new>
#include <cstdio>
#include <cstdint>
#include <map>
#include <string>
int main(int argc, char**) {
  volatile size_t huge = SIZE_MAX / 4 * argc;
  try { char *p = new char[huge]; std::printf("no throw %p\n", (void*)p); } catch (const std::bad_alloc &) { std::puts("bad_alloc"); }
  char *q = new (std::nothrow) char[huge]; std::printf("nothrow %s\n", q ? "non-null" : "null");
  struct alignas(256) A { char c[3]; }; A *a = new A; std::printf("aligned %d\n", (int)((uintptr_t)a % 256)); delete a;
  std::map<int, std::string> m; for (int i = 0; i < 300000; i++) m[i] = std::to_string(i); std::printf("%zu\n", m.size());
}
