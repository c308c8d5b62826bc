#!/bin/sh
# SPDX-License-Identifier: MIT
# prom-scale.sh - `heaptag trend --prometheus` at a fleet's scale: builds a
# Prometheus TSDB of INSTANCES hosts x ROWS rows over HOURS hours of one-minute
# samples (tests/scale/gen_openmetrics.c through promtool's backfill, one
# two-hour block at a time through a file), starts Prometheus on loopback over
# it with its default query limits, and times the verdict. Checks that the
# planted leaks are named (row fn0 on every fifth host, fn1 on the hosts that
# restart halfway) and counts every other suspect as false. Says trend's CPU
# and peak memory, the CPU Prometheus spent answering (from /proc) and the
# machine's load, as timings on a shared machine mean little without it.
# Usage: scripts/prom-scale.sh [INSTANCES [ROWS [HOURS]]]   (default 50 2000 48)
# Keeps its directory when KEEP=1 (the TSDB can be reused with TSDB=dir).
# FETCH=auto|read|query is trend's --fetch; BOTH=1 runs query then read and
# fails unless their verdicts are the same bytes with the same exit status.
set -eu
INST=${1:-50}
ROWS=${2:-2000}
HOURS=${3:-48}
BUILD=${HEAPTAG_BUILD:-$(pwd)/build}
HT="$BUILD/heaptag"
[ -x "$HT" ] || { echo "prom-scale: build heaptag first (make all)" >&2; exit 2; }
WORK=$(mktemp -d /tmp/heaptag-scale.XXXXXX)
PROM_PID=
cleanup() {
    [ -n "$PROM_PID" ] && kill "$PROM_PID" 2>/dev/null && wait "$PROM_PID" 2>/dev/null
    [ "${KEEP:-0}" = 1 ] && echo "prom-scale: kept $WORK" || rm -rf "$WORK"
}
trap cleanup EXIT INT TERM
END=$(( $(date +%s) / 60 * 60 - 60 ))
if [ -n "${TSDB:-}" ]; then
    DATA=$TSDB
    END=$(cat "$TSDB/end")
else
    DATA="$WORK/tsdb"
    mkdir -p "$DATA"
    cc -O2 -o "$WORK/gen" tests/scale/gen_openmetrics.c -lm
    START=$(( END - HOURS * 3600 ))
    # the generator's blocks: every two-hour start from START's below END
    # (END on a block boundary has none of its own: one fewer)
    NB=$(( (END - START / 7200 * 7200 + 7199) / 7200 ))
    t0=$(date +%s)
    "$WORK/gen" "$WORK" "$INST" "$ROWS" "$HOURS" 60 "$END" &
    GEN=$!
    # two promtool at once (each reads its block twice), the generator ahead
    i=0
    while [ $i -lt $NB ]; do
        f="$WORK/$(printf 'block-%02d.om' $i)"
        while [ ! -e "$f" ]; do kill -0 $GEN 2>/dev/null || [ -e "$f" ] || exit 1; sleep 0.2; done
        ( promtool tsdb create-blocks-from openmetrics -q "$f" "$DATA" >"$f.log" 2>&1 ||
              { tail -5 "$f.log"; touch "$WORK/failed"; }; rm -f "$f" ) &
        [ $((i % 2)) = 1 ] && wait_blocks=1 || wait_blocks=
        if [ -n "$wait_blocks" ]; then
            # wait for both: the generator meanwhile writes the next ones
            while [ -e "$WORK/$(printf 'block-%02d.om' $((i - 1)))" ] ||
                  [ -e "$f" ]; do sleep 0.5; done
        fi
        [ -e "$WORK/failed" ] && exit 1
        i=$((i + 1))
    done
    while [ "$(ls "$WORK"/block-*.om 2>/dev/null | wc -l)" -gt 0 ]; do sleep 0.5; done
    [ -e "$WORK/failed" ] && exit 1
    wait $GEN
    echo "$END" > "$DATA/end"
    echo "prom-scale: $INST instances x $ROWS rows x $HOURS hours of 1-minute samples: TSDB built in $(( $(date +%s) - t0 )) s, $(du -sh "$DATA" | cut -f1)"
