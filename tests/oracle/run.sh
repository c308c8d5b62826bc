#!/bin/bash
# SPDX-License-Identifier: MIT
# run.sh - the libunwind oracle: programs run under the test build of the
# shim (build/oracle/libheaptag-oracle.so, `make oracle`), which walks every
# stack with libunwind beside its own walk. Passes when no walk has a wrong
# frame, a different caller or a truncation (docs/RELIABILITY.md says where
# truncations are expected: none in these programs).
#
# Usage: tests/oracle/run.sh fast|real
#   fast: the project's C test programs at -O2 with and without frame
#         pointers, its C++ ones as built; threads, allocating signal
#         handlers (some interrupting a PLT entry), a signal stack,
#         generated code, one frame reached through two callers (`make test`)
#   real: the same with the C++ programs at -O2 too, the programs as built,
#         2 s of siglongjmps out of handlers, and Debian's python3
#         (PYTHONMALLOC=malloc), node, sqlite3 and clang++ -O2 (`make test-real`)
# HEAPTAG_BUILD: the build directory (default ./build). Flag sets: +ptg (the
# caller ptg charges) and +ptg+ust (every frame).
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=$(cd "${HEAPTAG_BUILD:-$root/build}" && pwd)
oracle=$build/oracle/libheaptag-oracle.so
mode=${1:-fast}
case $mode in fast|real) ;; *) echo "usage: run.sh fast|real" >&2; exit 2 ;; esac
[ -f "$oracle" ] || { echo "run.sh: no $oracle; run make oracle first" >&2; exit 2; }

work=$(mktemp -d /tmp/heaptag-oracle.XXXXXX)
trap 'rm -rf "$work"' EXIT
out=$work/totals
progs=$build/tests/progs

# The test programs again at -O2, with and without frame pointers (fast:
# the C ones; the C++ ones as built, -O1 with frame pointers).
for fp in omit no-omit; do
    d=$work/O2-$fp
    mkdir -p "$d"
    cc -std=c11 -D_GNU_SOURCE -O2 -g -f$fp-frame-pointer -I"$root/include" \
        -o "$d/callers" "$root/tests/progs/callers.c" -lpthread -ldl || exit 1
    cc -std=c11 -D_GNU_SOURCE -O2 -g -f$fp-frame-pointer -I"$root/include" \
        -o "$d/stress" "$root/tests/progs/stress.c" -lpthread || exit 1
    for p in wrapsites cxx_containers hostsafe; do
        if [ "$mode" = real ]; then
            g++ -std=c++17 -O2 -g -f$fp-frame-pointer -I"$root/include" \
                -o "$d/$p" "$root/tests/progs/$p.cpp" -lpthread || exit 1
        else
            ln -s "$progs/$p" "$d/$p"
        fi
    done
done

failed=0
run() { # NAME CMD...: under each flag set, totals appended to $out
    local name=$1 fl
    shift
    for fl in +ptg +ptg+ust; do
        echo "# $name $fl" >> "$out"
        # the programs' own exit statuses vary (cxx_containers exits 3): a
        # signal or the timeout fails
        HEAPTAG_ORACLE_OUT=$out HEAPTAG_FLAGS=$fl HEAPTAG_WRAPPERS=xmalloc,g_malloc,plain_xmalloc,fp_xmalloc \
            PYTHONMALLOC=malloc LD_PRELOAD=$oracle timeout 600 "$@" > /dev/null 2> "$work/err"
        if [ $? -ge 124 ]; then
            echo "oracle: $name under $fl died:" >&2
            tail -5 "$work/err" >&2
            failed=1
        fi
    done
}

dirs="$work/O2-omit $work/O2-no-omit"
[ "$mode" = real ] && dirs="$progs $dirs"
for d in $dirs; do
    tag=${d##*/}
    run "wrapsites($tag)" "$d/wrapsites" strdup xmalloc new vector
    run "cxx_containers($tag)" "$d/cxx_containers"
    run "stress threads($tag)" "$d/stress" threads 4 500 4 4
    run "stress signals($tag)" "$d/stress" signals 50
    run "hostsafe altstack($tag)" "$d/hostsafe" altstack
    run "callers nolocals($tag)" "$d/callers" nolocals
    run "callers samesp($tag)" "$d/callers" samesp
    run "callers pltsig($tag)" "$d/callers" pltsig
    [ "$mode" = real ] && run "callers sigjump($tag)" "$d/callers" sigjump
done

# Sites found by hops from operator new's frame (callers/hops.c), C++ at -O2
# by g++ and clang++: under +ptg some must be, and each must be the walk's.
for p in hops_cxx hops_cxx_clang; do
    run "$p" "$progs/$p" "$progs"
done

if [ "$mode" = real ]; then
    printf 'import json, re, collections\nd = collections.Counter(re.findall(r"\\w+", open(json.decoder.__file__).read() * 20))\nprint(len(json.dumps(d)))\n' > "$work/py.py"
    [ -x /usr/bin/python3 ] && run "python3" /usr/bin/python3 "$work/py.py"
    command -v node > /dev/null &&
        run "node" node -e 'let a=[];for(let i=0;i<100000;i++)a.push({i,s:"x"+i});console.log(JSON.stringify(a).length)'
    command -v sqlite3 > /dev/null &&
        run "sqlite3" sqlite3 :memory: "create table t(a,b); with recursive c(x) as (select 1 union all select x+1 from c where x<20000) insert into t select x, hex(randomblob(20)) from c; select count(*) from t group by a%7;"
    command -v clang++ > /dev/null &&
        run "clang++ -O2" clang++ -O2 -I"$root/include" -c "$root/tests/progs/cxx_containers.cpp" -o "$work/cc.o"
fi

# Totals: every heaptag-oracle line after a "# name flags" header.
awk -v failed=$failed '
/^# / { name = substr($0, 3); next }
/^heaptag-oracle pid=/ {
    for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2]; t[kv[1]] += kv[2] }
    bad = v["wrong_frames"] + v["callers_differ"] + v["truncated"]
    if (bad) { printf "oracle: %s: %s\n", name, $0; failed = 1 }
    if (name ~ /^hops_cxx.* \+ptg$/ && v["hops"] == 0) {
        printf "oracle: %s: no site was found by a hop: %s\n", name, $0; failed = 1
    }
    if (name ~ /^(callers samesp|cxx_containers).*\+ust$/ && v["repeated"] == 0) {
        printf "oracle: %s: no walk was repeated from memory: %s\n", name, $0; failed = 1
    }
    next
}
/^heaptag-oracle / { if (bad) print "oracle:   " $0; next }
END {
    printf "oracle: walks=%d repeated=%d frames=%d sites=%d hops=%d wrong_frames=%d callers_differ=%d truncated=%d longer=%d lost=%d\n",
        t["walks"], t["repeated"], t["frames"], t["sites"], t["hops"], t["wrong_frames"], t["callers_differ"], t["truncated"], t["longer"], t["lost"]
    if (t["walks"] == 0 || t["sites"] == 0) { print "oracle: nothing was compared"; failed = 1 }
    exit failed
}' "$out"
