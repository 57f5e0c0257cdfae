#!/bin/sh
# Configure and build in the source tree (what the quick start uses).
set -eu
cd "$(dirname "$0")/.."
[ -x configure ] || autoreconf -fi
[ -f Makefile ] || ./configure --quiet
make -j"$(nproc)" --no-print-directory >/dev/null
