#!/bin/sh
# Build this release's nginx from its own source package (apt-get source
# nginx), with -g, once per variant; prints the path of the binary.
#   build-nginx-source.sh plain|compat|patched
#   plain    ./configure as upstream (no --with-compat)
#   compat   --with-compat
#   patched  a field added to ngx_cycle_t after shared_memory, as a vendor
#            patch would: the self-checks still fit, DWARF must disagree
# Exit 3: the source package is not served (UNSUPPORTED, not a failure).
# The core, the modules without libraries and ssl (the zones the test
# looks at: limit_req, limit_conn, a cache's keys, ssl_session_cache, an
# upstream zone).
# Cache: $NGXMEM_CACHE/nginx-src (a build per variant and set of modules).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../distros/lib.sh"

variant=$1
cache=$NGXMEM_CACHE/nginx-src
build=build-$variant-zones
bin=$cache/$build/nginx
if [ -x "$bin" ]; then
    echo "$bin"
    exit 0
fi
mkdir -p "$cache"
log=$cache/$build.log
exec 3>&2 2>"$log"

src=$(find "$cache/src" -maxdepth 1 -type d -name 'nginx-*' 2>/dev/null | head -n 1)
if [ -z "$src" ]; then
    rm -rf "$cache/src"
    mkdir -p "$cache/src"
    if ! (cd "$cache/src" && apt-get source -qq nginx >&2); then
        # no deb-src line on this machine: add one for this release
        . /etc/os-release
        printf 'Types: deb-src\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
            "$(debian_mirror)" "$VERSION_CODENAME" >/etc/apt/sources.list.d/ngxmem-src.sources
        apt-get update -qq >&2
        if ! (cd "$cache/src" && apt-get source -qq nginx >&2); then
            # a testing release's mirror may list a source it no longer has
            if grep -q '404 *Not Found' "$log"; then
                echo "build-nginx-source: the mirror does not serve this release's nginx source (404)" >&3
                exit 3
            fi
            echo "build-nginx-source: apt-get source nginx failed (log: $log)" >&3
            exit 1
        fi
    fi
    src=$(find "$cache/src" -maxdepth 1 -type d -name 'nginx-*' | head -n 1)
fi

tree=$cache/tree-$variant
rm -rf "$tree" "$cache/$build"
cp -a "$src" "$tree"
flags=
case $variant in
    plain) ;;
    compat) flags=--with-compat ;;
    patched)
        sed -i 's/^\(    ngx_list_t  *shared_memory;\)$/\1\n    void *ngxmem_vendor_field;/' \
            "$tree/src/core/ngx_cycle.h"
        grep -q ngxmem_vendor_field "$tree/src/core/ngx_cycle.h" ||
            { echo "build-nginx-source: cannot patch ngx_cycle.h" >&3; exit 1; } ;;
    *) echo "build-nginx-source: unknown variant $variant" >&3; exit 2 ;;
esac
# shellcheck disable=SC2086
(cd "$tree" && ./configure --builddir="$cache/$build" $flags --with-http_ssl_module \
    --with-cc-opt="-g -O1" --without-http_rewrite_module --without-http_gzip_module >&2 && make -j"$(nproc)" >&2) ||
    { echo "build-nginx-source: $variant build failed (log: $log)" >&3; exit 1; }
echo "$bin"
