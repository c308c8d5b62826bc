# heaptag: the preloaded shim (build/libheaptag.so), the control tool
# (build/heaptag), the tests, the examples and the benchmark.

CC       ?= cc
PREFIX   ?= /usr/local
BUILD    := build

WARN     := -Wall -Wextra -Werror
CSTD     := -std=c11 -D_GNU_SOURCE
OPT      ?= -O2 -g
INCLUDES := -Iinclude -Icommon
# Sanitizer builds (tests/sanitize.mk) set this for every object and link;
# the preloadable shim itself is never built with it.
SANITIZE ?=

# The shim runs inside other programs: hidden symbols but the API, initial-exec
# TLS (lazy TLS can call malloc), no stack protector calls into libc.
# Every object also writes its header dependencies (-MMD -MP, read below).
DEPFLAGS := -MMD -MP
SHIM_CFLAGS := $(CSTD) $(WARN) $(OPT) $(INCLUDES) $(DEPFLAGS) -fPIC -fvisibility=hidden \
               -ftls-model=initial-exec -fno-plt $(SANITIZE)
SHIM_LDLIBS := -ldl -lpthread
CTL_CFLAGS  := $(CSTD) $(WARN) $(OPT) $(INCLUDES) $(DEPFLAGS) -Ictl $(SANITIZE)
CTL_LDLIBS  := -ldw -lelf -lncursesw -lm -lstdc++

# common/ holds pure code both sides use (the flags parser); each side builds
# its own copy with its own flags.
COMMON_SRC := $(wildcard common/*.c)
SHIM_SRC := $(wildcard shim/*.c)
CTL_SRC  := $(filter-out ctl/main.c,$(wildcard ctl/*.c ctl/*/*.c))
SHIM_OBJ := $(SHIM_SRC:%.c=$(BUILD)/%.o) $(COMMON_SRC:common/%.c=$(BUILD)/shim/common_%.o)
CTL_OBJ  := $(CTL_SRC:%.c=$(BUILD)/%.o) $(COMMON_SRC:common/%.c=$(BUILD)/ctl/common_%.o)

# Debian packages the build needs; `make deps` installs them (as root).
TEST_PKGS := sqlite3 git perl python3 tcl xz-utils g++ tmux prometheus chromium \
             libpython3.11-testsuite clang libclang-rt-14-dev util-linux

.PHONY: all deps test-deps shim ctl examples test test-unit test-integration \
        demo install clean bench
all: shim ctl

deps:
	@scripts/deps.sh

test-deps:
	@scripts/deps.sh $(TEST_PKGS)

shim: deps $(BUILD)/libheaptag.so
ctl: deps $(BUILD)/heaptag

$(BUILD)/shim/%.o: shim/%.c
	@mkdir -p $(dir $@)
	$(CC) $(SHIM_CFLAGS) -c $< -o $@

$(BUILD)/shim/common_%.o: common/%.c
	@mkdir -p $(dir $@)
	$(CC) $(SHIM_CFLAGS) -c $< -o $@

$(BUILD)/ctl/common_%.o: common/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CTL_CFLAGS) -c $< -o $@

$(BUILD)/ctl/%.o: ctl/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CTL_CFLAGS) -c $< -o $@

$(BUILD)/libheaptag.so: $(SHIM_OBJ)
	$(CC) -shared -Wl,-z,nodelete -Wl,-soname,libheaptag.so -o $@ $^ $(SHIM_LDLIBS)

$(BUILD)/heaptag: $(BUILD)/ctl/main.o $(CTL_OBJ)
	$(CC) $(SANITIZE) -o $@ $^ $(CTL_LDLIBS)

# Examples: built with nothing but the public header.
EXAMPLE_C   := $(wildcard examples/*.c)
EXAMPLE_CXX := $(wildcard examples/*.cpp)
EXAMPLES    := $(EXAMPLE_C:examples/%.c=$(BUILD)/examples/%) \
               $(EXAMPLE_CXX:examples/%.cpp=$(BUILD)/examples/%)
examples: deps $(EXAMPLES)
$(BUILD)/examples/%: examples/%.c include/heaptag.h
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) -O1 -g -fno-omit-frame-pointer $(INCLUDES) -o $@ $< -lpthread
$(BUILD)/examples/%: examples/%.cpp include/heaptag.h
	@mkdir -p $(dir $@)
	g++ -std=c++17 $(WARN) -O1 -g -fno-omit-frame-pointer $(INCLUDES) -o $@ $< -lpthread

# The header dependencies the compiler wrote (-MMD -MP).
-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

include tests/tests.mk
include bench/bench.mk

# The main job: a program with a slow leak, watched until the leak shows.
demo: all examples
	@scripts/demo.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/include
	install -m 0755 $(BUILD)/libheaptag.so $(DESTDIR)$(PREFIX)/lib/libheaptag.so
	install -m 0755 $(BUILD)/heaptag $(DESTDIR)$(PREFIX)/bin/heaptag
	install -m 0644 include/heaptag.h include/heaptag_segment.h include/heaptag_flags.h $(DESTDIR)$(PREFIX)/include/

clean:
	rm -rf $(BUILD) build-asan build-tsan build-fuzz

# mon at scale: synthetic segments, refresh timed (not a test: a measurement).
$(BUILD)/bench/mon_bench: bench/mon_bench.c $(CTL_TEST_OBJ) $(BUILD)/ctl/common_flags_parse.o
	@mkdir -p $(dir $@)
	$(CC) $(CTL_CFLAGS) -o $@ $^ $(CTL_LDLIBS)

bench-mon: ctl $(BUILD)/bench/mon_bench
	$(BUILD)/bench/mon_bench 50 100000 10
.PHONY: bench-mon
