#!/bin/sh
# SPDX-License-Identifier: MIT
# man-synopsis.sh TOOL PAGE [--check] - puts the SYNOPSIS that the tool prints
# from its command table (heaptag __man-synopsis) into heaptag(1), between
# ".SH SYNOPSIS" and the next ".SH". With --check, changes nothing and exits 1
# when the page's synopsis differs from the tool's (make man-synopsis fixes it).
set -eu
tool=$1 page=$2
syn=$(mktemp) new=$(mktemp)
trap 'rm -f "$syn" "$new"' EXIT
"$tool" __man-synopsis >"$syn"
awk -v syn="$syn" '
    /^\.SH SYNOPSIS/ { while ((getline line < syn) > 0) print line; skip = 1; next }
    /^\.SH / { skip = 0 }
    !skip' "$page" >"$new"
if [ "${3:-}" = --check ]; then
    cmp -s "$new" "$page" && exit 0
    diff -u "$page" "$new" >&2 || true
    echo "$page: SYNOPSIS differs from the tool's usage; run make man-synopsis" >&2
    exit 1
fi
cmp -s "$new" "$page" || cat "$new" >"$page"
