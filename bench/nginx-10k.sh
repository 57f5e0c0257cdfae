#!/bin/sh
# Benchmark: the nginx and glibc commands on a master with 10,000 virtual
# hosts after a HUP reload (the seed's CDN case, scaled to this machine).
#   bench/nginx-10k.sh [VHOSTS]
# Prints each command's time with GDB's attach+load time subtracted.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
vhosts=${1:-10000}
port=${NGXMEM_BENCH_PORT:-18190}
. "$top/bench/nginx-master.sh"
now() { date +%s.%N; }
t0=$(now)
nginx_master_start
t1=$(now)
rss0=$(awk '/^VmRSS/ {print $2}' "/proc/$master/status")
nginx_master_reload
rss1=$(awk '/^VmRSS/ {print $2}' "/proc/$master/status")
echo "nginx with $vhosts vhosts: start $(echo "$t1 - $t0" | bc)s; master RSS ${rss0} kB -> ${rss1} kB after HUP"

run() { gdb -nx -q -batch -iex "set debuginfod enabled off" -p "$master" -x "$top/gdbinit" "$@" >/dev/null 2>&1; }
# best of 3: GDB's attach time varies by tenths of a second between runs
timed() {
    for i in 1 2 3; do t0=$(now); run "$@"; t1=$(now); echo "$t1 - $t0" | bc; done | sort -n | head -1
}
base=$(timed -ex echo)
echo "gdb attach + plugin load: ${base}s (subtracted below)"
for cmd in ngx-cycle-pools ngx-pools "ngx-heap-map --cell 1M" glibc-free-chunks glibc-arenas; do
    t=$(timed -ex "$cmd")
    printf '%-28s %6.2fs\n' "$cmd" "$(echo "$t - $base" | bc)"
done
