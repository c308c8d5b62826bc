#!/bin/sh
# SPDX-License-Identifier: MIT
# The main job: run examples/leaky under the shim while `heaptag mon` logs its
# table every second, then let `heaptag trend` read the log and name the leak
# (tag, process and function), with a picture of it in build/demo/.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
bin="$here/build"
seconds=${DEMO_SECONDS:-20}
out="$bin/demo"
log="$out/poolmon.log"
mkdir -p "$out"
rm -f "$log"

# HEAPTAG_KEEP=0: the log is what the demo reads, so leaky's segment goes at exit
HEAPTAG_KEEP=0 "$bin/heaptag" run -- "$bin/examples/leaky" "$seconds" 100 >/dev/null &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT INT TERM
sleep 0.5
echo "heaptag demo: examples/leaky runs as pid $pid for ${seconds}s;"
echo "heaptag demo: heaptag mon -p $pid -b -i 1 >> $log   (a snapshot a second)"
"$bin/heaptag" mon -p "$pid" -b -i 1 -n $((seconds - 2)) >>"$log"
wait "$pid" || true
trap - EXIT
echo "heaptag demo: the last snapshot in the log:"
awk '/^# /{block=""} {block=block $0 "\n"} END{printf "%s", block}' "$log"
echo "heaptag demo: heaptag trend $log --plot $out/trend.svg"
echo
# trend exits 1 when it names a suspect (what a CI job fails on); here that
# is the demo working, so only a status of 2 (no verdict possible) fails it.
status=0
"$bin/heaptag" trend "$log" --plot "$out/trend.svg" || status=$?
echo
echo "heaptag demo: trend exit status $status (1: a suspect named, 0: none, 2: error)"
[ "$status" -ne 2 ]
