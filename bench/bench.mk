# SPDX-License-Identifier: MIT
# The benchmark: `make bench` (BENCH_QUICK=1 for a short run). Workloads plain,
# under a bare pass-through preload, under heaptag and under heaptrack; the
# instruction cost per malloc+free under callgrind; the cost of a `mon` refresh.
# Results: printed, and CSV under bench/results/.

BENCH_PKGS := heaptrack valgrind sqlite3 python3 perl g++ libjemalloc2 nodejs clang
BENCH_PY   := /usr/bin/python3
BENCH_DIR  := $(BUILD)/bench
BENCH_BIN  := $(BENCH_DIR)/microbench $(BENCH_DIR)/microbench_tagged \
              $(BENCH_DIR)/libpassthru.so $(BENCH_DIR)/sites $(BENCH_DIR)/cxxmap
# Built like an ordinary program: optimised, no heaptag anywhere but the header.
BENCH_CFLAGS := $(CSTD) $(WARN) -O2 -g -Iinclude

$(BENCH_DIR)/microbench: bench/microbench.c include/heaptag.h
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_CFLAGS) -o $@ $< -lpthread

$(BENCH_DIR)/microbench_tagged: bench/microbench.c include/heaptag.h
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_CFLAGS) -DBENCH_TAGGED -o $@ $< -lpthread

# The C++ workload, built as programs ship: -O2, libstdc++ shared.
$(BENCH_DIR)/cxxmap: bench/cxxmap.cpp
	@mkdir -p $(dir $@)
	$(CXX) -O2 -g -Wall -Wextra -Werror -o $@ $<

# 2000 call sites in one function: -O1 keeps it quick to compile.
$(BENCH_DIR)/sites: bench/sites.c
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) -O1 -o $@ $<

$(BENCH_DIR)/libpassthru.so: bench/passthru.c
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) -O2 -fPIC -shared -o $@ $<

bench-deps:
	@scripts/deps.sh $(BENCH_PKGS)

bench-build: all $(BENCH_BIN)

bench: deps bench-deps
	@$(MAKE) --no-print-directory bench-build
	@cd bench && BENCH_QUICK=$(BENCH_QUICK) $(BENCH_PY) times.py
	@cd bench && BENCH_QUICK=$(BENCH_QUICK) $(BENCH_PY) insns.py
	@cd bench && BENCH_QUICK=$(BENCH_QUICK) $(BENCH_PY) progcost.py
	@cd bench && BENCH_QUICK=$(BENCH_QUICK) $(BENCH_PY) moncost.py

.PHONY: bench-deps bench-build
