#!/bin/sh
# The main job: run examples/leaky under the shim and watch its table a few
# times, seconds apart; the leaking row keeps growing while the others do not.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
bin="$here/build"
seconds=${DEMO_SECONDS:-12}

"$bin/heaptag" run -- "$bin/examples/leaky" "$seconds" 100 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT INT TERM
sleep 1
echo "heaptag demo: examples/leaky runs as pid $pid for ${seconds}s; its table every 3 s:"
"$bin/heaptag" mon -p "$pid" -b -i 3 -n 4
wait "$pid" || true
trap - EXIT
echo
echo "heaptag demo: after exit (the segment is kept for post-mortem reading):"
"$bin/heaptag" mon -p "$pid" -b -n 1
"$bin/heaptag" gc >/dev/null
