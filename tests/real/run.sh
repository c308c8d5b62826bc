#!/bin/bash
# SPDX-License-Identifier: MIT
# run.sh - `make test-real`: real programs give byte-identical stdout, stderr
# and exit status with and without the shim, under each flag set.
#
# Usage: tests/real/run.sh [CASE...]   (default: every case below)
# HEAPTAG_BUILD: the build directory (default ./build).
# HEAPTAG_REAL_FLAGS: the flag sets, space separated
#   (default "+ptg +ptg+ust +ptg+htc+hfc"); a flag the shim does not act on
#   yet must still leave the run identical.
# Each case runs in the same fresh directory both times, so paths in the
# output match. A case that hangs is killed after HEAPTAG_REAL_TIMEOUT seconds
# (default 600) and fails.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=$(cd "${HEAPTAG_BUILD:-$root/build}" && pwd)
shim=$build/libheaptag.so
tool=$build/heaptag
flag_sets=${HEAPTAG_REAL_FLAGS:-+ptg +ptg+ust +ptg+htc+hfc}
limit=${HEAPTAG_REAL_TIMEOUT:-600}
[ -f "$shim" ] || { echo "run.sh: no $shim; run make first" >&2; exit 2; }

# python3's regression tests: the interpreter whose test package is complete
# (Debian's libpython3.11-testsuite, or a python built from source).
PY_MODULES="test_json test_re test_collections test_itertools test_functools
test_struct test_string test_textwrap test_heapq test_bisect test_base64
test_binascii test_csv test_difflib test_fractions test_dict test_list test_set
test_bytes test_zlib test_hashlib test_math test_operator test_enum
test_unicode test_array test_deque test_ordered_dict test_gc test_shlex
test_configparser test_tempfile test_queue test_subprocess"
find_python() {
    local p
    for p in /usr/bin/python3 "$(command -v python3)"; do
        [ -x "$p" ] || continue
        p=$("$p" -c 'import sys; print(sys.executable)' 2>/dev/null) || continue
        "$p" -c 'import test.test_json, test.test_subprocess' 2>/dev/null && { echo "$p"; return; }
    done
}
PY=$(find_python)

# The cases: name and a bash command run in the work directory.
case_cmd() {
    case "$1" in
    python_tests)
        [ -n "$PY" ] || return 1
        # shellcheck disable=SC2086
        echo "PYTHONMALLOC=malloc $PY $here/pyunit.py" $PY_MODULES ;;
    sqlite3) echo "sqlite3 db.sqlite < $here/workload.sql" ;;
    git) echo "bash $here/git.sh" ;;
    perl) echo "perl $here/workload.pl" ;;
    tclsh) echo "tclsh $here/workload.tcl" ;;
    sort_parallel)
        echo "seq 1 300000 | awk '{ print (\$1 * 7919) % 100003, \$1 }' > in.txt &&
              sort --parallel=2 -S 2M -T . -k1,1n -k2,2nr in.txt | sha256sum &&
              sort --parallel=2 -S 2M -T . -u -t' ' -k1,1 in.txt | tail -n 3" ;;
    xz_threads)
        echo "seq 1 2000000 > data && xz -T2 --block-size=1MiB -6 -c data > data.xz &&
              sha256sum data.xz && xz -T2 -dc data.xz | cmp - data && xz -l data.xz | tail -n 1" ;;
    gxx_build)
        echo "g++ -std=c++17 -O1 -Wall -I$root/include -c $root/tests/progs/cxx_containers.cpp -o c.o &&
              g++ -o prog c.o -lpthread && sha256sum c.o && ./prog" ;;
    bash_fork_exec) echo "bash $here/fork_exec.sh" ;;
    chromium)
        # exports malloc, free and operator new from its executable: the shim
        # must stand aside (its stderr carries timestamps: not compared)
        command -v chromium >/dev/null || return 1
        echo "chromium --headless --no-sandbox --disable-gpu --dump-dom about:blank 2>/dev/null" ;;
    *) return 1 ;;
    esac
}
ALL_CASES="python_tests sqlite3 git perl tclsh sort_parallel xz_threads gxx_build bash_fork_exec chromium"

work=$(mktemp -d /tmp/heaptag-real.XXXXXX)
trap 'rm -rf "$work"' EXIT

# run_one DIR PRELOAD FLAGS CMD: stdout, stderr and status into DIR.{out,err,rc}
run_one() {
    local dir=$1 preload=$2 flags=$3 cmd=$4
    rm -rf "$work/run" && mkdir "$work/run"
    (
        cd "$work/run" || exit 99
        export LC_ALL=C TZ=UTC HOME="$work/run" HEAPTAG_FLAGS="$flags" HEAPTAG_KEEP=0
        [ "$preload" = 1 ] && export LD_PRELOAD="$shim"
        exec timeout -k 5 "$limit" bash -c "$cmd"
    ) >"$dir.out" 2>"$dir.err"
    echo $? >"$dir.rc"
}

# The shim really loads under each flag set and takes the flags.
sanity() {
    local flags=$1 pid
    pid=$(HEAPTAG_FLAGS="$flags" HEAPTAG_KEEP=1 LD_PRELOAD="$shim" sh -c 'echo $$')
    if ! "$tool" ls 2>/dev/null | grep -q "^ *$pid "; then
        echo "FAIL sanity $flags: no segment for pid $pid"
        rm -f "/dev/shm/heaptag.$pid" /dev/shm/heaptag.*."$pid"
        return 1
    fi
    rm -f "/dev/shm/heaptag.$pid" /dev/shm/heaptag.*."$pid"
}

cases=${*:-$ALL_CASES}
fails=0
runs=0
for flags in $flag_sets; do
    sanity "$flags" || fails=$((fails + 1))
done
for c in $cases; do
    cmd=$(case_cmd "$c") || { echo "SKIP $c: not available"; continue; }
    start=$SECONDS
    run_one "$work/plain" 0 "" "$cmd"
    if [ "$(cat "$work/plain.rc")" -ge 124 ]; then
        echo "FAIL $c: plain run status $(cat "$work/plain.rc")"; tail -n 5 "$work/plain.err"
        fails=$((fails + 1)); continue
    fi
    case_fails=$fails
    for flags in $flag_sets; do
        run_one "$work/tagged" 1 "$flags" "$cmd"
        runs=$((runs + 1))
        bad=""
        cmp -s "$work/plain.rc" "$work/tagged.rc" ||
            bad="$bad status $(cat "$work/plain.rc")->$(cat "$work/tagged.rc")"
        cmp -s "$work/plain.out" "$work/tagged.out" || bad="$bad stdout"
        cmp -s "$work/plain.err" "$work/tagged.err" || bad="$bad stderr"
        if [ -n "$bad" ]; then
            echo "FAIL $c $flags:$bad"
            diff "$work/plain.out" "$work/tagged.out" | head -n 10
            diff "$work/plain.err" "$work/tagged.err" | head -n 10
            fails=$((fails + 1))
        fi
    done
    [ "$fails" -eq "$case_fails" ] && echo "ok   $c ($(wc -c <"$work/plain.out") bytes out, status $(cat "$work/plain.rc"), $((SECONDS - start)) s)"
done
echo "real programs: $runs tagged runs, $fails failed"
[ "$fails" -eq 0 ]
