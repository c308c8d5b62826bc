#!/bin/bash
# SPDX-License-Identifier: MIT
# check.sh - what `make install` and the Debian package put in place, checked
# as a user would use it. Usage: check.sh ASPECT  (files, pkgconfig, man,
# completion, uninstall, deb). Exits 0 when the aspect holds; says why not.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${HEAPTAG_BUILD:-$root/build}" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dest=$work/dest
prefix=/opt/heaptag

# One make at a time in a build directory: the tests run these checks in
# parallel, and two makes building the same objects of build/inst at once
# link a half-written one.
locked_make() {
    flock "$build/.install.lock" make -s -C "$root" BUILD="$build" "$@"
}
install_tree() {
    locked_make install DESTDIR="$dest" PREFIX=$prefix >"$work/install.log" 2>&1 ||
        { cat "$work/install.log"; echo "make install failed"; exit 1; }
}
fail() { echo "check.sh: $*" >&2; exit 1; }

case "${1:-}" in
files)
    install_tree
    version=$(cat "$root/VERSION")
    for f in bin/heaptag lib/heaptag/libheaptag.so include/heaptag.h include/heaptag_segment.h \
             include/heaptag_flags.h lib/pkgconfig/heaptag.pc \
             share/bash-completion/completions/heaptag lib/systemd/system/heaptag-serve.service \
             share/man/man1/heaptag.1 share/man/man3/heaptag.3 share/man/man5/heaptag-flags.5 \
             etc/heaptag/flags; do
        [ -f "$dest$prefix/$f" ] || fail "missing $prefix/$f"
    done
    # nothing outside DESTDIR, nothing but what is listed
    n=$(find "$dest" -type f | wc -l)
    [ "$n" -eq 12 ] || { find "$dest" -type f; fail "expected 12 files, found $n"; }
    [ -x "$dest$prefix/bin/heaptag" ] || fail "heaptag not executable"
    [ "$("$dest$prefix/bin/heaptag" --version)" = "heaptag $version" ] || fail "--version"
    grep -q "ExecStart=$prefix/bin/heaptag serve" "$dest$prefix/lib/systemd/system/heaptag-serve.service" ||
        fail "unit does not start the installed tool"
    # the installed tool finds the installed shim (in a directory of its own) and counts
    out=$(HEAPTAG_SHM_DIR=$work "$dest$prefix/bin/heaptag" run -- /bin/true 2>&1) || fail "run: $out"
    # tool and shim read the settings file of their own prefix, not /etc's
    "$dest$prefix/bin/heaptag" flags | grep -q "^System settings file $prefix/etc/heaptag/flags:" ||
        fail "the installed tool does not read $prefix/etc/heaptag/flags"
    grep -q "$prefix/etc/heaptag/flags" "$dest$prefix/lib/heaptag/libheaptag.so" ||
        fail "the installed shim does not read $prefix/etc/heaptag/flags"
    ;;
pkgconfig)
    install_tree
    cat >"$work/app.c" <<'C'
#include <heaptag.h>
#include <stdio.h>
#include <stdlib.h>
int main(void)
{
    char *p = heaptag_alloc("PkgC", 10);
    HEAPTAG_SCOPE("Scop") { free(malloc(3)); }
    printf("%s\n", p ? "ok" : "null");
    free(p);
    return 0;
}
C
    export PKG_CONFIG_PATH=$dest$prefix/lib/pkgconfig PKG_CONFIG_SYSROOT_DIR=$dest
    flags=$(pkg-config --cflags heaptag) || fail "pkg-config --cflags"
    [ "$(pkg-config --modversion heaptag)" = "$(cat "$root/VERSION")" ] || fail "modversion"
    cc -Wall -Werror $flags "$work/app.c" $(pkg-config --libs heaptag) -o "$work/app" || fail "build"
    [ "$("$work/app")" = ok ] || fail "runs without the shim"
    [ "$(LD_PRELOAD=$dest$prefix/lib/heaptag/libheaptag.so HEAPTAG_KEEP=0 "$work/app")" = ok ] || fail "under the shim"
    # relocatable: moved elsewhere, --define-prefix finds the headers there
    grep -qx 'includedir=${prefix}/include' "$dest$prefix/lib/pkgconfig/heaptag.pc" || fail "includedir not relative"
    mkdir -p "$work/moved" && cp -r "$dest$prefix/." "$work/moved/"
    moved=$(PKG_CONFIG_SYSROOT_DIR= PKG_CONFIG_PATH=$work/moved/lib/pkgconfig pkg-config --define-prefix --cflags heaptag | sed "s/ *$//")
    [ "$moved" = "-I$work/moved/include" ] || fail "pkg-config --define-prefix: '$moved'"
    ;;
