#!/bin/sh
# Write an nginx configuration with many virtual hosts, like the CDN
# fleets of the seed article, into DIR/nginx.conf.
#   nginx-conf.sh DIR VHOSTS PORT
set -eu
dir=$1
vhosts=$2
port=$3
mkdir -p "$dir/logs" "$dir/html"
echo ok > "$dir/html/index.html"
{
    cat <<EOF2
load_module /usr/lib/nginx/modules/ndk_http_module.so;
load_module /usr/lib/nginx/modules/ngx_http_lua_module.so;
worker_processes 2;
pid $dir/logs/nginx.pid;
error_log $dir/logs/error.log notice;
events { worker_connections 256; }
http {
    access_log off;
    server_names_hash_max_size 65536;
    server_names_hash_bucket_size 128;
    lua_shared_dict dogs 100m;
    limit_req_zone \$binary_remote_addr zone=perip:10m rate=10r/s;
    server {
        listen 127.0.0.1:$port default_server;
        root $dir/html;
        # what the Lua API says of the dogs zone: capacity free_space keys
        # (-1: this lua module has no such call; capacity() and
        # free_space() need lua-resty-core, absent from Debian 11)
        # the demo fills the dict: /demo-fill?n=N sets N keys of 64 bytes and
        # says how many keys there are and which worker set them
        location /demo-fill {
            content_by_lua_block {
                local d = ngx.shared.dogs
                for i = 1, tonumber(ngx.var.arg_n) or 1000 do
                    d:set("key" .. i, string.rep("v", 64))
                end
                ngx.say(#d:get_keys(0), " ", ngx.worker.pid())
            }
        }
        location /lua {
            content_by_lua_block {
                local d = ngx.shared.dogs
                ngx.say(d.capacity and d:capacity() or -1, " ",
                        d.free_space and d:free_space() or -1, " ", #d:get_keys(0))
            }
        }
    }
EOF2
    i=1
    while [ "$i" -le "$vhosts" ]; do
        cat <<EOF2
    server {
        listen 127.0.0.1:$port;
        server_name vhost$i.example.com www.vhost$i.example.com;
        root $dir/html;
        location / { limit_req zone=perip burst=5; add_header X-Vhost $i; }
        location /static/ { expires 1h; }
    }
EOF2
        i=$((i + 1))
    done
    echo "}"
} > "$dir/nginx.conf"
