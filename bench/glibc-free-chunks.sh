#!/bin/sh
# Benchmark: glibc-free-chunks on a heap of millions of chunks, against the
# raw cost of reading the same bytes from /proc/PID/mem.
#   bench/glibc-free-chunks.sh [CHUNKS]      (default 3,000,000 allocations)
# Prints both times and their ratio (target <= 3x). Run as root.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
n=${1:-3000000}
tmp=$(mktemp -d)
trap 'kill $pid 2>/dev/null; rm -rf "$tmp"' EXIT
cc -O2 -o "$tmp/heap-bench" "$top/bench/heap-bench.c"
"$tmp/heap-bench" "$n" > "$tmp/out" &
pid=$!
while ! grep -q ready "$tmp/out"; do sleep 0.2; done

range=$(awk '/\[heap\]/ {print $1}' "/proc/$pid/maps")
start=$((0x${range%-*}))
end=$((0x${range#*-}))
bytes=$((end - start))

now() { date +%s.%N; }
gdbrun() {
    gdb -nx -q -batch -iex "set debuginfod enabled off" -p "$pid" -x "$top/gdbinit" "$@" >"$tmp/gdb.out" 2>&1
}

# raw: read the heap from /proc/PID/mem in 1 MiB blocks (what any tool must at least do)
t0=$(now)
dd if="/proc/$pid/mem" of=/dev/null bs=1M iflag=skip_bytes,count_bytes \
    skip="$start" count="$bytes" 2>/dev/null
t1=$(now)
raw=$(echo "$t1 - $t0" | bc)

# GDB attach + plugin load alone, then with the command: the difference is the command
best() { sort -n | head -1; }
base=$(for i in 1 2 3; do t0=$(now); gdbrun -ex "echo"; t1=$(now); echo "$t1 - $t0" | bc; done | best)
full=$(for i in 1 2 3; do t0=$(now); gdbrun -ex "glibc-free-chunks"; t1=$(now); echo "$t1 - $t0" | bc; done | best)
grep -q 'malloc_trim(0) would return' "$tmp/gdb.out" || { cat "$tmp/gdb.out"; exit 1; }
cmd=$(echo "$full - $base" | bc)
chunks=$(gdbrun -ex "glibc-free-chunks --json"; grep -o '"free_chunks":[0-9]*,.*"in_use_chunks":[0-9]*' "$tmp/gdb.out" |
    sed 's/.*"free_chunks":\([0-9]*\),.*"in_use_chunks":\([0-9]*\)/\1 \2/' | awk '{print $1 + $2}')

# GDB's peak memory, with and without the command: the walk must not grow
# GDB in proportion to the heap (only the compact sets of listed chunks).
rss() { /usr/bin/time -f %M gdb -nx -q -batch -iex "set debuginfod enabled off" -p "$pid" \
    -x "$top/gdbinit" "$@" 2>&1 >/dev/null | tail -1; }
rss_base=$(rss -ex echo)
rss_cmd=$(rss -ex glibc-free-chunks)

echo "heap: $bytes bytes, $chunks chunks"
echo "gdb peak RSS: ${rss_base} KiB attached, ${rss_cmd} KiB after glibc-free-chunks"
echo "raw read of /proc/$pid/mem:     ${raw}s"
echo "glibc-free-chunks (best of 3): ${cmd}s  (gdb attach+load ${base}s excluded)"
echo "ratio: $(echo "scale=2; $cmd / $raw" | bc)x"
