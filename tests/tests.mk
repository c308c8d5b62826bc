# SPDX-License-Identifier: MIT
# Tests. Every tests/unit/test_*.c and tests/integration/test_*.c is a Criterion
# binary; tests/progs/*.c and *.cpp are programs the integration tests run under
# the shim. Unit tests link the shim's core (not its libc hooks, so the test
# runner's own allocations stay untagged) and the tool's objects.

# Every program the tests start keeps its segment for the test to read; the
# cap on kept segments (HEAPTAG_KEEP_MAX_MB, 256 MB by default) would remove
# the oldest of a long run while a test still reads them. Its own test sets it.
TEST_ENV := HEAPTAG_KEEP_MAX_MB=65536

TEST_CFLAGS := $(CSTD) -Wall -Wextra -Werror -O1 -g $(DEPFLAGS) $(INCLUDES) -Ictl -Ishim -Itests/integration -Itests/support \
               $(SANITIZE)
UNIT_SRC    := $(wildcard tests/unit/test_*.c)
INTEG_SRC   := $(wildcard tests/integration/test_*.c)
# Synthetic segments for tests, fuzz seeds and the benchmark.
SEGBUILD_SRC := tests/support/segbuild.c
HARNESS_SRC := $(filter-out $(INTEG_SRC),$(wildcard tests/integration/*.c)) $(SEGBUILD_SRC)
PROG_C      := $(wildcard tests/progs/*.c)
PROG_CXX    := $(wildcard tests/progs/*.cpp)
UNIT_BIN    := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/unit/%)
INTEG_BIN   := $(INTEG_SRC:tests/integration/%.c=$(BUILD)/tests/integration/%)
PROG_BIN    := $(PROG_C:tests/progs/%.c=$(BUILD)/tests/progs/%) \
               $(PROG_CXX:tests/progs/%.cpp=$(BUILD)/tests/progs/%)
SHIM_CORE_OBJ := $(filter-out $(BUILD)/shim/hooks/%.o,$(SHIM_OBJ))
# common/ is already in the shim's objects
CTL_TEST_OBJ  := $(filter-out $(BUILD)/ctl/common_%,$(CTL_OBJ))
TEST_LDLIBS := -lcriterion $(CTL_LDLIBS) $(SHIM_LDLIBS)

$(BUILD)/tests/unit/%: tests/unit/%.c $(SHIM_CORE_OBJ) $(CTL_TEST_OBJ) $(SEGBUILD_SRC)
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) -o $@ $< $(SEGBUILD_SRC) $(SHIM_CORE_OBJ) $(CTL_TEST_OBJ) $(TEST_LDLIBS)

$(BUILD)/tests/integration/%: tests/integration/%.c $(HARNESS_SRC) $(wildcard tests/integration/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) -o $@ $< $(HARNESS_SRC) $(INTEG_TOOL_SRC) -lcriterion

# The tool's own query escaping, for the Prometheus test's queries.
$(BUILD)/tests/integration/test_prometheus: INTEG_TOOL_SRC := ctl/prom/http_client.c ctl/util/why.c
$(BUILD)/tests/integration/test_prometheus: ctl/prom/http_client.c ctl/util/why.c

$(BUILD)/tests/progs/%: tests/progs/%.c include/heaptag.h $(wildcard tests/progs/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) -O1 -g -fno-omit-frame-pointer -Iinclude -o $@ $< -lpthread

$(BUILD)/tests/progs/%: tests/progs/%.cpp include/heaptag.h
	@mkdir -p $(dir $@)
	g++ -std=c++17 $(WARN) -O1 -g -fno-omit-frame-pointer -Iinclude -o $@ $< -lpthread

# The pattern program once more as a non-PIE executable: the header's run-time
# lookup must find the shim there too.
PROG_BIN += $(BUILD)/tests/progs/patterns_nopie
$(BUILD)/tests/progs/patterns_nopie: tests/progs/patterns.c include/heaptag.h tests/progs/prog_modes.h
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) -O1 -g -fno-pie -no-pie -Iinclude -o $@ $< -lpthread

# test_hops: hops_cxx (tests/progs/hops_cxx.cpp, its rules below) once more by
# clang++, and its two C++ plugins.
PROG_BIN += $(BUILD)/tests/progs/hops_cxx_clang $(BUILD)/tests/progs/libhopsA.so \
            $(BUILD)/tests/progs/libhopsB.so
# callers dlswap: two plugins of one layout, loaded one after the other.
PROG_BIN += $(BUILD)/tests/progs/libplugA.so $(BUILD)/tests/progs/libplugB.so
$(BUILD)/tests/progs/libplug%.so: tests/progs/plugins/plug.c
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) -O1 -g -fPIC -shared -fno-omit-frame-pointer -DPLUG_NAME=plug$*_fill -o $@ $<
# callers bogusret: an object with PROT_NONE holes between its segments (2 MB
# alignment), as many system libraries have.
PROG_BIN += $(BUILD)/tests/progs/libholes.so
$(BUILD)/tests/progs/libholes.so: tests/progs/plugins/plug.c
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) -O1 -g -fPIC -shared -DPLUG_NAME=holes_fill \
	    -Wl,-z,max-page-size=0x200000 -Wl,-z,separate-code -o $@ $<
# Built non-PIE with malloc's address taken in code (canonical PLT entries):
# the shim must count it, not stand aside.
$(BUILD)/tests/progs/fnptr_nopie: tests/progs/fnptr_nopie.c
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) -O1 -g -fno-pie -no-pie -o $@ $<

# Programs whose tests need what the compiler does at -O2 (inlining, no frame
# pointers), as users build them.
$(BUILD)/tests/progs/selfalloc: tests/progs/selfalloc.cpp include/heaptag.h
	@mkdir -p $(dir $@)
	g++ -std=c++17 $(WARN) -O2 -g -Iinclude -o $@ $< -lpthread
$(BUILD)/tests/progs/htdtags: tests/progs/htdtags.c include/heaptag.h
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) -O2 -g -Iinclude -o $@ $< -ldl
# callers at -O2 without frame pointers: ust repeats a walk that never reads
# the caller's rbp from the hook's frame alone.
PROG_BIN += $(BUILD)/tests/progs/callers_o2
$(BUILD)/tests/progs/callers_o2: tests/progs/callers.c include/heaptag.h $(wildcard tests/progs/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) -O2 -fomit-frame-pointer -g -Iinclude -o $@ $< -lpthread
# And statically linked: heaptag run must refuse it (no loader to preload into).
PROG_BIN += $(BUILD)/tests/progs/patterns_static
$(BUILD)/tests/progs/patterns_static: tests/progs/patterns.c include/heaptag.h tests/progs/prog_modes.h
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) -O1 -g -static -Iinclude -o $@ $< -lpthread

# Linked against the shim rather than preloaded: the setuid test needs the
# shim inside a program the dynamic loader will not preload into.
$(BUILD)/tests/progs/linked_selfseg: tests/progs/linked_selfseg.c $(BUILD)/libheaptag.so
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) -O1 -g -Iinclude -o $@ $< -L$(BUILD) -Wl,--no-as-needed -lheaptag \
	    -Wl,-rpath,$(abspath $(BUILD))

test-build: all $(UNIT_BIN) $(INTEG_BIN) $(PROG_BIN) $(EXAMPLES) $(BUILD)/tests/tools/libcountalloc.so

# Runs every test binary; fails if any fails. HEAPTAG_BUILD tells the
# integration tests where the shim, the tool and the programs are.
# The last line sums every Criterion run (plain and ASan); the TSan program and
# the fuzz targets count one each. Reaching it means nothing failed.
test: deps test-deps
	@$(MAKE) --no-print-directory test-build
	@rm -f $(BUILD)/test-counts
	@HEAPTAG_COUNTS=$(abspath $(BUILD))/test-counts $(MAKE) --no-print-directory test-layers
	@HEAPTAG_COUNTS=$(abspath $(BUILD))/test-counts HEAPTAG_BUILD=$(abspath $(BUILD)) \
	    $(TEST_ENV) scripts/run-tests.sh $(UNIT_BIN) $(INTEG_BIN)
	@HEAPTAG_COUNTS=$(abspath $(BUILD))/test-counts \
	    $(MAKE) --no-print-directory test-asan test-tsan test-fuzz
	@$(MAKE) --no-print-directory test-oracle
	@awk -v extra=$(words $(TSAN_BIN) $(FUZZ_NAMES)) '{ p += $$1; f += $$2 } \
	    END { printf "tests: %d passed, %d failed\n", p + extra, f }' $(BUILD)/test-counts

.PHONY: test-build

# The fast loop (under a minute): unit tests, the integration tests but the slow
# ones tests/slow.list names (printed at the end, with how to run each), and the
# fuzzers' regression seeds replayed once. No sanitizer builds, no fuzzing:
# `make test` runs everything.
check: deps test-deps
	@$(MAKE) --no-print-directory test-build $(REPLAY_BIN) $(BUILD)/tests/replay/gen_seeds
	@rm -f $(BUILD)/check-counts
	@HEAPTAG_COUNTS=$(abspath $(BUILD))/check-counts $(MAKE) --no-print-directory test-layers
	@HEAPTAG_COUNTS=$(abspath $(BUILD))/check-counts HEAPTAG_BUILD=$(abspath $(BUILD)) \
	    HEAPTAG_SLOW_LIST=tests/slow.list $(TEST_ENV) scripts/run-tests.sh $(UNIT_BIN) $(INTEG_BIN)
	@HEAPTAG_COUNTS=$(abspath $(BUILD))/check-counts $(MAKE) --no-print-directory test-replay
	@awk '{ p += $$1; f += $$2 } END { printf "check: %d passed, %d failed\n", p, f }' \
	    $(BUILD)/check-counts

.PHONY: check


# Real programs (python3's regression tests, sqlite3, git, perl, tclsh, sort,
# xz, g++, bash) byte-identical with and without the shim, under each flag set;
# then their counts equal an independent counting preload's under ptg and ptg+ust
# (tests/real/counts.py).
test-real: deps test-deps all $(BUILD)/tests/tools/libcountalloc.so $(BUILD)/tests/progs/fnptr_nopie
	@HEAPTAG_BUILD=$(abspath $(BUILD)) tests/real/run.sh
	@echo "== the shim's walks against libunwind's: test programs, python3, node, sqlite3, clang++"
	@$(MAKE) --no-print-directory test-build oracle
	@HEAPTAG_BUILD=$(abspath $(BUILD)) tests/oracle/run.sh real
	@echo "== counts: the shim's totals against an independent counting preload"
	@HEAPTAG_BUILD=$(abspath $(BUILD)) tests/real/counts.py
	@echo "== the Debian package: built, linted, installed, run, purged"
	@HEAPTAG_BUILD=$(abspath $(BUILD)) HEAPTAG_DEB_INSTALL=1 tests/packaging/check.sh deb

.PHONY: test-real

# The shim's unwinder against libunwind on the test programs (tests/oracle).
test-oracle: deps test-deps
	@$(MAKE) --no-print-directory test-build oracle
	@HEAPTAG_BUILD=$(abspath $(BUILD)) tests/oracle/run.sh fast

.PHONY: test-oracle

include tests/sanitize.mk

# Programs whose names the tests check, built at -O2 as users build them, so
# library code is inlined into their functions.
$(BUILD)/tests/progs/names_c: tests/progs/names_c.c include/heaptag.h
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) -O2 -g -Iinclude -o $@ $<

$(BUILD)/tests/progs/names_cxx: tests/progs/names_cxx.cpp
	@mkdir -p $(dir $@)
	g++ -std=c++17 $(WARN) -O2 -g -o $@ $<

# The same built by clang, which names sources and ranges its own way.
test-build: $(BUILD)/tests/progs/names_c_clang $(BUILD)/tests/progs/names_cxx_clang
$(BUILD)/tests/progs/names_c_clang: tests/progs/names_c.c include/heaptag.h
	@mkdir -p $(dir $@)
	clang $(CSTD) $(WARN) -O2 -g -Iinclude -o $@ $<

$(BUILD)/tests/progs/names_cxx_clang: tests/progs/names_cxx.cpp
	@mkdir -p $(dir $@)
	clang++ -std=c++17 $(WARN) -O2 -g -o $@ $<

$(BUILD)/tests/progs/leak_cxx: tests/progs/leak_cxx.cpp
	@mkdir -p $(dir $@)
	g++ -std=c++17 $(WARN) -O2 -g -o $@ $<

# The libunwind oracle: the shim built once more with tests/oracle/oracle.c,
# every walk checked against libunwind (tests/oracle/run.sh runs it).
ORACLE_DIR := $(BUILD)/oracle
ORACLE_OBJ := $(SHIM_SRC:%.c=$(ORACLE_DIR)/%.o) \
              $(COMMON_SRC:common/%.c=$(ORACLE_DIR)/shim/common_%.o) $(ORACLE_DIR)/oracle.o
ORACLE_CFLAGS := $(SHIM_CFLAGS) -DHT_ORACLE -Itests/oracle -I/usr/include/$(shell gcc -print-multiarch)
.PHONY: oracle
oracle: $(ORACLE_DIR)/libheaptag-oracle.so
# Every oracle object compiles alike: common/, shim/ and the oracle itself.
define oracle_compile
	@mkdir -p $(dir $@)
	$(CC) $(ORACLE_CFLAGS) -c $< -o $@
endef
$(ORACLE_DIR)/shim/common_%.o: common/%.c
	$(oracle_compile)
$(ORACLE_DIR)/shim/%.o: shim/%.c
	$(oracle_compile)
$(ORACLE_DIR)/oracle.o: tests/oracle/oracle.c tests/oracle/oracle.h
	$(oracle_compile)
$(ORACLE_DIR)/libheaptag-oracle.so: $(ORACLE_OBJ)
	$(CC) -shared -Wl,-z,nodelete -Wl,-soname,libheaptag.so -o $@ $^ -lunwind $(SHIM_LDLIBS)
# The independent counting preload the count tests compare the shim with.
$(BUILD)/tests/tools/libcountalloc.so: tests/tools/countalloc.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -Wall -Wextra -Werror -O2 -fPIC -shared -o $@ $< -ldl -lpthread

# One direction between the parts: no unit (x.c with x.h) includes, directly or
# through others, one that includes it back, and no folder reaches back to
# itself through another (scripts/check-includes.py); mon's layers downward
# only (scripts/check-layers.sh).
.PHONY: test-layers
test-layers:
	@python3 scripts/check-includes.py && scripts/check-layers.sh && echo "layers: one direction" && \
	    { [ -z "$(HEAPTAG_COUNTS)" ] || echo "1 0" >> "$(HEAPTAG_COUNTS)"; }

# The hop from operator new's frame to its caller (test_hops): C++ at -O2 by
# g++ and by clang++, the frame-pointer wrapper compiled apart, and two C++
# plugins of one layout (one closed, the other loaded at its address).
$(BUILD)/tests/progs/hops_cxx: tests/progs/hops_cxx.cpp tests/progs/plugins/hops_fp.cpp
	@mkdir -p $(dir $@)
	g++ -std=c++17 $(WARN) -O2 -g -fno-omit-frame-pointer -c -o $@-fp.o tests/progs/plugins/hops_fp.cpp
	g++ -std=c++17 $(WARN) -O2 -g -o $@ $< $@-fp.o -ldl

$(BUILD)/tests/progs/hops_cxx_clang: tests/progs/hops_cxx.cpp tests/progs/plugins/hops_fp.cpp
	@mkdir -p $(dir $@)
	clang++ -std=c++17 $(WARN) -O2 -g -fno-omit-frame-pointer -c -o $@-fp.o tests/progs/plugins/hops_fp.cpp
	clang++ -std=c++17 $(WARN) -O2 -g -o $@ $< $@-fp.o -ldl

$(BUILD)/tests/progs/libhops%.so: tests/progs/plugins/hops_plug.cpp
	@mkdir -p $(dir $@)
	g++ -std=c++17 $(WARN) -O2 -g -fPIC -shared -DPLUG_FN=hops$*_fill -o $@ $<
