#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs each Criterion test binary given, adds up their synthesis lines, prints
# one closing line "tests: N passed, N failed", and fails if anything failed.
set -u
passed=0
failed=0
bad_bins=""
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for t in "$@"; do
    echo "== $t"
    if ! "$t" --jobs=2 --short-filename >"$log" 2>&1; then
        bad_bins="$bad_bins $t"
    fi
    cat "$log"
    line=$(grep 'Synthesis:' "$log" | tail -n 1)
    p=$(echo "$line" | sed -n 's/.*Passing: \([0-9]*\).*/\1/p')
    f=$(echo "$line" | sed -n 's/.*Failing: \([0-9]*\).*Crashing: \([0-9]*\).*/\1 \2/p')
    passed=$((passed + ${p:-0}))
    for n in ${f:-1}; do failed=$((failed + n)); done
done
[ -n "$bad_bins" ] && echo "failing test binaries:$bad_bins"
echo "tests: $passed passed, $failed failed"
# HEAPTAG_COUNTS: a file that collects the counts of every run for one summary
[ -n "${HEAPTAG_COUNTS:-}" ] && echo "$passed $failed" >>"$HEAPTAG_COUNTS"
[ -z "$bad_bins" ] && [ "$failed" -eq 0 ]
