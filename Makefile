# SPDX-License-Identifier: MIT
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
SHIM_CFLAGS := $(CSTD) $(WARN) $(OPT) $(INCLUDES) -Ishim $(DEPFLAGS) -fPIC -fvisibility=hidden \
               -ftls-model=initial-exec -fno-plt $(SANITIZE)
SHIM_LDLIBS := -ldl -lpthread
CTL_CFLAGS  := $(CSTD) $(WARN) $(OPT) $(INCLUDES) $(DEPFLAGS) -Ictl $(SANITIZE)
CTL_LDLIBS  := -ldw -lelf -lncursesw -lm -lstdc++

# common/ holds pure code both sides use (the flags parser); each side builds
# its own copy with its own flags.
COMMON_SRC := $(wildcard common/*.c)
SHIM_SRC := $(wildcard shim/*/*.c)
CTL_SRC  := $(filter-out ctl/main.c,$(wildcard ctl/*.c ctl/*/*.c))
SHIM_OBJ := $(SHIM_SRC:%.c=$(BUILD)/%.o) $(COMMON_SRC:common/%.c=$(BUILD)/shim/common_%.o)
CTL_OBJ  := $(CTL_SRC:%.c=$(BUILD)/%.o) $(COMMON_SRC:common/%.c=$(BUILD)/ctl/common_%.o)

# Debian packages the build needs; `make deps` installs them (as root).
TEST_PKGS := sqlite3 git perl python3 tcl xz-utils g++ tmux prometheus chromium libjemalloc2 \
             libpython3.11-testsuite clang libclang-rt-14-dev util-linux \
             mandoc man-db lintian debhelper dpkg-dev fakeroot bash-completion \
             libjemalloc2 libtcmalloc-minimal4 libmimalloc2.0 libunwind-dev

.PHONY: all deps test-deps shim ctl examples test test-unit test-integration \
        demo install clean bench
all: shim ctl

# SKIP_DEPS=1: the packages are known to be there (a Debian package build).
deps:
	@[ -n "$(SKIP_DEPS)" ] || scripts/deps.sh

test-deps:
	@scripts/deps.sh $(TEST_PKGS)

shim: deps $(BUILD)/libheaptag.so
ctl: deps $(BUILD)/heaptag

# One object from its source, in its own directory, with the flags given:
# every compile rule below is this recipe with its side's flags.
define compile
@mkdir -p $(dir $@)
$(CC) $(1) -c $< -o $@
endef

$(BUILD)/shim/%.o: shim/%.c
	$(call compile,$(SHIM_CFLAGS))
$(BUILD)/shim/common_%.o: common/%.c
	$(call compile,$(SHIM_CFLAGS))
$(BUILD)/ctl/common_%.o: common/%.c
	$(call compile,$(CTL_CFLAGS))
$(BUILD)/ctl/%.o: ctl/%.c
	$(call compile,$(CTL_CFLAGS))

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

# heaptag(1)'s SYNOPSIS from the tool's command table (a test checks they agree).
man-synopsis: ctl
	scripts/man-synopsis.sh $(BUILD)/heaptag man/heaptag.1
.PHONY: man-synopsis

