#!/usr/bin/env python3
"""Scaling out, end to end with real engines: two `vigil serve`, each tailing half of one
provider's traffic, push by remote write to a central store that evaluates
`vigil export prometheus-rules` and routes to a real Alertmanager, which posts to a local webhook.

  scripts/scale-out                       # Prometheus (Debian's prometheus), then VictoriaMetrics
  ENGINES=prometheus OUTAGE=300 scripts/scale-out

The incident crosses the threshold only in the sum (ProviderErrors: more than 15 errors in 30 s;
each host sees 12): it must notify once, for the provider, and resolve once, with neither Vigil
firing on its own. With Prometheus the receiver is stopped for OUTAGE seconds (default 15)
mid-incident and started again: the central series must have no hole (its raw samples, queried,
one per second across the outage). VictoriaMetrics runs with vmalert and the rules exported with
`--engine vmalert`. Everything listens on 127.0.0.1. Prints one JSON summary per engine; exits 1 if
any check failed.
"""
import http.server, json, os, signal, socket, subprocess, sys, tempfile, threading, time
import urllib.parse, urllib.request

VIGIL = os.environ.get("VIGIL", ".build/debug/vigil")
ENGINES = os.environ.get("ENGINES", "prometheus victoria").split()
OUTAGE = float(os.environ.get("OUTAGE", "15"))
INCIDENT = float(os.environ.get("INCIDENT", "45"))
RULES = """version: 1
defaults: {evaluation_interval: 1s, group_by: [provider], receivers: [local]}
receivers:
  - {name: local, type: stdout}
rules:
  - {alert: ProviderErrors, metric: error_count, threshold: 15, window: 30s}
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url, timeout=5):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.status, r.read().decode()


def wait(url, seconds=30):
    end = time.time() + seconds
    while time.time() < end:
        try:
            if get(url, 2)[0] == 200:
                return True
        except Exception:
            time.sleep(0.2)
    return False


class Hook(http.server.BaseHTTPRequestHandler):
    """Alertmanager's webhook: every notification, in order."""

    received = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        message = json.loads(body)
        message["received_at"] = time.time()
        Hook.received.append(message)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def start(dir, name, argv):
    log = open(os.path.join(dir, name + ".log"), "w")
    return subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, cwd=dir)


def line(ts, status):
    return json.dumps({"ts": round(ts, 3), "status": status, "provider": "openai", "model": "gpt-4o",
                       "latency_ms": 300}) + "\n"


