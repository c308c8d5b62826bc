#!/bin/sh
# SPDX-License-Identifier: MIT
# first_verdict.sh HEAPTAG LOG WANT - judges the first k snapshots of a hunt's
# log (--until +k s, snapshots a second apart) for k = 6 .. the whole log, as
# a CI job stopped at that point would: prints the first k at which trend
# names the row it names over the whole log (WANT leak or stopped), or, for
# WANT none, how many of the prefixes named anything.
set -u
ht=$1
log=$2
want=$3
whole=$("$ht" trend --format csv "$log" 2> /dev/null | sed -n 2p | cut -d, -f5)
last=$(($(cut -d, -f1 "$log" | sort -u | wc -l) - 1))
k=6
named=0
while [ $k -le $last ]; do
    top=$("$ht" trend --format csv --until +$((k - 1))s "$log" 2> /dev/null | sed -n 2p | cut -d, -f5)
    if [ "$want" = none ]; then
        [ -n "$top" ] && named=$((named + 1))
    elif [ -n "$top" ] && [ "$top" = "$whole" ]; then
        echo "$(basename "$log" .csv): first right verdict at snapshot $k of $last"
        exit 0
    fi
    k=$((k + 1))
done
if [ "$want" = none ]; then
    echo "$(basename "$log" .csv): named something in $named of $((last - 5)) prefixes"
else
    echo "$(basename "$log" .csv): never named in a prefix"
fi
