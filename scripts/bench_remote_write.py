#!/usr/bin/env python3
"""Benchmarks of remote write (release build), each beside a baseline measured in the same run.

  scripts/bench-remote-write
  RUNS=1 PARTS=cpu scripts/bench-remote-write

1. cpu: two `vigil serve` tail the same steady traffic (MODELS series of one provider, about
   1,000 pushed time series); one pushes to a local Prometheus every 15 s, the other does not.
   Reported: the CPU (user + system, /proc) each used over SECONDS, and the difference as a share
   of one core. Target: under 2%.
2. backfill: a database holding 1 hour of calls of the same series; `vigil serve` starts with
   remote write to a fresh local Prometheus: the time until the receiver is caught up (its lag
   under 30 s in /api/remote_write). Target: under 10 s.
3. intake: the time `vigil serve` takes to store LINES lines of a file it tails, with remote write
   on (pushing every INTAKE_INTERVAL, 1s by default, so pushes overlap the intake) and off, in
   pairs on the same file, the pair's order alternating, a local Prometheus running in both (only
   one is pushed to: its own CPU is not counted against the push). Reported: the rates, their
   ratio (of the medians) and the median of the pairs' ratios. Target: >= 0.97. Also serve's CPU
   seconds (user + system) for the same lines, which other loads on the machine disturb less.
Medians of RUNS. Everything listens on 127.0.0.1.
"""
import json, os, signal, socket, statistics, subprocess, sys, tempfile, time, urllib.request

VIGIL = os.environ.get("VIGIL", ".build/release/vigil")
RUNS = int(os.environ.get("RUNS", "3"))
PARTS = os.environ.get("PARTS", "cpu backfill intake").split()
MODELS = int(os.environ.get("MODELS", "38"))
SECONDS = float(os.environ.get("SECONDS", "60"))
LINES = int(os.environ.get("LINES", "2000000"))
INTAKE_INTERVAL = os.environ.get("INTAKE_INTERVAL", "1s")
CLK = os.sysconf("SC_CLK_TCK")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get_json(url):
    with urllib.request.urlopen(url, timeout=5) as r:
        return json.loads(r.read())


def wait(url, seconds=30):
    end = time.time() + seconds
    while time.time() < end:
        try:
            urllib.request.urlopen(url, timeout=2)
            return True
        except Exception:
            time.sleep(0.1)
    return False


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK


def line(ts, k):
    status = 500 if k % 50 == 0 else 200
    return (f'{{"ts":{ts:.3f},"status":{status},"provider":"openai","model":"m{k % MODELS}",'
            f'"latency_ms":{100 + (k * 37) % 2000},"prompt_tokens":10,"completion_tokens":20}}\n')


