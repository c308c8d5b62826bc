#!/bin/sh
# SPDX-License-Identifier: MIT
# check-layers.sh [ROOT] - the parts of heaptag mon include downward only, so
# each can be read, tested and replaced alone: the data below the screen,
# never back. A file of ctl/mon/ may include the mon/ headers of its own layer
# and of the layers below it; this exits 1 naming every include that goes up.
set -eu
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
# lowest first
layers="tag_desc model columns view render opts screen"
layer_of() {
    n=0
    for l in $layers; do
        [ "$l" = "$1" ] && { echo $n; return; }
        n=$((n + 1))
    done
    echo "check-layers: ctl/mon/$1 has no layer; add it to $0" >&2
    echo 99
}
bad=0
for f in "$root"/ctl/mon/*.[ch]; do
    base=$(basename "$f"); base=${base%.*}
    mine=$(layer_of "$base")
    for inc in $(sed -n 's|^#include "mon/\([a-z_]*\)\.h".*|\1|p' "$f"); do
        theirs=$(layer_of "$inc")
        if [ "$theirs" -gt "$mine" ]; then
            echo "check-layers: ctl/mon/$(basename "$f") includes mon/$inc.h, a layer above it" >&2
            bad=1
        fi
    done
done
exit $bad
