#!/bin/sh
# SPDX-License-Identifier: MIT
# run_hunts.sh BUILD - runs every leak hunt (bench/hunts/hunt.c, lru.cpp) under
# the shim for HUNT_SECONDS (45) while `heaptag mon -i 1 --format csv` logs it,
# all at once, then judges each log with `heaptag trend` and prints its
# verdict and exit status beside what it should be. Logs stay in
# BUILD/hunts/logs (HUNT_JUDGE_ONLY=1 judges the logs there again without
# running anything; TREND=path judges with another heaptag binary; HUNTS="a b"
# runs only those).
set -u
build=${1:-build}
ht=$build/heaptag
trend=${TREND:-$ht}
dir=$build/hunts
logs=$dir/logs
mkdir -p "$logs"

# name | command | mon options | what trend must say
hunts='churnleak|hunt churnleak 48 200||leak
churnslow|hunt churnleak 24 200||leak
prefork|hunt prefork|--children|leak
stops|hunt stops||stopped
steps|hunt steps||none
wrapper|hunt wrapper||leak
threadpool|hunt threadpool||leak
tags|hunt tags|--by tag|leak
lru|lru||none
registry|lru registry||leak'

if [ "${HUNT_JUDGE_ONLY:-0}" != 1 ]; then
    echo "$hunts" | { while IFS='|' read -r name cmd monopts want; do
        case " ${HUNTS:-$name} " in *" $name "*) ;; *) continue ;; esac
        (
            # shellcheck disable=SC2086
            HUNT_SECONDS=${HUNT_SECONDS:-45} "$ht" run -- $dir/$cmd > /dev/null &
            pid=$!
            sleep 0.3 # README's recipe: the first snapshot may catch start-up
            # a loaded machine may take longer to start it: ask again while it runs
            for try in 1 2 3 4 5 6 7 8 9 10; do
                # shellcheck disable=SC2086
                "$ht" mon -p $pid -i 1 --format csv $monopts > "$logs/$name.csv" 2> /dev/null
                [ -s "$logs/$name.csv" ] || ! kill -0 $pid 2> /dev/null && break
                sleep 0.2
            done
            wait $pid
        ) &
    done; wait; }
fi

printf '%-11s %-8s %-6s %s\n' hunt want status verdict
echo "$hunts" | while IFS='|' read -r name cmd monopts want; do
    out=$("$trend" trend "$logs/$name.csv" 2>&1)
    st=$?
    v=$(printf '%s\n' "$out" | grep -m1 '^verdict:' | cut -c10-150)
    [ -n "$v" ] || v=$(printf '%s\n' "$out" | sed -n 2p | cut -c1-140)
    printf '%-11s %-8s %-6s %s\n' "$name" "$want" "$st" "$v"
done
