#!/usr/bin/env python3
"""Soak test of `vigil serve` (release build): CPU and memory over time, idle and under load.

  scripts/soak                          # 10 minutes idle, then 10 minutes loaded
  MINUTES=60 scripts/soak               # longer
  BASELINE=/path/to/old/vigil scripts/soak   # the same phases for another build, side by side

idle:   the shipped alerts.yaml (evaluation every 15 s), nothing arriving. Target: ~0% CPU, RSS flat,
        4 evaluations a minute.
loaded: RATE calls a second (default 2,000) as UDP datagrams of 10 calls, plus 200 lines a second
        appended to a tailed file, for the same time. Target: RSS flat once warm (its growth over the
        second half of the phase), CPU steady.
Every SAMPLE seconds (default 10) it reads utime+stime and VmRSS from /proc and the evaluation
count from /metrics; it prints a row per sample and a summary per phase (median and max CPU,
RSS at start, end and peak, RSS growth over the second half, evaluations per minute).
"""
import json, os, socket, statistics, subprocess, sys, tempfile, threading, time, urllib.request

VIGIL = os.environ.get("VIGIL", ".build/release/vigil")
BASELINE = os.environ.get("BASELINE")
MINUTES = float(os.environ.get("MINUTES", "10"))
SAMPLE = float(os.environ.get("SAMPLE", "10"))
RATE = int(os.environ.get("RATE", "2000"))
OUT = os.environ.get("OUT") or tempfile.mkdtemp(prefix="vigil-soak.")
TICK = os.sysconf("SC_CLK_TCK")


def free_port(kind):
    s = socket.socket(socket.AF_INET, kind)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def rss_mb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def evaluations(http):
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % http, timeout=5) as r:
            for line in r.read().decode().splitlines():
                if line.startswith("vigil_evaluations_total "):
                    return float(line.split()[1])
    except OSError:
        pass
    return float("nan")


def record(n, ts):
    return json.dumps({"ts": ts, "status": 429 if n % 50 == 0 else 200, "provider": "openai",
                       "model": "gpt-4o", "latency_ms": 300 + n % 700, "attempt": 1,
                       "request_id": "soak-%d" % n})


def load(udp, logfile, stop):
    """RATE calls a second over UDP (10 per datagram) and 200 lines a second to a tailed file."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    n = 0
    next_at = time.time()
    with open(logfile, "a", buffering=1) as f:
        while not stop.is_set():
            # Every 0.1 s: a tenth of a second's calls, 10 per datagram, and 20 lines to the file.
            now = time.time()
            for _ in range(max(1, RATE // 100)):
                sock.sendto("\n".join(record(n + k, now) for k in range(10)).encode(), ("127.0.0.1", udp))
                n += 10
            f.write("".join(record(10**9 + n + k, now) + "\n" for k in range(20)))
            next_at += 0.1
            time.sleep(max(0, next_at - time.time()))


def phase(binary, name, loaded):
    work = tempfile.mkdtemp(prefix=name + ".", dir=OUT)
    udp, http = free_port(socket.SOCK_DGRAM), free_port(socket.SOCK_STREAM)
    logfile = os.path.join(work, "app.jsonl")
    open(logfile, "w").close()
    proc = subprocess.Popen(
        [binary, "serve", "--db", os.path.join(work, "v.db"), "--rules", "alerts.yaml", "--follow", logfile,
         "--udp", "127.0.0.1:%d" % udp, "--http", "127.0.0.1:%d" % http, "--log-level", "warning"],
        stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "serve.log"), "w"))
    time.sleep(3)
    stop = threading.Event()
    if loaded:
        threading.Thread(target=load, args=(udp, logfile, stop), daemon=True).start()
    rows = []
    start = time.time()
    last_cpu, last_t = cpu_seconds(proc.pid), start
    print("%-8s %-12s %8s %8s %8s %12s" % ("phase", "binary", "t(s)", "cpu%", "rss MB", "evaluations"))
    while time.time() - start < MINUTES * 60:
        time.sleep(SAMPLE)
        now = time.time()
        cpu = cpu_seconds(proc.pid)
        row = (now - start, 100 * (cpu - last_cpu) / (now - last_t), rss_mb(proc.pid), evaluations(http))
        last_cpu, last_t = cpu, now
        rows.append(row)
        print("%-8s %-12s %8.0f %8.1f %8.1f %12.0f" % ((name, os.path.basename(os.path.dirname(binary)) or binary) + row),
              flush=True)
    stop.set()
    proc.terminate()
    proc.wait(timeout=60)
    cpus = [r[1] for r in rows]
    half = rows[len(rows) // 2:]
    minutes = (rows[-1][0] - rows[0][0]) / 60 or 1
    return {
        "phase": name, "binary": binary, "minutes": round(rows[-1][0] / 60, 1),
        "cpu_median_pct": round(statistics.median(cpus), 2), "cpu_max_pct": round(max(cpus), 2),
        "rss_start_mb": round(rows[0][2], 1), "rss_end_mb": round(rows[-1][2], 1),
        "rss_peak_mb": round(max(r[2] for r in rows), 1),
        "rss_growth_second_half_mb": round(half[-1][2] - half[0][2], 1),
        "evaluations_per_minute": round((rows[-1][3] - rows[0][3]) / minutes, 1),
    }


def main():
    summaries = []
    for binary in [VIGIL] + ([BASELINE] if BASELINE else []):
        for name, loaded in (("idle", False), ("loaded", True)):
            summaries.append(phase(binary, name, loaded))
    print()
    for s in summaries:
        print(json.dumps(s))


if __name__ == "__main__":
    main()
