#!/bin/sh
# SPDX-License-Identifier: MIT
# Installs the Debian packages heaptag needs to build and test, when missing.
# As root it runs apt-get; otherwise it prints the exact command and fails.
set -eu
pkgs="build-essential pkg-config uthash-dev libcriterion-dev libdw-dev libelf-dev libncurses-dev"
[ "$#" -gt 0 ] && pkgs="$pkgs $*"
missing=""
for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
cmd="apt-get install -y --no-install-recommends$missing"
if [ "$(id -u)" -ne 0 ]; then
    echo "heaptag: missing packages:$missing" >&2
    echo "heaptag: run as root:  apt-get update && $cmd" >&2
    exit 1
fi
echo "heaptag: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2 || true
$cmd >&2
