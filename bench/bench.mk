# SPDX-License-Identifier: MIT
# The benchmark: `make bench` (BENCH_QUICK=1 for a short run). Workloads plain,
# under a bare pass-through preload, under heaptag and under heaptrack; the
# instruction cost per malloc+free under callgrind; the cost of a `mon` refresh.
# Results: printed, and CSV under bench/results/.

BENCH_PKGS := heaptrack valgrind sqlite3 python3 perl g++ libjemalloc2 nodejs clang
BENCH_PY   := /usr/bin/python3
BENCH_DIR  := $(BUILD)/bench
BENCH_BIN  := $(BENCH_DIR)/microbench $(BENCH_DIR)/microbench_tagged \
              $(BENCH_DIR)/libpassthru.so $(BENCH_DIR)/sites $(BENCH_DIR)/cxxmap \
              $(BENCH_DIR)/containers $(BENCH_DIR)/turns
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

$(BENCH_DIR)/containers: bench/containers.cpp
	@mkdir -p $(dir $@)
	$(CXX) -O2 -g -Wall -Wextra -Werror -o $@ $<

$(BENCH_DIR)/turns: bench/turns.c
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_CFLAGS) -o $@ $<

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

# Leak hunts for `heaptag trend` (docs/verdicts.md): real programs at -O2 run
# for HUNT_SECONDS (45) each under the shim while mon logs them once a second;
# bench/hunts/run_hunts.sh judges every log and prints what trend said.
HUNT_DIR := $(BUILD)/hunts
HUNT_BIN := $(HUNT_DIR)/hunt $(HUNT_DIR)/lru $(HUNT_DIR)/libhuntwrap.so $(HUNT_DIR)/synth_log
$(HUNT_DIR)/libhuntwrap.so: bench/hunts/huntwrap.c
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) -O2 -g -fPIC -shared -o $@ $<
$(HUNT_DIR)/hunt: bench/hunts/hunt.c include/heaptag.h $(HUNT_DIR)/libhuntwrap.so
	$(CC) $(CSTD) $(WARN) -O2 -g -Iinclude -o $@ $< -L$(HUNT_DIR) -lhuntwrap \
	    -Wl,-rpath,$(abspath $(HUNT_DIR)) -lpthread -ldl
$(HUNT_DIR)/lru: bench/hunts/lru.cpp
	@mkdir -p $(dir $@)
	g++ -std=c++17 $(WARN) -O2 -g -o $@ $< -lpthread
$(HUNT_DIR)/synth_log: bench/hunts/synth_log.c tests/support/trend_synth.h
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) -O2 -Itests/support -o $@ $< -lm

.PHONY: hunts
hunts: ctl shim $(HUNT_BIN)
	bench/hunts/run_hunts.sh $(BUILD)
