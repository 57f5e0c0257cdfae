#!/bin/sh
# Run check-release.sh for every other Debian release and print one total.
#   check-all.sh SRCDIR [resolver]
# The releases run one after another (they share the machine's two cores).
set -u
here=$(cd "$(dirname "$0")" && pwd)
src=$1
only=${2:-all}
releases=${NGXMEM_RELEASES:-bullseye trixie forky}
passed=0 failed=0
for suite in $releases; do
    if [ "$only" = resolver ]; then
        "$here/reference-gdb.sh" "$suite" >/dev/null ||
            { echo "$suite: cannot build the reference GDB"; failed=$((failed + 1)); continue; }
    fi
    start=$(date +%s)
    out=$("$here/check-release.sh" "$src" "$suite" "$only" 2>&1)
    echo "$out"
    echo "$suite: took $(( $(date +%s) - start )) s"
    line=$(echo "$out" | grep -E "^$suite: [0-9]+ passed, [0-9]+ failed$" | tail -n 1)
    if [ -z "$line" ]; then
        failed=$((failed + 1))
        continue
    fi
    passed=$((passed + $(echo "$line" | sed 's/.*: \([0-9]*\) passed.*/\1/')))
    failed=$((failed + $(echo "$line" | sed 's/.* \([0-9]*\) failed/\1/')))
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
