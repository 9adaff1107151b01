#!/usr/bin/env python3
"""Generate a realistic call log (JSON Lines, the call-log contract) for benchmarks and demos.

Mostly 200s; a few percent 429, 5xx and 4xx; lognormal latency; retries with attempt numbers;
several providers and models. Deterministic for a given --seed.

    scripts/gen_calls.py --lines 1000000 --out /tmp/calls.jsonl
"""
import argparse
import datetime
import json
import random

MODELS = {
    "openai": ["gpt-4o", "gpt-4o-mini", "o3-mini"],
    "anthropic": ["claude-3-5-sonnet-20241022", "claude-3-5-haiku-20241022"],
    "google": ["gemini-1.5-pro", "gemini-2.0-flash"],
}
PROVIDERS = [("openai", 0.55), ("anthropic", 0.3), ("google", 0.15)]


def pick_provider(rng):
    x = rng.random()
    for name, weight in PROVIDERS:
        if x < weight:
            return name
        x -= weight
    return PROVIDERS[-1][0]


def pick_status(rng):
    x = rng.random()
    if x < 0.030:
        return 429
    if x < 0.040:
        return rng.choice([500, 502, 503, 504, 529])
    if x < 0.045:
        return rng.choice([400, 401, 404])
    if x < 0.047:
        return 0
    return 200


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--start", default="2026-11-20T00:00:00Z", help="event time of the first line")
    ap.add_argument("--rate", type=float, default=200.0, help="lines per second of event time")
    ap.add_argument("--stream", type=float, default=0.0,
                    help="fraction of 200s that are streamed (stream, ttft_ms, stream_outcome; 2%% fail mid-stream)")
    ap.add_argument("--csv", help="also write the same calls as CSV (for the sqlite3 .import baseline)")
    args = ap.parse_args()

    rng = random.Random(args.seed)
    t0 = datetime.datetime.fromisoformat(args.start.replace("Z", "+00:00")).timestamp()
    out = open(args.out, "w")
    csv = open(args.csv, "w") if args.csv else None
    t = t0
    attempt = 1
    for i in range(args.lines):
        t += rng.expovariate(args.rate)
        provider = pick_provider(rng)
        model = rng.choice(MODELS[provider])
        status = pick_status(rng)
        latency = round(min(rng.lognormvariate(6.7, 0.8), 120000.0), 1)
        max_attempts = 3
        exhausted = status not in (200,) and attempt >= max_attempts and status not in (400, 401, 404)
        ts = datetime.datetime.fromtimestamp(t, datetime.timezone.utc).isoformat(timespec="milliseconds")
        ts = ts.replace("+00:00", "Z")
        rec = {
            "ts": ts,
            "provider": provider,
            "model": model,
            "status": status,
            "latency_ms": latency,
            "attempt": attempt,
            "max_attempts": max_attempts,
            "retries_exhausted": exhausted,
            "request_id": "req_%016x" % rng.getrandbits(64),
            "prompt_tokens": rng.randint(50, 4000),
            "completion_tokens": rng.randint(0, 1000) if status == 200 else 0,
            "app": "chat-api",
            "env": "prod",
        }
        if status == 429:
            rec["error_type"] = "rate_limit_error"
            rec["retry_after_s"] = rng.choice([1, 2, 5, 20])
        if args.stream and status == 200 and rng.random() < args.stream:
            rec["stream"] = True
            rec["ttft_ms"] = round(min(rng.lognormvariate(5.8, 0.6), latency), 1)
            rec["max_chunk_gap_ms"] = round(rng.uniform(20, 400), 1)
            failure = rng.random()
            if failure < 0.01:
                rec["stream_outcome"] = "error_event"
                rec["stream_error_type"] = rng.choice(["overloaded_error", "api_error", "server_error"])
                rec["error_after_ms"] = round(rng.uniform(0, latency), 1)
                rec["output_tokens_partial"] = rng.randint(0, 300)
            elif failure < 0.02:
                rec["stream_outcome"] = "truncated"
                rec["error_after_ms"] = round(rng.uniform(0, latency), 1)
            else:
                rec["stream_outcome"] = "completed"
        out.write(json.dumps(rec, separators=(",", ":")) + "\n")
        if csv:
            csv.write("%s,%s,%s,%d,%s,%d,%d,%d,%s,%d,%d\n" % (
                ts, provider, model, status, latency, attempt, max_attempts, int(exhausted),
                rec["request_id"], rec["prompt_tokens"], rec["completion_tokens"]))
        # Retry retryable failures with the next attempt number; otherwise a new request begins.
        if status in (0, 429, 500, 502, 503, 504, 529) and attempt < max_attempts:
            attempt += 1
        else:
            attempt = 1
    out.close()
    if csv:
        csv.close()


if __name__ == "__main__":
    main()
