#!/bin/sh
# nginx-seeds.sh SRCDIR BUILDDIR OUTDIR: seeds for nginx-fuzz, snapshots
# (nginx-snapshot) of a real Debian nginx with the lua module: the demo
# configuration plus a dict holding entries of every slab size and a zone
# of every kind ngx-shm-entries reads, each holding entries (limit_req,
# limit_conn, a cache's keys, ssl_session_cache, an upstream zone), master
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
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$dir/key.pem" -out "$dir/cert.pem" -days 2 \
    -subj /CN=localhost >/dev/null 2>&1
chmod 755 "$dir"
tls=$((port + 1))
zones="limit_conn_zone \$binary_remote_addr zone=conns:64k; proxy_temp_path $dir/proxy_temp; proxy_cache_path $dir/cache keys_zone=STATIC:64k; ssl_session_cache shared:SSL:64k; ssl_session_tickets off; ssl_protocols TLSv1.2; upstream up { zone upz 64k; server 127.0.0.1:$port; server 127.0.0.2:$port backup; } server { listen 127.0.0.1:$tls ssl; ssl_certificate $dir/cert.pem; ssl_certificate_key $dir/key.pem; location / { return 200; } }"
locations="location /c/ { limit_conn conns 10; proxy_pass http://up/demo-fill; proxy_cache STATIC; proxy_cache_valid 200 1m; } location /lua {"
sed -i "s|lua_shared_dict dogs 100m;|lua_shared_dict dogs 100m; $dict $zones|; s|location /lua {|$locations|" "$dir/nginx.conf"
nginx -p "$dir" -c "$dir/nginx.conf"
i=0
while [ ! -s "$dir/logs/nginx.pid" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
sleep 0.5
# an entry in each zone: limit_req (a vhost's location), the cache, a session
curl -s -H "Host: vhost1.example.com" "http://127.0.0.1:$port/" >/dev/null || true
curl -s "http://127.0.0.1:$port/c/x?n=1" >/dev/null || true
openssl s_client -connect "127.0.0.1:$tls" -tls1_2 -no_ticket </dev/null >/dev/null 2>&1 || true
sleep 0.3
master=$(cat "$dir/logs/nginx.pid")
worker=$(pgrep -P "$master" | head -n 1)
"$build/testsuite/tools/nginx-snapshot" "$master" "$out/master.img"
"$build/testsuite/tools/nginx-snapshot" "$worker" "$out/worker.img"
