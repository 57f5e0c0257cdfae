#!/bin/sh
# Benchmark: how long ngx-report keeps an nginx master stopped, on a master
# with VHOSTS virtual hosts after a HUP (the seeds' CDN case), with the
# plugin loaded before attaching (gdb -ix gdbinit -p PID). The stop is
# measured from outside: the master's /proc state sampled every 0.5 ms
# while GDB runs ("t": stopped by the tracer), and split by the times GDB
# writes (shell date, the process still stopped) after attaching and after
# the report: attach, report, detach. Prints one JSON line: vhosts, RSS,
# heap, the raw read of its writable memory, GDB's whole run, the time the
# master was stopped and its three parts.
#   bench/report-stop.sh [VHOSTS]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
vhosts=${1:-10000}
port=${NGXMEM_BENCH_PORT:-18191}
. "$top/bench/nginx-master.sh"
nginx_master_start
nginx_master_reload
sleep 2
python3 - "$master" "$top" "$vhosts" <<'PY'
import json, os, re, subprocess, sys, threading, time
pid, top, vhosts = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])

def state():
    try:
        return open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "?"

def raw_read():
    """Every writable private mapping read once through /proc/PID/mem."""
    t0, total = time.monotonic(), 0
    with open("/proc/%d/mem" % pid, "rb", buffering=0) as mem:
        for line in open("/proc/%d/maps" % pid):
            m = re.match(r"([0-9a-f]+)-([0-9a-f]+) rw-p", line)
            if not m:
                continue
            a, b = int(m.group(1), 16), int(m.group(2), 16)
            for off in range(a, b, 1 << 20):
                try:
                    mem.seek(off)
                    total += len(mem.read(min(1 << 20, b - off)))
                except OSError:
                    pass
    return time.monotonic() - t0, total

os.kill(pid, 19)                     # SIGSTOP: a still process to read
raw_s, raw_bytes = raw_read()
os.kill(pid, 18)
rss = int(re.search(r"VmRSS:\s+(\d+)", open("/proc/%d/status" % pid).read()).group(1)) * 1024
samples, done = [], threading.Event()

def sample():
    while not done.is_set():
        samples.append((time.time(), state()))
        time.sleep(0.0005)

th = threading.Thread(target=sample)
th.start()
t0 = time.monotonic()
mark = "shell date +MARK=%s.%N"
out = subprocess.run(["gdb", "-nx", "-q", "-batch", "-iex", "set debuginfod enabled off",
                      "-ix", top + "/gdbinit", "-p", str(pid), "-ex", mark,
                      "-ex", "ngx-report --json", "-ex", mark],
                     capture_output=True, text=True).stdout
gdb_s = time.monotonic() - t0
done.set()
th.join()
stopped = [t for t, s in samples if s == "t"]
report = json.loads(next(l for l in out.splitlines() if l.startswith("{")))
marks = [float(m) for m in re.findall(r"MARK=([0-9.]+)", out)]
parts = {}
if stopped and len(marks) == 2:
    parts = {"attach_s": round(marks[0] - stopped[0], 3),
             "report_s": round(marks[1] - marks[0], 3),
             "detach_s": round(max(0.0, stopped[-1] - marks[1]), 3)}
print(json.dumps({
    "vhosts": vhosts, "rss_bytes": rss,
    "heap_bytes": report["heap"]["system_bytes"],
    "raw_read_bytes": raw_bytes, "raw_read_s": round(raw_s, 3),
    "gdb_run_s": round(gdb_s, 3),
    "stopped_s": round(stopped[-1] - stopped[0], 3) if stopped else None,
    "stopped_vs_raw_read": round((stopped[-1] - stopped[0]) / raw_s, 2) if stopped else None,
    **parts,
}))
PY
