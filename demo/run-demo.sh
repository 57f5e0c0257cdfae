#!/bin/sh
# The main job: a demo nginx with thousands of virtual hosts, reloaded
# with HUP a few times, then ngx-report on its master and on a worker
# whose dict holds keys and whose limit_req zone saw requests.
#   run-demo.sh [VHOSTS] [RELOADS]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
vhosts=${1:-5000}
reloads=${2:-3}
dir=${NGXMEM_DEMO_DIR:-/tmp/ngxmem-demo}
port=${NGXMEM_DEMO_PORT:-18080}

"$top/scripts/install-deps.sh"
"$top/scripts/build.sh"

rss() { awk '/^VmRSS/ {print $2 " kB"}' "/proc/$1/status"; }
stop() { [ -f "$dir/logs/nginx.pid" ] && kill "$(cat "$dir/logs/nginx.pid")" 2>/dev/null || true; }
trap stop EXIT

stop
rm -rf "$dir"
"$top/demo/nginx-conf.sh" "$dir" "$vhosts" "$port"
echo "demo: nginx with $vhosts virtual hosts in $dir"
nginx -p "$dir" -c "$dir/nginx.conf"
# nginx creates its pid file before it writes the number into it.
for _ in $(seq 1 100); do
    grep -qs '^[0-9]' "$dir/logs/nginx.pid" && break
    sleep 0.1
done
master=$(cat "$dir/logs/nginx.pid")
echo "demo: master $master RSS $(rss "$master") after start"
i=1
while [ "$i" -le "$reloads" ]; do
    kill -HUP "$master"
    # A reload is done when the master logs the new workers' start.
    for _ in $(seq 1 100); do
        [ "$(grep -c 'start worker processes' "$dir/logs/error.log")" -gt "$i" ] && break
        sleep 0.2
    done
    echo "demo: master RSS $(rss "$master") after reload $i"
    i=$((i + 1))
done
# A worker with something in its zones: keys in the dict, requests through
# limit_req (one client address, so one node). The old workers of the last
# reload go first (one could still take the request and then exit).
for _ in $(seq 1 100); do
    [ "$(pgrep -c -P "$master")" -le 2 ] && break
    sleep 0.1
done
filled=$(curl -s "http://127.0.0.1:$port/demo-fill?n=20000")
worker=${filled#* }
echo "demo: ${filled% *} keys in the dogs dict, set by worker $worker"
i=0
while [ "$i" -lt 50 ]; do
    curl -s -o /dev/null -H "Host: vhost$((i + 1)).example.com" "http://127.0.0.1:$port/"
    i=$((i + 1))
done

report() {
    echo
    echo "==== ngx-report: $1 $2 ===="
    gdb -nx -q -batch -iex "set debuginfod enabled off" -p "$2" \
        -x "$top/gdbinit" -ex "ngx-report --html $dir/ngx-report-$1.html" 2>&1 |
        grep -v -E -e '^\[(Thread|Inferior|New)' -e '^Reading symbols' -e '^\(No debugging' \
            -e '^Using host libthread_db' -e '^0x[0-9a-f]+ in ' -e 'No such file or directory' \
            -e '^[0-9]+\s'
}
report master "$master"
report worker "$worker"