fi
PORT=$(( 20000 + $$ % 20000 ))
# no compaction while we measure (min = max block duration): the blocks stay as built
prometheus --config.file=/dev/null --storage.tsdb.path="$DATA" --storage.tsdb.retention.time=30d \
    --storage.tsdb.min-block-duration=2h --storage.tsdb.max-block-duration=2h \
    --web.listen-address=127.0.0.1:$PORT --log.level=warn >"$WORK/prometheus.log" 2>&1 &
PROM_PID=$!
i=0
until curl -sf "http://127.0.0.1:$PORT/-/ready" >/dev/null 2>&1; do
    i=$((i + 1)); [ $i -lt 600 ] || { tail "$WORK/prometheus.log"; exit 1; }; sleep 0.5
done
# one window for every run: the same steps, so the same points
NOW=$(date +%s)
SINCE=$(date -u -d "@$(( END - HOURS * 3600 ))" +%Y-%m-%dT%H:%M:%SZ)
UNTIL=$(date -u -d "@$NOW" +%Y-%m-%dT%H:%M:%SZ)
prom_cpu() { awk '{ print $14 + $15 }' "/proc/$PROM_PID/stat"; }
# run_trend WAY: trend --fetch WAY into $WORK/verdict.WAY.csv, its exit in rc
run_trend() {
    cpu0=$(prom_cpu)
    load0=$(cut -d' ' -f1-3 /proc/loadavg)
    set +e
    /usr/bin/time -f '%e s elapsed, %U s user, %S s sys, %M KiB max RSS' -o "$WORK/time" \
        "$HT" trend --prometheus "http://127.0.0.1:$PORT" --since "$SINCE" --until "$UNTIL" \
        --fetch "$1" --top 1000 -v --format csv >"$WORK/verdict.$1.csv" 2>"$WORK/trend.err"
    rc=$?
    set -e
    grep -Ev "^trend: (GET|POST) " "$WORK/trend.err" >&2
    echo "prom-scale: trend --fetch $1 exit $rc in $(cat "$WORK/time")"
    prom_s=$(awk -v a="$cpu0" -v b="$(prom_cpu)" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.1f", (b - a) / hz }')
    echo "prom-scale: Prometheus answered with $prom_s s of CPU; load average $load0 before, $(cut -d' ' -f1-3 /proc/loadavg) after"
}
# FETCH=auto|read|query chooses how trend reads (default auto); BOTH=1 reads
# both ways and checks that the verdicts are the same, byte for byte
if [ "${BOTH:-0}" = 1 ]; then
    run_trend query
    rc_query=$rc
    run_trend read
    if [ "$rc" = "$rc_query" ] && cmp -s "$WORK/verdict.read.csv" "$WORK/verdict.query.csv"; then
        echo "prom-scale: remote read and query_range give the same verdicts (exit $rc, $(( $(wc -l < "$WORK/verdict.read.csv") - 1 )) records)"
    else
        echo "prom-scale: remote read (exit $rc) and query_range (exit $rc_query) differ:"
        diff "$WORK/verdict.query.csv" "$WORK/verdict.read.csv" | head -20
        exit 1
    fi
    cp "$WORK/verdict.read.csv" "$WORK/verdict.csv"
else
    run_trend "${FETCH:-auto}"
    cp "$WORK/verdict.${FETCH:-auto}.csv" "$WORK/verdict.csv"
fi
want=0; found=0; false_pos=0
h=0
while [ $h -lt "$INST" ]; do
    r=
    [ $((h % 5)) = 0 ] && r=fn0
    [ $((h % 5)) = 1 ] && r=fn1
    if [ -n "$r" ]; then
        want=$((want + 1))
        grep -q ",/usr/bin/svc$((h % 3)),$r,$r," "$WORK/verdict.csv" &&
            grep ",$r,$r," "$WORK/verdict.csv" | grep -q "h$(printf %02d $h):9464" && found=$((found + 1))
    fi
    h=$((h + 1))
done
total=$(( $(wc -l < "$WORK/verdict.csv") - 1 ))
false_pos=$(( total - found ))
echo "prom-scale: $found of $want planted leaks named, $false_pos other suspects"
[ "$rc" = 1 ] && [ "$found" = "$want" ]
