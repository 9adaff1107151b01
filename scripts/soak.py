#!/usr/bin/env python3
"""Soak test of `vigil serve` (release build): CPU and memory over time, idle and under load.

  scripts/soak                          # 10 minutes idle, then 10 minutes loaded
  MINUTES=60 scripts/soak               # longer
  BASELINE=/path/to/old/vigil scripts/soak   # the same phases for another build, side by side

idle:   the shipped alerts.yaml (evaluation every 15 s), nothing arriving. Target: ~0% CPU, RSS flat,
        4 evaluations a minute.
loaded: every input at once, on the same series (openai/gpt-4o): RATE calls a second (default
        2,000) as UDP datagrams of 10 calls, 200 lines a second appended to a tailed file, 50 spans a
        second as OTLP/HTTP JSON exports of 10, 20 rows a second as LiteLLM posts of 10, and a
        `vigil check` on the same database every minute (a cron job: a second process that writes).
        Target: every line stored of every line sent, per input; RSS flat once warm (its growth
        over the second half of the phase), CPU steady.
Every SAMPLE seconds (default 10) it reads utime+stime and VmRSS from /proc and the evaluation
count from /metrics; it prints a row per sample and a summary per phase (median and max CPU,
RSS at start, end and peak, RSS growth over the second half, evaluations per minute, the WAL's
size at the end, and per input the calls sent and stored).
"""
import json, os, socket, sqlite3, statistics, subprocess, sys, tempfile, threading, time, urllib.request

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


def post(url, body):
    request = urllib.request.Request(url, data=body.encode(), headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            return r.status
    except OSError:
        return 0


def otlp_body(first, count, now):
    spans = []
    for n in range(first, first + count):
        end = int(now * 1e9)
        spans.append({
            "traceId": "%032x" % (n + 1), "spanId": "%016x" % (n + 1), "name": "chat gpt-4o", "kind": 3,
            "startTimeUnixNano": str(end - 300_000_000), "endTimeUnixNano": str(end),
            "attributes": [
                {"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}},
                {"key": "gen_ai.system", "value": {"stringValue": "openai"}},
                {"key": "gen_ai.request.model", "value": {"stringValue": "gpt-4o"}},
                {"key": "http.response.status_code", "value": {"intValue": str(429 if n % 50 == 0 else 200)}}]})
    return json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": spans}]}]})


def litellm_body(first, count, now):
    return json.dumps([{"id": "l-%d" % n, "status": "success", "startTime": now - 0.3, "endTime": now,
                        "model": "gpt-4o", "model_group": "gpt-4o", "custom_llm_provider": "openai",
                        "error_information": None} for n in range(first, first + count)])


def load(udp, logfile, otlp, http, stop, sent):
    """Every tenth of a second: RATE/10 calls over UDP (10 per datagram), 20 lines to the tailed
    file, and every second 5 OTLP exports and 2 LiteLLM posts of 10 calls each. `sent` counts
    each input's calls that were sent (a refused HTTP request is not sent)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    n = 0
    tick = 0
    next_at = time.time()
    with open(logfile, "a", buffering=1) as f:
        while not stop.is_set():
            now = time.time()
            for _ in range(max(1, RATE // 100)):
                sock.sendto("\n".join(record(n + k, now) for k in range(10)).encode(), ("127.0.0.1", udp))
                n += 10
                sent["udp"] += 10
            f.write("".join(record(10**9 + n + k, now) + "\n" for k in range(20)))
            sent["file"] += 20
            if tick % 2 == 0 and post("http://127.0.0.1:%d/v1/traces" % otlp, otlp_body(tick * 10, 10, now)) == 200:
                sent["otlp"] += 10
            if tick % 5 == 0 and post("http://127.0.0.1:%d/ingest/litellm" % http, litellm_body(tick * 10, 10, now)) == 200:
                sent["litellm"] += 10
            tick += 1
            next_at += 0.1
            time.sleep(max(0, next_at - time.time()))


def cron(binary, db, stop, runs):
    """`vigil check` on the same database every minute, as a cron job would."""
    while not stop.wait(60):
        done = subprocess.run([binary, "check", "--db", db, "--rules", "alerts.yaml", "--quiet"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        runs.append(done.returncode)


def stored(db):
    """Calls stored per input, by the source each input writes."""
    with sqlite3.connect(db, timeout=60) as c:
        rows = c.execute("SELECT source, count(*) FROM call_log GROUP BY source").fetchall()
    out = {"udp": 0, "file": 0, "otlp": 0, "litellm": 0}
    for source, count in rows:
        key = "udp" if source.startswith("udp:") else source if source in ("otlp", "litellm") else "file"
        out[key] += count
    return out


def phase(binary, name, loaded):
    work = tempfile.mkdtemp(prefix=name + ".", dir=OUT)
    udp, http, otlp = free_port(socket.SOCK_DGRAM), free_port(socket.SOCK_STREAM), free_port(socket.SOCK_STREAM)
    logfile = os.path.join(work, "app.jsonl")
    db = os.path.join(work, "v.db")
    open(logfile, "w").close()
    proc = subprocess.Popen(
        [binary, "serve", "--db", db, "--rules", "alerts.yaml", "--follow", logfile,
         "--udp", "127.0.0.1:%d" % udp, "--http", "127.0.0.1:%d" % http, "--otlp", "127.0.0.1:%d" % otlp,
         "--log-level", "warning"],
        stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "serve.log"), "w"))
    time.sleep(3)
    stop = threading.Event()
    sent = {"udp": 0, "file": 0, "otlp": 0, "litellm": 0}
    cron_runs = []
    if loaded:
        threading.Thread(target=load, args=(udp, logfile, otlp, http, stop, sent), daemon=True).start()
        threading.Thread(target=cron, args=(binary, db, stop, cron_runs), daemon=True).start()
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
    time.sleep(2)  # what is in flight lands before the stop
    wal = os.path.getsize(db + "-wal") if os.path.exists(db + "-wal") else 0
    proc.terminate()
    proc.wait(timeout=60)
    cpus = [r[1] for r in rows]
    half = rows[len(rows) // 2:]
    minutes = (rows[-1][0] - rows[0][0]) / 60 or 1
    summary = {
        "phase": name, "binary": binary, "minutes": round(rows[-1][0] / 60, 1),
        "cpu_median_pct": round(statistics.median(cpus), 2), "cpu_max_pct": round(max(cpus), 2),
        "rss_start_mb": round(rows[0][2], 1), "rss_end_mb": round(rows[-1][2], 1),
        "rss_peak_mb": round(max(r[2] for r in rows), 1),
        "rss_growth_second_half_mb": round(half[-1][2] - half[0][2], 1),
        "evaluations_per_minute": round((rows[-1][3] - rows[0][3]) / minutes, 1),
        "wal_mb_at_end": round(wal / 2**20, 1),
    }
    if loaded:
        got = stored(db)
        summary["stored_of_sent"] = {k: "%d/%d" % (got[k], sent[k]) for k in sent}
        summary["cron_checks"] = "%d runs, exit codes %s" % (len(cron_runs), sorted(set(cron_runs)))
    return summary


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
