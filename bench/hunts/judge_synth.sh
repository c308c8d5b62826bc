#!/bin/sh
# SPDX-License-Identifier: MIT
# judge_synth.sh HEAPTAG [SEEDS] [ROWS] [SNAPS] - two-day synthetic logs
# (synth_log: row000 a steady leak, row001 a leak from the middle on, the
# rest bounded random walks), one per seed, judged by `HEAPTAG trend`: prints
# per seed which rows were named (and the late leak's onset), then the count
# of walks named over all seeds.
set -u
ht=$1
seeds=${2:-10}
rows=${3:-200}
snaps=${4:-2880}
synth=${SYNTH:-build/hunts/synth_log}
false_total=0
missed=0
s=1
while [ "$s" -le "$seeds" ]; do
    out=$("$synth" $s $rows $snaps | "$ht" trend --top 1000 --format csv -)
    named=$(printf '%s\n' "$out" | tail -n +2 | cut -d, -f5 | sort | tr '\n' ' ')
    onset=$(printf '%s\n' "$out" | awk -F, '$5=="row001"{print $10}')
    walks=$(printf '%s\n' "$out" | tail -n +2 | cut -d, -f5 | grep -cv '^row00[01]$')
    for r in row000 row001; do
        printf '%s\n' "$out" | cut -d, -f5 | grep -qx $r || missed=$((missed + 1))
    done
    false_total=$((false_total + walks))
    echo "seed $s: named $named (late onset $onset)"
    s=$((s + 1))
done
echo "walks named: $false_total of $((seeds * (rows - 2))) rows; leaks missed: $missed of $((seeds * 2))"
