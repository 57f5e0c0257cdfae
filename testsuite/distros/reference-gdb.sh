#!/bin/sh
# Build (once) an unstripped GDB from a release's own gdb-source package,
# inside that release's chroot, for the resolver truth test. Prints the
# path of the binary as seen from the host.
#   reference-gdb.sh bullseye|trixie|forky
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

suite=$1
dir=$("$here/make-chroot.sh" "$suite")
bin=$dir/var/cache/ngxmem/gdb-ref/build/gdb/gdb
if [ -x "$bin" ] && [ -f "$dir/var/cache/ngxmem/gdb-ref/.complete" ]; then
    echo "$bin"
    exit 0
fi
log=$chroot_root/$suite-reference.log
mount_chroot "$dir"
trap 'umount_chroot "$dir"' EXIT
in_chroot "$dir" "apt-get install -y -qq --no-install-recommends gdb-source \
    g++ libgmp-dev libmpfr-dev texinfo bison flex libreadline-dev \
    libexpat1-dev zlib1g-dev" >"$log" 2>&1 || { tail -20 "$log" >&2; exit 1; }
cp "$here/../build-reference-gdb.sh" "$dir/root/build-reference-gdb.sh"
echo "reference-gdb: building $suite's GDB from gdb-source (log: $log)" >&2
in_chroot "$dir" "sh /root/build-reference-gdb.sh /var/cache/ngxmem" >>"$log" 2>&1 ||
    { tail -20 "$log" >&2; exit 1; }
echo "$bin"