def run(engine):
    dir = tempfile.mkdtemp(prefix=f"vigil-scale-out-{engine}.")
    procs, checks = {}, {}
    hook_port, am_port, store_port, ruler_port = free_port(), free_port(), free_port(), free_port()
    Hook.received = []
    hook = http.server.ThreadingHTTPServer(("127.0.0.1", hook_port), Hook)
    threading.Thread(target=hook.serve_forever, daemon=True).start()
    try:
        with open(os.path.join(dir, "alerts.yaml"), "w") as f:
            f.write(RULES)
        subprocess.run([VIGIL, "export", "prometheus-rules", "--rules", "alerts.yaml", "--engine",
                        "vmalert" if engine == "victoria" else "prometheus", "--out", "rules.yml"],
                       cwd=dir, check=True, capture_output=True)
        with open(os.path.join(dir, "am.yml"), "w") as f:
            f.write(f"""route: {{receiver: hook, group_by: [alertname, provider], group_wait: 1s,
  group_interval: 1s, repeat_interval: 1h}}
receivers:
  - name: hook
    webhook_configs: [{{url: 'http://127.0.0.1:{hook_port}/', send_resolved: true}}]
""")
        procs["alertmanager"] = start(dir, "alertmanager", [
            "/usr/bin/prometheus-alertmanager", "--config.file=am.yml", "--storage.path=am",
            f"--web.listen-address=127.0.0.1:{am_port}", "--cluster.listen-address="])
        if engine == "prometheus":
            with open(os.path.join(dir, "prometheus.yml"), "w") as f:
                f.write(f"""global: {{evaluation_interval: 1s}}
rule_files: [rules.yml]
alerting:
  alertmanagers: [{{static_configs: [{{targets: ['127.0.0.1:{am_port}']}}]}}]
""")
            prometheus = ["/usr/bin/prometheus", "--config.file=prometheus.yml", "--storage.tsdb.path=tsdb",
                          f"--web.listen-address=127.0.0.1:{store_port}", "--web.enable-remote-write-receiver"]
            procs["store"] = start(dir, "prometheus", prometheus)
            write_url = f"http://127.0.0.1:{store_port}/api/v1/write"
        else:
            procs["store"] = start(dir, "victoria-metrics", [
                "/usr/bin/victoria-metrics", f"-httpListenAddr=127.0.0.1:{store_port}", "-storageDataPath=vm",
                "-search.latencyOffset=1s", "-retentionPeriod=1"])
            procs["ruler"] = start(dir, "vmalert", [
                "/usr/bin/vmalert", "-rule=rules.yml", f"-datasource.url=http://127.0.0.1:{store_port}",
                f"-notifier.url=http://127.0.0.1:{am_port}", "-evaluationInterval=1s",
                f"-httpListenAddr=127.0.0.1:{ruler_port}"])
            write_url = f"http://127.0.0.1:{store_port}/api/v1/write"
        ready = f"http://127.0.0.1:{store_port}/" + ("-/ready" if engine == "prometheus" else "health")
        checks["engines_ready"] = wait(f"http://127.0.0.1:{am_port}/-/ready") and wait(ready)
        logs, vigils = {}, {}
        t0 = time.time()
        for host in ["a", "b"]:
            logs[host] = os.path.join(dir, f"{host}.jsonl")
            with open(logs[host], "w") as f:
                # Three minutes of history before serve starts: pushed as a backfill.
                for k in range(360):
                    f.write(line(t0 - 180 + k * 0.5, 200))
            vigils[host] = free_port()
            with open(os.path.join(dir, f"vigil-{host}.yaml"), "w") as f:
                f.write(f"""version: 1
db: {host}.db
rules: alerts.yaml
follow: {{paths: ['{logs[host]}'], poll_interval: 100ms}}
udp: off
otlp: off
http: {{listen: '127.0.0.1:{vigils[host]}'}}
remote_write:
  - {{url: '{write_url}', name: central, interval: 1s, external_labels: {{instance: vigil-{host}}}}}
""")
            procs[f"vigil-{host}"] = start(dir, f"vigil-{host}", [VIGIL, "serve", "--config", f"vigil-{host}.yaml"])
        checks["vigils_ready"] = all(wait(f"http://127.0.0.1:{p}/healthz") for p in vigils.values())

        # Live traffic: each host 2 calls/s; during the incident one error every 2.5 s each.
        start_incident, outage = time.time() + 3, None
        end_incident = start_incident + INCIDENT
        n, stopped, down_at = 0, False, None
        deadline = end_incident + 60
        while time.time() < deadline:
            now = time.time()
            for host in ["a", "b"]:
                error = start_incident <= now < end_incident and n % 5 == 0
                with open(logs[host], "a") as f:
                    f.write(line(now, 500 if error else 200))
            n += 1
            firing = [m for m in Hook.received if m["status"] == "firing"]
            resolved = [m for m in Hook.received if m["status"] == "resolved"]
            if engine == "prometheus" and firing and down_at is None and now < end_incident - OUTAGE / 2:
                # Mid-incident: the receiver goes away, then comes back on the same storage.
                procs["store"].send_signal(signal.SIGTERM)
                procs["store"].wait(30)
                down_at = time.time()
            if down_at and not stopped and time.time() - down_at >= OUTAGE:
                procs["store"] = start(dir, "prometheus-2", prometheus)
                stopped = True
                outage = (down_at, time.time())
            if resolved and time.time() > end_incident:
                break
            time.sleep(0.5)
        time.sleep(3)
        firing = [m for m in Hook.received if m["status"] == "firing"]
        resolved = [m for m in Hook.received if m["status"] == "resolved"]
        labels = [a["labels"] for m in Hook.received for a in m["alerts"]]
        checks["fired_once"] = len(firing) == 1
        checks["resolved_once"] = len(resolved) == 1
        checks["for_the_provider"] = bool(labels) and all(
            l.get("alertname") == "ProviderErrors" and l.get("provider") == "openai" and "instance" not in l
            for l in labels)
        # Neither Vigil alone crossed the threshold (its stdout receiver would have printed it).
        for host in ["a", "b"]:
            with open(os.path.join(dir, f"vigil-{host}.log")) as f:
                checks[f"vigil_{host}_alone_silent"] = "firing ProviderErrors" not in f.read()
        # No hole: the raw samples of each host's counter, one per second through the outage.
        holes = {}
        query_at = time.time()
        for host in ["a", "b"]:
            q = urllib.parse.quote(f'vigil_requests_total{{instance="vigil-{host}"}}[{int(query_at - t0) + 200}s]')
            _, body = get(f"http://127.0.0.1:{store_port}/api/v1/query?query={q}&time={query_at}")
            result = json.loads(body)["data"]["result"]
            ts = [float(v[0]) for v in result[0]["values"]] if result else []
            gaps = [round(b - a, 3) for a, b in zip(ts, ts[1:]) if b - a > 1.001]
            holes[host] = {"samples": len(ts), "first": ts[0] if ts else None, "gaps": gaps[:5]}
            checks[f"no_hole_{host}"] = bool(ts) and not gaps and ts[0] <= t0 + 15
        states = {}
        for host, port in vigils.items():
            _, body = get(f"http://127.0.0.1:{port}/api/remote_write")
            states[host] = json.loads(body)["receivers"][0]
        checks["no_samples_lost"] = all(s["samples"]["dropped"] == 0 and s["samples"]["too_old"] == 0
                                        for s in states.values())
        return {"engine": engine, "ok": all(checks.values()), "checks": checks, "notifications": [
            {"status": m["status"], "at_s": round(m["received_at"] - start_incident, 1)} for m in Hook.received],
            "outage_s": [round(outage[0] - start_incident, 1), round(outage[1] - start_incident, 1)] if outage else None,
            "incident_s": [0, INCIDENT], "series": holes,
            "remote_write": {h: {"state": s["state"], "samples": s["samples"]} for h, s in states.items()},
            "dir": dir}
    finally:
        hook.shutdown()
        for p in procs.values():
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in procs.values():
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                p.kill()


if __name__ == "__main__":
    results = [run(e) for e in ENGINES]
    for r in results:
        print(json.dumps(r))
    sys.exit(0 if all(r["ok"] for r in results) else 1)
