#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs each Criterion test binary given, adds up their synthesis lines, prints
# one closing line "tests: N passed, N failed", and fails if anything failed.
# HEAPTAG_SLOW_LIST=FILE (make check): the tests that file names are skipped,
# and listed at the end with the command that runs each.
set -u
slow_list=${HEAPTAG_SLOW_LIST:-}
skipped=""
nskipped=0
# The Criterion filter that leaves out binary $1's listed tests ("" = none,
# "-" = the whole binary), and the skipped names appended to $skipped.
slow_filter() {
    [ -n "$slow_list" ] || { echo ""; return; }
    awk -v b="$1" '$1 == b { print $2 }' "$slow_list" | {
        names=""
        while read -r n; do
            if [ "$n" = "*" ]; then echo "-"; return; fi
            names="${names:+$names|}$n"
        done
        [ -n "$names" ] && echo "!(@($names))" || echo ""
    }
}
passed=0
failed=0
bad_bins=""
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for t in "$@"; do
    name=$(basename "$t")
    filter=$(slow_filter "$name")
    if [ "$filter" = "-" ]; then
        skipped="$skipped
  $t"
        nskipped=$((nskipped + 1))
        continue
    fi
    for n in $(echo "$filter" | sed 's/^!(@(//; s/))$//; s/|/ /g'); do
        skipped="$skipped
  $t --filter '$n'"
        nskipped=$((nskipped + 1))
    done
    echo "== $t"
    if ! "$t" --jobs=2 --short-filename ${filter:+--filter "$filter"} >"$log" 2>&1; then
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
if [ "$nskipped" -gt 0 ]; then
    echo "skipped $nskipped slow tests or binaries ($slow_list; \`make test\` runs them all);"
    echo "one by one, with HEAPTAG_BUILD=${HEAPTAG_BUILD:-build} HEAPTAG_KEEP_MAX_MB=65536:$skipped"
fi
echo "tests: $passed passed, $failed failed"
# HEAPTAG_COUNTS: a file that collects the counts of every run for one summary
[ -n "${HEAPTAG_COUNTS:-}" ] && echo "$passed $failed" >>"$HEAPTAG_COUNTS"
[ -z "$bad_bins" ] && [ "$failed" -eq 0 ]
