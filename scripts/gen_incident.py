#!/usr/bin/env python3
"""Write the bundled example incident (examples/incident.jsonl): 60 minutes of traffic to three
providers in which OpenAI is rate limited (a 429 storm, minutes 15-22), Anthropic fails with 5xx
(minutes 30-40, with a 1-minute blip at minute 5 that must not page), and a bad key appears for
Google (minute 50). Deterministic."""
import datetime
import json
import random

rng = random.Random(7)
start = datetime.datetime(2026, 11, 20, 9, 0, 0, tzinfo=datetime.timezone.utc)
out = open("examples/incident.jsonl", "w")
MODELS = {"openai": "gpt-4o-mini", "anthropic": "claude-3-5-haiku-20241022", "google": "gemini-2.0-flash"}
t = 0.0
n = 0
while t < 3600:
    t += rng.expovariate(6.0)  # ~6 calls per second
    minute = t / 60
    provider = rng.choices(["openai", "anthropic", "google"], [0.5, 0.35, 0.15])[0]
    status = 200
    x = rng.random()
    if x < 0.004:
        status = rng.choice([500, 502])
    elif x < 0.01:
        status = 429
    if provider == "openai" and 15 <= minute < 22 and rng.random() < 0.35:
        status = 429
    if provider == "anthropic" and (30 <= minute < 40 and rng.random() < 0.12 or 5 <= minute < 6 and rng.random() < 0.2):
        status = rng.choice([500, 502, 503, 529])
    if provider == "google" and 50 <= minute < 53 and rng.random() < 0.3:
        status = 401
    latency = rng.lognormvariate(6.6, 0.6)
    if provider == "anthropic" and 30 <= minute < 40:
        latency *= 3
    ts = (start + datetime.timedelta(seconds=t)).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    rec = {"ts": ts, "provider": provider, "model": MODELS[provider], "status": status,
           "latency_ms": round(latency, 1), "attempt": 1, "max_attempts": 3,
           "request_id": "req_%06d" % n, "prompt_tokens": rng.randint(100, 2000),
           "completion_tokens": rng.randint(10, 500) if status == 200 else 0, "app": "support-bot", "env": "prod"}
    if status == 429:
        rec["error_type"] = "rate_limit_error"
        rec["retry_after_s"] = 2
    if status == 401:
        rec["error_type"] = "authentication_error"
        rec["error_code"] = "invalid_api_key"
    out.write(json.dumps(rec, separators=(",", ":")) + "\n")
    n += 1
print(n, "lines")