# Installation: every directory can be moved, DESTDIR is honoured throughout.
# The Debian package sets PREFIX=/usr and LIBDIR to the multiarch directory.
VERSION       := $(shell cat VERSION)
BINDIR        ?= $(PREFIX)/bin
LIBDIR        ?= $(PREFIX)/lib
# the shim is a preload library, not one to link with: a directory of its own
SHIMDIR       ?= $(LIBDIR)/heaptag
INCLUDEDIR    ?= $(PREFIX)/include
DATADIR       ?= $(PREFIX)/share
MANDIR        ?= $(DATADIR)/man
PKGCONFIGDIR  ?= $(LIBDIR)/pkgconfig
BASHCOMPDIR   ?= $(DATADIR)/bash-completion/completions
SYSTEMDDIR    ?= $(PREFIX)/lib/systemd/system
SYSCONFDIR    ?= $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)
HEADERS       := include/heaptag.h include/heaptag_segment.h include/heaptag_flags.h
MAN_PAGES     := $(wildcard man/*.[1-8])
INSTALLED     := $(BINDIR)/heaptag $(SHIMDIR)/libheaptag.so \
                 $(HEADERS:include/%=$(INCLUDEDIR)/%) $(PKGCONFIGDIR)/heaptag.pc \
                 $(BASHCOMPDIR)/heaptag $(SYSTEMDDIR)/heaptag-serve.service \
                 $(foreach m,$(MAN_PAGES),$(MANDIR)/man$(subst .,,$(suffix $(m)))/$(notdir $(m)))

$(BUILD)/ctl/main.o: CTL_CFLAGS += -DHT_VERSION='"$(VERSION)"'
# Where an installed heaptag finds what install put in place: the tool looks
# for the shim next to itself, then in SHIMDIR; shim and tool read the system
# settings file in SYSCONFDIR. install links its own copies of the tool and the
# shim with these compiled in (build/inst/), rebuilt whenever they change, so
# `make install PREFIX=...` never touches build/heaptag or build/libheaptag.so
# (which read /etc/heaptag/flags) while tests may be running them.
INST := $(BUILD)/inst
INSTALL_DIRS_DEFS := -DHT_SHIM_LIBDIR='"$(SHIMDIR)"' -DHT_SYSCONFDIR='"$(SYSCONFDIR)"'
INST_CTL_SRC  := ctl/cmd/run.c ctl/flags/conf_file.c
INST_SHIM_SRC := shim/base/config.c
$(INST)/dirs.stamp: FORCE
	@mkdir -p $(dir $@)
	@echo '$(INSTALL_DIRS_DEFS)' | cmp -s - $@ || echo '$(INSTALL_DIRS_DEFS)' > $@
$(INST)/ctl/%.o: ctl/%.c $(INST)/dirs.stamp
	$(call compile,$(CTL_CFLAGS) $(INSTALL_DIRS_DEFS))
$(INST)/shim/%.o: shim/%.c $(INST)/dirs.stamp
	$(call compile,$(SHIM_CFLAGS) $(INSTALL_DIRS_DEFS))
$(INST)/heaptag: $(BUILD)/ctl/main.o $(filter-out $(INST_CTL_SRC:%.c=$(BUILD)/%.o),$(CTL_OBJ)) \
                 $(INST_CTL_SRC:%.c=$(INST)/%.o)
	$(CC) $(SANITIZE) -o $@ $^ $(CTL_LDLIBS)
$(INST)/libheaptag.so: $(filter-out $(INST_SHIM_SRC:%.c=$(BUILD)/%.o),$(SHIM_OBJ)) \
                       $(INST_SHIM_SRC:%.c=$(INST)/%.o)
	$(CC) -shared -Wl,-z,nodelete -Wl,-soname,libheaptag.so -o $@ $^ $(SHIM_LDLIBS)
FORCE:
.PHONY: FORCE

install: all $(INST)/heaptag $(INST)/libheaptag.so
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SHIMDIR) $(DESTDIR)$(INCLUDEDIR) \
	    $(DESTDIR)$(PKGCONFIGDIR) $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(SYSTEMDDIR) \
	    $(DESTDIR)$(SYSCONFDIR)/heaptag $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man3 \
	    $(DESTDIR)$(MANDIR)/man5
	install -m 0755 $(INST)/heaptag $(DESTDIR)$(BINDIR)/heaptag
	install -m 0644 $(INST)/libheaptag.so $(DESTDIR)$(SHIMDIR)/libheaptag.so
	install -m 0644 $(HEADERS) $(DESTDIR)$(INCLUDEDIR)/
	@# relocatable: includedir relative to prefix (pkg-config --define-prefix)
	sed -e 's|@PREFIX@|$(PREFIX)|; s|@INCLUDEDIR@|$(patsubst $(PREFIX)/%,$${prefix}/%,$(INCLUDEDIR))|; s|@VERSION@|$(VERSION)|' \
	    packaging/heaptag.pc.in > $(DESTDIR)$(PKGCONFIGDIR)/heaptag.pc
	install -m 0644 packaging/heaptag.bash-completion $(DESTDIR)$(BASHCOMPDIR)/heaptag
	sed 's|/usr/bin/heaptag|$(BINDIR)/heaptag|' packaging/heaptag-serve.service \
	    > $(DESTDIR)$(SYSTEMDDIR)/heaptag-serve.service
	chmod 0644 $(DESTDIR)$(SYSTEMDDIR)/heaptag-serve.service
	$(foreach m,$(MAN_PAGES),install -m 0644 $(m) $(DESTDIR)$(MANDIR)/man$(subst .,,$(suffix $(m)))/;)
	@# the settings file is the administrator's: never overwritten
	[ -e $(DESTDIR)$(SYSCONFDIR)/heaptag/flags ] || \
	    install -m 0644 packaging/flags $(DESTDIR)$(SYSCONFDIR)/heaptag/flags

# Removes what install put in place; the settings file only if unchanged.
uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))
	if cmp -s packaging/flags $(DESTDIR)$(SYSCONFDIR)/heaptag/flags; then \
	    rm -f $(DESTDIR)$(SYSCONFDIR)/heaptag/flags; fi
	@# the directories install made, where nothing else is left in them
	scripts/uninstall-dirs.sh '$(DESTDIR)' '$(PREFIX)' $(SHIMDIR) $(SYSCONFDIR)/heaptag \
	    $(dir $(INSTALLED))

# heaptag_VERSION_ARCH.deb with Debian's own tools, built in a copy of the tree
# (none of our make variables leak into the package build).
deb:
	@scripts/deps.sh debhelper dpkg-dev fakeroot
	rm -rf $(BUILD)/deb && mkdir -p $(BUILD)/deb/heaptag-$(VERSION)
	git ls-files -z | xargs -0 cp --parents -t $(BUILD)/deb/heaptag-$(VERSION)
	cd $(BUILD)/deb/heaptag-$(VERSION) && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL dpkg-buildpackage -b -us -uc >../build.log 2>&1 \
	    || { tail -n 40 ../build.log; exit 1; }
	cp $(BUILD)/deb/heaptag_$(VERSION)_*.deb $(BUILD)/
	@ls $(BUILD)/heaptag_$(VERSION)_*.deb

.PHONY: uninstall deb

clean:
	rm -rf $(BUILD) build-asan build-tsan build-fuzz

# mon at scale: synthetic segments, refresh timed (not a test: a measurement).
$(BUILD)/bench/mon_bench: bench/mon_bench.c $(SEGBUILD_SRC) $(CTL_TEST_OBJ) $(COMMON_SRC:common/%.c=$(BUILD)/ctl/common_%.o)
	@mkdir -p $(dir $@)
	$(CC) $(CTL_CFLAGS) -Itests/support -o $@ $(filter %.c %.o,$^) $(CTL_LDLIBS)

bench-mon: ctl $(BUILD)/bench/mon_bench
	$(BUILD)/bench/mon_bench 50 100000 10
.PHONY: bench-mon