class Prometheus:
    def __init__(self, dir):
        self.port = free_port()
        with open(os.path.join(dir, "prometheus.yml"), "w") as f:
            f.write("global: {evaluation_interval: 15s}\n")
        self.proc = subprocess.Popen(
            ["/usr/bin/prometheus", "--config.file=prometheus.yml", "--storage.tsdb.path=tsdb",
             f"--web.listen-address=127.0.0.1:{self.port}", "--web.enable-remote-write-receiver"],
            cwd=dir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        assert wait(f"http://127.0.0.1:{self.port}/-/ready")

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(30)


def serve(dir, name, follow, remote=None, interval="15s", db=None):
    port = free_port()
    rw = ""
    if remote:
        rw = f"remote_write:\n  - {{url: '{remote}', name: central, interval: {interval}}}\n"
    with open(os.path.join(dir, f"{name}.yaml"), "w") as f:
        f.write(f"""version: 1
db: {db or name + '.db'}
rules: alerts.yaml
follow: {{paths: ['{follow}'], poll_interval: 100ms}}
udp: off
otlp: off
http: {{listen: '127.0.0.1:{port}'}}
{rw}""")
    p = subprocess.Popen([VIGIL, "serve", "--config", f"{name}.yaml"], cwd=dir,
                         stdout=subprocess.DEVNULL, stderr=open(os.path.join(dir, f"{name}.log"), "w"))
    assert wait(f"http://127.0.0.1:{port}/healthz"), name
    return p, port


def stop(p):
    p.send_signal(signal.SIGTERM)
    p.wait(60)


def setup():
    dir = tempfile.mkdtemp(prefix="vigil-bench-rw.")
    # The shipped rules: serve evaluates them as it would in production.
    with open("alerts.yaml") as src, open(os.path.join(dir, "alerts.yaml"), "w") as dst:
        dst.write(src.read())
    return dir


def part_cpu():
    dir = setup()
    prom = Prometheus(dir)
    log = os.path.join(dir, "live.jsonl")
    open(log, "w").close()
    with_rw, rw_port = serve(dir, "with", log, f"http://127.0.0.1:{prom.port}/api/v1/write")
    without, _ = serve(dir, "without", log)
    k = 0
    # Warm up: the series exist and the first push is done.
    end = time.time() + 20
    with open(log, "a") as f:
        while time.time() < end:
            for _ in range(MODELS):
                f.write(line(time.time(), k))
                k += 1
            f.flush()
            time.sleep(0.5)
    c0 = (cpu_seconds(with_rw.pid), cpu_seconds(without.pid))
    s0 = get_json(f"http://127.0.0.1:{rw_port}/api/remote_write")["receivers"][0]["samples"]["sent"]
    t0 = time.time()
    with open(log, "a") as f:
        while time.time() < t0 + SECONDS:
            for _ in range(MODELS):
                f.write(line(time.time(), k))
                k += 1
            f.flush()
            time.sleep(0.5)
    elapsed = time.time() - t0
    c1 = (cpu_seconds(with_rw.pid), cpu_seconds(without.pid))
    state = get_json(f"http://127.0.0.1:{rw_port}/api/remote_write")["receivers"][0]
    stop(with_rw), stop(without), prom.stop()
    pushes = SECONDS / 15
    series = (state["samples"]["sent"] - s0) / pushes
    return {"series_per_push": round(series), "cpu_with_s": round(c1[0] - c0[0], 2),
            "cpu_without_s": round(c1[1] - c0[1], 2),
            "push_share_of_core": round(((c1[0] - c0[0]) - (c1[1] - c0[1])) / elapsed, 4),
            "sent": state["samples"]}


def part_backfill():
    dir = setup()
    log = os.path.join(dir, "hour.jsonl")
    now = time.time()
    with open(log, "w") as f:
        k = 0
        for i in range(3600 * 2):  # 4 calls a second, each series every MODELS / 4 s
            ts = now - 3600 + i * 0.5
            for _ in range(2):
                f.write(line(ts, k))
                k += 1
    # Store the hour first (no remote write), then start with remote write to a fresh Prometheus.
    p, port = serve(dir, "load", log, db="v.db")
    end = time.time() + 120
    while time.time() < end and get_json(f"http://127.0.0.1:{port}/api/ingest").get("file", {}).get("stored", 0) < k:
        time.sleep(0.2)
    stop(p)
    prom = Prometheus(dir)
    t0 = time.time()
    p, port = serve(dir, "push", log, f"http://127.0.0.1:{prom.port}/api/v1/write", db="v.db")
    caught = None
    while time.time() < t0 + 120:
        r = get_json(f"http://127.0.0.1:{port}/api/remote_write")["receivers"]
        if r and r[0]["acknowledged_until"] and r[0]["lag_seconds"] < 30 and r[0]["samples"]["sent"] > 0:
            caught = time.time() - t0
            break
        time.sleep(0.05)
    state = get_json(f"http://127.0.0.1:{port}/api/remote_write")["receivers"][0]
    stop(p), prom.stop()
    return {"calls": k, "seconds": round(caught, 2) if caught else None, "samples": state["samples"]}


def intake_log():
    """LINES lines over the last 10 minutes, for both runs of a pair."""
    log = os.path.join(setup(), "big.jsonl")
    now = time.time()
    with open(log, "w") as f:
        for k in range(LINES):
            f.write(line(now - 600 + k * 600 / LINES, k))
    return log


def part_intake(remote, log):
    dir = setup()
    prom = Prometheus(dir)
    t0 = time.time()
    p, port = serve(dir, "intake", log, f"http://127.0.0.1:{prom.port}/api/v1/write" if remote else None,
                    interval=INTAKE_INTERVAL)
    while get_json(f"http://127.0.0.1:{port}/api/ingest").get("file", {}).get("stored", 0) < LINES:
        time.sleep(0.05)
    seconds = time.time() - t0
    cpu = cpu_seconds(p.pid)
    stop(p)
    prom.stop()
    return LINES / seconds, cpu


def intake_pair(k):
    log = intake_log()
    if k % 2:
        on = part_intake(True, log)
        return part_intake(False, log), on
    return part_intake(False, log), part_intake(True, log)


if __name__ == "__main__":
    out = {}
    if "cpu" in PARTS:
        runs = [part_cpu() for _ in range(RUNS)]
        out["cpu"] = {"median_push_share_of_core": statistics.median(r["push_share_of_core"] for r in runs),
                      "runs": runs}
    if "backfill" in PARTS:
        runs = [part_backfill() for _ in range(RUNS)]
        out["backfill"] = {"median_seconds": statistics.median(r["seconds"] or 1e9 for r in runs), "runs": runs}
    if "intake" in PARTS:
        pairs = [intake_pair(k) for k in range(RUNS)]
        rates = [(a[0], b[0]) for a, b in pairs]
        off = statistics.median(r[0] for r in rates)
        on = statistics.median(r[1] for r in rates)
        cpu_off = statistics.median(a[1] for a, _ in pairs)
        cpu_on = statistics.median(b[1] for _, b in pairs)
        out["intake"] = {"lines_per_s_without": round(off), "lines_per_s_with": round(on),
                         "ratio": round(on / off, 3),
                         "median_pair_ratio": round(statistics.median(b / a for a, b in rates), 3),
                         "cpu_s_without": round(cpu_off, 2), "cpu_s_with": round(cpu_on, 2),
                         "cpu_ratio": round(cpu_on / cpu_off, 3),
                         "runs": [[round(a), round(b)] for a, b in rates],
                         "cpu_runs": [[round(a[1], 2), round(b[1], 2)] for a, b in pairs]}
    print(json.dumps(out, indent=1))
