#!/bin/sh
# Build an unstripped GDB from Debian's gdb-source package, once per machine.
# The resolver truth test compares anchor-only resolution against this
# binary's own .symtab, so it must keep its symbols (we never strip it).
#
# Usage: build-reference-gdb.sh [CACHE_DIR]   -> prints the path of the gdb binary
# The cache lives outside the checkout so repeated CI runs reuse it.
set -eu

cache=${1:-${NGXMEM_GDB_CACHE:-/var/cache/ngxmem}}
tarball=/usr/src/gdb.tar.xz
out=$cache/gdb-ref
bin=$out/build/gdb/gdb

if [ -x "$bin" ] && [ -f "$out/.complete" ]; then
    echo "$bin"
    exit 0
fi
if [ ! -f "$tarball" ]; then
    echo "build-reference-gdb: $tarball missing (apt-get install gdb-source)" >&2
    exit 1
fi

rm -rf "$out"
mkdir -p "$out/build"
tar -C "$out" -xJf "$tarball"
src=$(find "$out" -maxdepth 2 -name configure -path '*gdb*' -print | head -n 1)
src=$(dirname "$src")
cd "$out/build"
# -O2 without -g: symbols are all we need, and it halves the build time.
"$src/configure" --disable-sim --without-python --disable-werror \
    --disable-gdbserver --disable-gprofng --disable-ld --disable-gold \
    --disable-gas --disable-binutils --disable-gprof --without-guile \
    --with-system-readline \
    CFLAGS=-O2 CXXFLAGS=-O2 >"$out/configure.log" 2>&1
make -j"$(nproc)" all-gdb >"$out/make.log" 2>&1
touch "$out/.complete"
echo "$bin"
