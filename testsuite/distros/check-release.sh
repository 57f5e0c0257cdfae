#!/bin/sh
# Build ngxmem inside a Debian release's chroot and run the DejaGnu suite
# there (ngxmem.base, ngxmem.glibc, ngxmem.nginx and the unit tests) with
# that release's gdb, and its gdb-minimal where that is a GDB of its own.
#   check-release.sh SRCDIR SUITE [resolver]
# With "resolver", only the resolver truth test, against the GDB built from
# that release's gdb-source (reference-gdb.sh).
# Results: $NGXMEM_CACHE/chroots/SUITE/root/ngxmem/testsuite/out; the last
# line is "SUITE: N passed, N failed".
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

src=$(cd "$1" && pwd)
suite=$2
only=${3:-all}
dir=$("$here/make-chroot.sh" "$suite")
tree=$dir/root/ngxmem
log=$chroot_root/$suite-check.log

# The sources as git sees them (committed or not), without build products.
rm -rf "$tree"
mkdir -p "$tree"
(cd "$src" && git ls-files -z --cached --others --exclude-standard |
    xargs -0 tar -cf - 2>/dev/null) | tar -C "$tree" -xf -

mount_chroot "$dir"
trap 'umount_chroot "$dir"' EXIT
if ! in_chroot "$dir" "cd /root/ngxmem && autoreconf -fi && ./configure --quiet &&
        make -j$(nproc)" >"$log" 2>&1; then
    tail -30 "$log" >&2
    echo "$suite: build failed (log: $log)"
    echo "$suite: 0 passed, 1 failed"
    exit 1
fi
# gdb-minimal is a GDB of its own only where it does not just depend on gdb.
minimal=none
if in_chroot "$dir" "apt-cache show gdb-minimal 2>/dev/null | grep -q '^Depends:.*libreadline'"; then
    minimal=
else
    echo "$suite: gdb-minimal is a transitional package for gdb here: runs as gdb"
fi
reference=none
[ "$only" = resolver ] && reference=/var/cache/ngxmem/gdb-ref/build/gdb/gdb
in_chroot "$dir" "cd /root/ngxmem && NGXMEM_TEST_GDB_MINIMAL=$minimal NGXMEM_REFERENCE_GDB=$reference \
    NGXMEM_SUITES='${NGXMEM_SUITES:-}' RUNTESTFLAGS='${RUNTESTFLAGS:-}' \
    testsuite/run-suite.sh /root/ngxmem /root/ngxmem $only" 2>&1 |
    tee -a "$log" | sed "s/^\([0-9]* passed, [0-9]* failed\)$/$suite: \1/"