man)
    for m in "$root"/man/*.[1-8]; do
        mandoc -Tlint -W warning "$m" || fail "$m: mandoc lint"
        MANWIDTH=80 man --warnings -l "$m" >/dev/null 2>"$work/warn" || fail "$m: man"
        [ ! -s "$work/warn" ] || { cat "$work/warn"; fail "$m: man --warnings"; }
    done
    # the SYNOPSIS is the one the tool prints from its command table
    "$root/scripts/man-synopsis.sh" "$build/heaptag" "$root/man/heaptag.1" --check ||
        fail "heaptag(1) SYNOPSIS is not the tool's"
    # every command of the tool has its section in heaptag(1)
    for c in $("$build/heaptag" __complete 1 heaptag ''); do
        [ "$c" = help ] && continue
        grep -q "^\.SS .*\b$c\b" "$root/man/heaptag.1" || fail "heaptag(1) has no section for $c"
    done
    ;;
completion)
    install_tree
    out=$(PATH=$dest$prefix/bin:$PATH bash -c '
        source "$1"
        complete -p heaptag >/dev/null || exit 3
        COMP_WORDS=(heaptag flags +u); COMP_CWORD=2; _heaptag; echo "${COMPREPLY[*]}"
        COMP_WORDS=(heaptag mo); COMP_CWORD=1; _heaptag; echo "${COMPREPLY[*]}"
        COMP_WORDS=(heaptag mon --fo); COMP_CWORD=2; _heaptag; echo "${COMPREPLY[*]}"
        COMP_WORDS=(heaptag mon --by ""); COMP_CWORD=3; _heaptag; echo "${COMPREPLY[*]}"
        COMP_WORDS=(heaptag export --by ""); COMP_CWORD=3; _heaptag; echo "${COMPREPLY[*]}"
        COMP_WORDS=(heaptag trend --format j); COMP_CWORD=3; _heaptag; echo "${COMPREPLY[*]}"
        COMP_WORDS=(heaptag export ""); COMP_CWORD=2; _heaptag; echo "${COMPREPLY[0]}"
        COMP_WORDS=(heaptag help tr); COMP_CWORD=2; _heaptag; echo "${COMPREPLY[*]}"
        COMP_WORDS=(heaptag flags -p ""); COMP_CWORD=3; _heaptag; echo "pids:${COMPREPLY[*]}"
    ' _ "$dest$prefix/share/bash-completion/completions/heaptag") || fail "completion script"
    expect="+ust
mon
--format
tag site func module
function tag site
json
--prometheus
trend"
    [ "$(echo "$out" | head -n 8)" = "$expect" ] || { echo "$out"; fail "completion words"; }
    ;;
uninstall)
    install_tree
    locked_make uninstall DESTDIR="$dest" PREFIX=$prefix >/dev/null 2>&1 ||
        fail "make uninstall"
    left=$(find "$dest" -type f)
    [ -z "$left" ] || fail "left after uninstall: $left"
    # nor the directories it made: the prefix is its own, so it goes too
    [ ! -e "$dest$prefix" ] || fail "left after uninstall: $(find "$dest$prefix")"
    ;;
deb)
    locked_make deb >"$work/deb.log" 2>&1 ||
        { tail -n 30 "$work/deb.log"; fail "make deb"; }
    deb=$(ls "$build"/heaptag_"$(cat "$root/VERSION")"_*.deb)
    lintian --fail-on error "$deb" 2>&1 | grep -v 'running with root' | tee "$work/lintian"
    grep -q '^E:' "$work/lintian" && fail "lintian errors"
    dpkg-deb -c "$deb" >"$work/contents"
    for f in ./usr/bin/heaptag ./usr/lib/x86_64-linux-gnu/heaptag/libheaptag.so \
             ./usr/include/heaptag.h ./usr/share/man/man1/heaptag.1.gz \
             ./usr/share/bash-completion/completions/heaptag ./etc/heaptag/flags \
             ./usr/share/pkgconfig/heaptag.pc ./lib/systemd/system/heaptag-serve.service; do
        grep -q " $f\$" "$work/contents" || fail "package lacks $f"
    done
    dpkg-deb -I "$deb" conffiles | grep -qx /etc/heaptag/flags || fail "flags not a conffile"
    # installed for real, when this machine may: the tool runs a program with the shim
    if [ "$(id -u)" -eq 0 ] && [ -n "${HEAPTAG_DEB_INSTALL:-}" ]; then
        apt-get install -y "$deb" >/dev/null 2>&1 || fail "apt install"
        ok=1
        /usr/bin/heaptag run -- /bin/true || ok=0
        [ -f /usr/share/man/man1/heaptag.1.gz ] && [ -f /etc/heaptag/flags ] || ok=0
        apt-get purge -y heaptag >/dev/null 2>&1
        [ "$ok" = 1 ] || fail "the installed package does not run a program"
    fi
    ;;
*)
    echo "usage: check.sh files|pkgconfig|man|completion|uninstall|deb" >&2
    exit 2
    ;;
esac
