#!/bin/sh
# Run the DejaGnu suite once per GDB under test and print one summary.
#   run-suite.sh SRCDIR BUILDDIR            all suites (make check)
#   run-suite.sh SRCDIR BUILDDIR resolver   only the resolver truth test
# Environment:
#   NGXMEM_TEST_GDB          Debian gdb (default: gdb on PATH)
#   NGXMEM_TEST_GDB_MINIMAL  gdb-minimal (default: fetched with apt-get
#                            download into BUILDDIR/testsuite/gdb-minimal;
#                            "none": not a GDB of its own in this release)
#   NGXMEM_REFERENCE_GDB     unstripped GDB (default: built once from
#                            gdb-source by build-reference-gdb.sh; "none":
#                            no resolver truth test in this run)
#   RUNTESTFLAGS             passed to runtest (e.g. "load.exp")
set -u
src=$1
build=$2
only=${3:-all}
tests=$src/testsuite
out=$build/testsuite/out

fetch_gdb_minimal() {
    dir=$build/testsuite/gdb-minimal
    if [ ! -x "$dir/usr/bin/gdb" ]; then
        # The gdb and gdb-minimal packages conflict: unpack, don't install.
        mkdir -p "$dir" && (cd "$dir" && rm -f gdb-minimal_*.deb &&
            apt-get download gdb-minimal >/dev/null 2>&1 &&
            dpkg -x gdb-minimal_*.deb .) || {
            echo "run-suite: cannot fetch gdb-minimal (apt-get download gdb-minimal)" >&2
            return 1
        }
    fi
    echo "$dir/usr/bin/gdb"
}

# run NAME GDB DIRECTORY...: one runtest per directory, results in out/NAME-DIR
run() {
    name=$1 gdb=$2
    shift 2
    for dir in "$@"; do
        o=$out/$name-$dir
        mkdir -p "$o"
        echo "=== $name: $gdb ($dir)"
        (cd "$o" && runtest --tool ngxmem --srcdir "$tests" \
            --directory "$dir" ${RUNTESTFLAGS:-} \
            GDB="$gdb" NGXMEM_BUILD="$build" NGXMEM_SRC="$src") >"$o/runtest.out" 2>&1
        grep -E '^(FAIL|UNRESOLVED|ERROR|UNSUPPORTED)' "$o/ngxmem.sum" 2>/dev/null | sed "s/^/  $name: /"
        sed -n '/=== ngxmem Summary ===/,$p' "$o/ngxmem.sum" 2>/dev/null | grep '^#' | sed 's/^/  /'
    done
}

count() {  # count PATTERN: sum over all .sum files
    cat "$out"/*/ngxmem.sum 2>/dev/null | grep -c "^$1:" || true
}

# Suites run against every GDB under test (NGXMEM_SUITES: a subset).
suites=${NGXMEM_SUITES:-ngxmem.base ngxmem.glibc ngxmem.nginx}

rm -rf "$out"
mkdir -p "$out"
status=0
if [ "$only" = all ]; then
    run gdb "${NGXMEM_TEST_GDB:-$(command -v gdb)}" $suites
    minimal=${NGXMEM_TEST_GDB_MINIMAL:-$(fetch_gdb_minimal)} || status=1
    [ -n "$minimal" ] && [ "$minimal" != none ] && run gdb-minimal "$minimal" $suites
fi
[ "$only" = all ] && [ -z "${NGXMEM_SUITES:-}" ] && run unit none ngxmem.unit
reference=${NGXMEM_REFERENCE_GDB:-$("$tests/build-reference-gdb.sh")} || status=1
[ -n "$reference" ] && [ "$reference" != none ] && run reference "$reference" ngxmem.resolver

passed=$(count PASS)
failed=$(( $(count FAIL) + $(count UNRESOLVED) + $(count ERROR) ))
[ "$failed" -eq 0 ] || status=1
[ "$passed" -gt 0 ] || status=1
unsupported=$(count UNSUPPORTED)
[ "$unsupported" -eq 0 ] || echo "($unsupported test(s) cannot apply here: UNSUPPORTED lines above say why)"
echo "$passed passed, $failed failed"
exit $status
