#!/bin/sh
# SPDX-License-Identifier: MIT
# uninstall-dirs.sh DESTDIR PREFIX DIR... - removes the directories make install
# made once nothing is left in them, deepest first. heaptag's own directories
# (named heaptag) always; under a prefix of its own (not /usr or /usr/local)
# every directory up to and including PREFIX, which install made too. Nothing
# outside DESTDIR, nothing that still holds a file.
set -eu
destdir=$1 prefix=${2%/}
shift 2
own_prefix=1
case "$prefix" in /usr|/usr/local|/) own_prefix=0 ;; esac
for d in "$@"; do
    d=${d%/}
    while [ -n "$d" ] && [ "$d" != / ]; do
        case "$d" in
        */heaptag) echo "$d" ;;
        "$prefix"|"$prefix"/*) if [ "$own_prefix" = 1 ]; then echo "$d"; fi ;;
        esac
        [ "$d" = "$prefix" ] && break
        d=$(dirname "$d")
    done
done | sort -u | awk '{ print length($0) "\t" $0 }' | sort -rn | cut -f2- |
while read -r d; do
    rmdir "$destdir$d" 2>/dev/null || true
done
