# Sourced by the nginx benchmarks: a demo nginx with $vhosts virtual hosts
# on $port in a temporary directory ($dir), stopped and removed on exit.
#   nginx_master_start    start it; $master is the master's pid
#   nginx_master_reload   HUP it and wait for the new workers
dir=$(mktemp -d)
trap 'kill -QUIT $(cat "$dir/logs/nginx.pid" 2>/dev/null) 2>/dev/null; sleep 1; rm -rf "$dir"' EXIT
"$top/demo/nginx-conf.sh" "$dir" "$vhosts" "$port"

nginx_master_start() {
    nginx -p "$dir" -c "$dir/nginx.conf"
    # nginx creates its pid file before it writes the number into it
    for _ in $(seq 1 600); do grep -qs '^[0-9]' "$dir/logs/nginx.pid" && break; sleep 0.1; done
    master=$(cat "$dir/logs/nginx.pid")
}

nginx_master_reload() {
    kill -HUP "$master"
    while [ "$(grep -c 'start worker process' "$dir/logs/error.log")" -lt 4 ]; do sleep 0.5; done
}
