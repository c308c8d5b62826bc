# SPDX-License-Identifier: MIT
# Sanitizer builds and fuzzing, part of `make test`.
#  - build-asan: the tool, the unit tests (which link the shim's core) and the
#    tool's integration tests, with AddressSanitizer and UndefinedBehaviorSanitizer.
#    The programs those tests run under the shim come from the plain build: a
#    shim cannot be ASan-preloaded into arbitrary programs.
#  - build-tsan: the shim's core and its threaded unit tests under ThreadSanitizer.
#  - build-fuzz: libFuzzer targets (tests/fuzz/fuzz_*.c) for every parser of
#    outside input, each run FUZZ_SECONDS from its seed corpus in
#    tests/fuzz/corpus/<target>/; new findings go to build-fuzz/corpus/, crashes
#    fail the test and leave build-fuzz/crash-* to reproduce with.

ASAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
TSAN_FLAGS := -fsanitize=thread
SAN_UNIT    = $(UNIT_SRC:tests/unit/%.c=$(1)/tests/unit/%)
ASAN_INTEG := test_cli test_patterns test_names test_hops
# ThreadSanitizer programs: plain mains (Criterion's runner crashes under
# TSan) linked with the shim's core, each exiting 0 when its counts are exact.
TSAN_SRC   := $(wildcard tests/tsan/*.c)
TSAN_BIN   := $(TSAN_SRC:tests/tsan/%.c=build-tsan/tests/tsan/%)
FUZZ_SECONDS ?= 20

.PHONY: test-asan test-tsan test-fuzz sanitize-build

test-asan: all $(PROG_BIN)
	@$(MAKE) --no-print-directory BUILD=build-asan SANITIZE="$(ASAN_FLAGS)" \
	    build-asan/heaptag $(call SAN_UNIT,build-asan) \
	    $(ASAN_INTEG:%=build-asan/tests/integration/%)
	@mkdir -p build-asan/tests
	@ln -sfn $(abspath $(BUILD))/libheaptag.so build-asan/libheaptag.so
	@ln -sfn $(abspath $(BUILD))/tests/progs build-asan/tests/progs
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	    LSAN_OPTIONS=suppressions=$(abspath tests/lsan.supp) \
	    HEAPTAG_BUILD=$(abspath build-asan) $(TEST_ENV) scripts/run-tests.sh \
	    $(call SAN_UNIT,build-asan) $(ASAN_INTEG:%=build-asan/tests/integration/%)

test-tsan:
	@$(MAKE) --no-print-directory BUILD=build-tsan SANITIZE="$(TSAN_FLAGS)" $(TSAN_BIN)
	@for t in $(TSAN_BIN); do echo "== $$t"; \
	    TSAN_OPTIONS=halt_on_error=1:exitcode=66 $$t || exit 1; done

build-tsan/tests/tsan/%: tests/tsan/%.c $(SHIM_CORE_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) -o $@ $< $(SHIM_CORE_OBJ) $(SHIM_LDLIBS)

FUZZ_SRC   := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_NAMES := $(FUZZ_SRC:tests/fuzz/%.c=%)
FUZZ_FLAGS := -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
# What each target links (add a line with each new parser's target).
FUZZ_OBJ_fuzz_segment_reader = $(CTL_OBJ)
FUZZ_OBJ_fuzz_flags_parse    = $(BUILD)/ctl/common_flags_parse.o
FUZZ_OBJ_fuzz_config         = $(SHIM_CORE_OBJ)
FUZZ_OBJ_fuzz_log_reader     = $(CTL_OBJ)
FUZZ_OBJ_fuzz_wrapsyms       = $(BUILD)/shim/callers/wrapsyms.o
FUZZ_OBJ_fuzz_text_safe      = $(BUILD)/ctl/util/text_safe.o $(BUILD)/ctl/util/fmt.o
FUZZ_OBJ_fuzz_prom_query     = $(BUILD)/ctl/prom/http_client.o $(BUILD)/ctl/prom/query_json.o \
                               $(BUILD)/ctl/util/why.o
FUZZ_OBJ_fuzz_prom_read      = $(BUILD)/ctl/prom/chunked_read.o $(BUILD)/ctl/prom/protobuf.o \
                               $(BUILD)/ctl/prom/xor_chunk.o $(BUILD)/ctl/prom/selector.o \
                               $(BUILD)/ctl/trend/prom_remote.o $(BUILD)/ctl/trend/step_sample.o \
                               $(BUILD)/ctl/util/why.o
FUZZ_LIBS := $(CTL_LDLIBS) $(SHIM_LDLIBS)
# libFuzzer options per target: the shim warns on stderr about bad config.
FUZZ_OPTS_fuzz_config := -close_fd_mask=2
FUZZ_OPTS_fuzz_log_reader := -close_fd_mask=2

test-fuzz:
	@$(MAKE) --no-print-directory BUILD=build-fuzz CC=clang SANITIZE="$(FUZZ_FLAGS)" \
	    $(FUZZ_NAMES:%=build-fuzz/tests/fuzz/%) build-fuzz/tests/fuzz/gen_seeds
	@mkdir -p build-fuzz/seeds && build-fuzz/tests/fuzz/gen_seeds build-fuzz/seeds
	@for t in $(FUZZ_NAMES); do \
	    mkdir -p build-fuzz/corpus/$$t tests/fuzz/corpus/$$t build-fuzz/seeds/$$t; \
	    echo "== $$t ($(FUZZ_SECONDS) s)"; \
	    build-fuzz/tests/fuzz/$$t -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	        -artifact_prefix=build-fuzz/$$t- $(FUZZ_OPTS_$$t) \
	        build-fuzz/corpus/$$t tests/fuzz/corpus/$$t build-fuzz/seeds/$$t \
	        > build-fuzz/$$t.log 2>&1 || { tail -n 60 build-fuzz/$$t.log; exit 1; }; \
	    grep -E '^(stat::number_of_executed_units|stat::new_units_added)|cov:' build-fuzz/$$t.log | tail -n 3; \
	done

build-fuzz/tests/fuzz/gen_seeds: tests/fuzz/gen_seeds.c $(SEGBUILD_SRC) include/heaptag_segment.h
	@mkdir -p $(dir $@)
	cc $(CSTD) $(WARN) -Iinclude -Itests/support -o $@ $(filter %.c,$^)

.SECONDEXPANSION:
$(BUILD)/tests/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $$(FUZZ_OBJ_fuzz_$$*)
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_OBJ_fuzz_$*) $(FUZZ_LIBS)

# The fuzzers' regression seeds without libFuzzer (make check): each target
# built with the ordinary compiler around replay_main.c, run once over the
# kept corpus and the generated seeds.
REPLAY_BIN := $(FUZZ_NAMES:%=$(BUILD)/tests/replay/%)
$(BUILD)/tests/replay/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/replay_main.c $$(FUZZ_OBJ_fuzz_$$*)
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) -o $@ $< tests/fuzz/replay_main.c $(FUZZ_OBJ_fuzz_$*) $(FUZZ_LIBS)

$(BUILD)/tests/replay/gen_seeds: tests/fuzz/gen_seeds.c $(SEGBUILD_SRC) include/heaptag_segment.h
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) -Iinclude -Itests/support -o $@ $(filter %.c,$^)

.PHONY: test-replay
test-replay: $(REPLAY_BIN) $(BUILD)/tests/replay/gen_seeds
	@rm -rf $(BUILD)/tests/replay/seeds && mkdir -p $(BUILD)/tests/replay/seeds
	@$(BUILD)/tests/replay/gen_seeds $(BUILD)/tests/replay/seeds
	@ok=0; bad=0; for t in $(FUZZ_NAMES); do \
	    if $(BUILD)/tests/replay/$$t tests/fuzz/corpus/$$t $(BUILD)/tests/replay/seeds/$$t \
	        > $(BUILD)/tests/replay/$$t.log 2>&1; then ok=$$((ok + 1)); \
	    else bad=$$((bad + 1)); echo "== $$t failed on:"; tail -n 5 $(BUILD)/tests/replay/$$t.log; fi; \
	done; echo "fuzz seeds: $$ok passed, $$bad failed"; \
	[ -z "$(HEAPTAG_COUNTS)" ] || echo "$$ok $$bad" >> "$(HEAPTAG_COUNTS)"; [ $$bad -eq 0 ]
