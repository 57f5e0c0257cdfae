#!/bin/sh
# Build (once) a minbase chroot of a Debian release with everything the
# ngxmem suite needs: that release's gdb, nginx with the lua module,
# glibc and the build dependencies. Prints the chroot's path.
#   make-chroot.sh bullseye|bookworm|trixie|forky
# Cached in $NGXMEM_CACHE/chroots/SUITE (default /var/cache/ngxmem);
# rebuilt when missing or incomplete.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

suite=$1
dir=$chroot_root/$suite
packages="build-essential autoconf automake pkg-config file xz-utils
  gdb gdbserver binutils-dev libdw-dev libelf-dev liblzma-dev libjansson-dev libdebuginfod-dev
  dejagnu expect tcl tcllib python3-jsonschema procps bc time nginx libnginx-mod-http-lua libnginx-mod-stream
  debuginfod curl openssl libssl-dev dpkg-dev debhelper zlib1g-dev python3"
packages=$(echo $packages)
log=$chroot_root/$suite.log

# .complete holds the package list it was made with: a cached chroot from
# an older list only gets the packages added since.
install_packages() {
    mount_chroot "$dir"
    trap 'umount_chroot "$dir"' EXIT
    in_chroot "$dir" "apt-get update -qq && apt-get install -y -qq --no-install-recommends $packages" \
        >>"$log" 2>&1 || { tail -20 "$log" >&2; exit 1; }
    # libc debug info, where the release ships it as libc6-dbg.
    in_chroot "$dir" "apt-get install -y -qq --no-install-recommends libc6-dbg" >>"$log" 2>&1 ||
        echo "make-chroot: $suite has no installable libc6-dbg" >&2
    echo "$packages" >"$dir/.complete"
}
if [ -f "$dir/.complete" ]; then
    [ "$(cat "$dir/.complete")" = "$packages" ] || install_packages
    echo "$dir"
    exit 0
fi
[ "$(id -u)" = 0 ] || { echo "make-chroot: needs root" >&2; exit 1; }
command -v debootstrap >/dev/null ||
    { echo "make-chroot: install the Debian package 'debootstrap'" >&2; exit 1; }

mirror=$(debian_mirror)
# forky is "testing": bookworm's debootstrap knows it through the sid script.
script=
[ "$suite" = forky ] && script=/usr/share/debootstrap/scripts/sid
release_chroot "$dir"
rm -rf "$dir"
mkdir -p "$dir"
echo "make-chroot: debootstrap $suite from $mirror (log: $log)" >&2
# shellcheck disable=SC2086
debootstrap --variant=minbase "$suite" "$dir" "$mirror" $script >"$log" 2>&1 ||
    { tail -20 "$log" >&2; exit 1; }

printf 'deb %s %s main\ndeb-src %s %s main\n' "$mirror" "$suite" "$mirror" "$suite" \
    >"$dir/etc/apt/sources.list"
# A testing release's Release file may be past its Valid-Until.
echo 'Acquire::Check-Valid-Until "false";' >"$dir/etc/apt/apt.conf.d/99ngxmem"
# Packages must not start services (nginx would take port 80).
printf '#!/bin/sh\nexit 101\n' >"$dir/usr/sbin/policy-rc.d"
chmod +x "$dir/usr/sbin/policy-rc.d"

install_packages
echo "$dir"
