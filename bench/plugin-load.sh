#!/bin/sh
# Benchmark: what loading the plugin adds to a GDB start, without and with
# its resolution cache (a fresh $XDG_CACHE_HOME, then the entry the first
# load wrote). Median of RUNS starts each; prints one JSON line.
#   bench/plugin-load.sh [GDB] [RUNS]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
gdb=${1:-gdb}
runs=${2:-7}
cache=$(mktemp -d)
trap 'rm -rf "$cache"' EXIT
python3 - "$gdb" "$runs" "$top/ngxmem.so" "$cache" <<'PY'
import json, os, shutil, statistics, subprocess, sys, time
gdb, runs, plugin, cache = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
base = [gdb, "-nx", "-q", "-batch", "-iex", "set debuginfod enabled off"]
env = dict(os.environ, XDG_CACHE_HOME=cache)

def start(args, fresh=False):
    if fresh:
        shutil.rmtree(os.path.join(cache, "ngxmem"), ignore_errors=True)
    t = time.monotonic()
    subprocess.run(base + args, env=env, capture_output=True, check=True)
    return time.monotonic() - t

def median(args, fresh=False):
    return statistics.median(start(args, fresh) for _ in range(runs))

load = ["-ex", "jit-reader-load " + plugin]
alone = median([])
cold = median(load, fresh=True)
start(load)                     # writes the entry
warm = median(load)
print(json.dumps({
    "gdb": gdb, "runs": runs,
    "gdb_alone_s": round(alone, 3),
    "load_uncached_ms": round((cold - alone) * 1000, 1),
    "load_cached_ms": round((warm - alone) * 1000, 1),
}))
PY
