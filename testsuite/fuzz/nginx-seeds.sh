#!/bin/sh
# nginx-seeds.sh SRCDIR BUILDDIR OUTDIR: seeds for nginx-fuzz, snapshots
# (nginx-snapshot) of a real Debian nginx with the lua module: the demo
# configuration plus a dict holding entries of every slab size, master
# and one worker.
set -eu
src=$1
build=$2
out=$3
dir=$(mktemp -d)
trap 'kill -QUIT "$(cat "$dir/logs/nginx.pid" 2>/dev/null)" 2>/dev/null; sleep 0.5; rm -rf "$dir"' EXIT
port=$((20000 + $$ % 12000))   # below the ephemeral ports
"$src/demo/nginx-conf.sh" "$dir" 3 "$port"
dict='lua_shared_dict sessions 1m; init_by_lua_block { local d = ngx.shared.sessions for i = 1, 300 do d:set("k" .. i, string.rep("x", (i * 37) % 3000)) end ngx.shared.dogs:set("a", 1) }'
sed -i "s|lua_shared_dict dogs 100m;|lua_shared_dict dogs 100m; $dict|" "$dir/nginx.conf"
nginx -p "$dir" -c "$dir/nginx.conf"
i=0
while [ ! -s "$dir/logs/nginx.pid" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
sleep 0.5
master=$(cat "$dir/logs/nginx.pid")
worker=$(pgrep -P "$master" | head -n 1)
"$build/testsuite/tools/nginx-snapshot" "$master" "$out/master.img"
"$build/testsuite/tools/nginx-snapshot" "$worker" "$out/worker.img"
