#!/bin/sh
# Install what ngxmem needs to build and test on Debian 12 (root).
# Idempotent: does nothing when everything is present.
set -eu
packages="build-essential autoconf automake pkg-config
  gdb gdb-source binutils-dev libdw-dev libelf-dev
  dejagnu expect tcl tcllib python3-jsonschema
  libgmp-dev libmpfr-dev texinfo bison flex libreadline-dev libexpat1-dev zlib1g-dev
  libc6-dbg nginx libnginx-mod-http-lua libnginx-mod-stream clang bc time gdbserver
  debootstrap liblzma-dev libjansson-dev libdebuginfod-dev debuginfod curl openssl libssl-dev xz-utils dpkg-dev debhelper python3
  libjemalloc2 libtcmalloc-minimal4 libmimalloc2.0 musl-tools chromium prometheus"
missing=""
for p in $packages; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
        missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "install-deps: installing$missing"
if [ "$(id -u)" != 0 ]; then
    echo "install-deps: need root to apt-get install$missing" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
[ -n "$(ls /var/lib/apt/lists/ 2>/dev/null | grep -v -e lock -e partial)" ] || apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
# The Debian nginx package starts a server on port 80; the demo and tests
# run their own instances and do not want it.
systemctl disable --now nginx >/dev/null 2>&1 || service nginx stop >/dev/null 2>&1 || true
# prometheus is here for its promtool (metrics.exp); its server is not wanted
systemctl disable --now prometheus >/dev/null 2>&1 || service prometheus stop >/dev/null 2>&1 || true
