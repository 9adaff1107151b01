#!/usr/bin/env python3
"""Generate the labelled corpus that `vigil backtest --incidents` scores rules on: healthy traffic
for three providers with the noise real traffic has, and labelled incidents of every kind Vigil
alerts on, each at low, medium and high traffic. Deterministic for a given --seed.

Healthy traffic: a diurnal load per provider from 0.2 calls/s at night to 5 calls/s at the daily
peak (OpenAI; Anthropic 60% of it, Google 35%), 0.3-1% background errors (5xx, lone 429s, 400s,
timeouts), one- to two-minute blips of 3-8% 5xx a few times a day (labelled `expect: none`),
lognormal latency (median 1.2 s) with outliers of 20-90 s (1 call in 10,000), retries of retryable failures (up to 3 attempts;
`retries_exhausted` only on a retryable failure's last attempt).

Incidents (`--kinds`): outage (every attempt 503 or no response), 5xx50 (half the attempts 5xx),
429storm (40% of attempts throttled), quota (billing refusals), key_revoked (401s),
latency (every call 15x slower), ratelimit (traffic climbs past a per-minute limit whose
remaining count the calls report, until 429s), source_silent (a log source stops writing); each
at every level of `--levels` (calls/s). For an hour before and half an hour after an incident its
provider's traffic is held at the incident's level. Source-silent incidents use their own log
files (worker-LEVEL.jsonl) that run to the end of the corpus, as a source that comes back does.

    scripts/gen_corpus.py --out /tmp/corpus                 # a week: app.jsonl, worker-*.jsonl, incidents.yaml
    scripts/gen_corpus.py --out /tmp/small --hours 6 --kinds outage,key_revoked --levels 5
"""
import argparse
import bisect
import collections
import datetime
import math
import os
import random

PROVIDERS = ["openai", "anthropic", "google"]
PEAK = {"openai": 5.0, "anthropic": 3.0, "google": 1.75}
NIGHT = 0.2
MODELS = {"openai": "gpt-4o-mini", "anthropic": "claude-3-5-haiku-20241022", "google": "gemini-2.0-flash"}
KINDS = ["outage", "5xx50", "429storm", "quota", "key_revoked", "latency", "ratelimit", "source_silent"]
RETRYABLE = {0, 429, 500, 502, 503, 504, 529}
BEFORE_S = 3600  # an incident's provider runs at its level this long before it
AFTER_S = 1800  # and this long after


class Stamp:
    """RFC 3339 timestamps with milliseconds, the date part cached per second."""

    def __init__(self):
        self.second = None
        self.prefix = ""

    def __call__(self, t):
        s = int(t)
        if s != self.second:
            self.second = s
            self.prefix = datetime.datetime.fromtimestamp(s, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
        return "%s.%03dZ" % (self.prefix, int((t - s) * 1000))


def iso(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def diurnal(provider, t):
    """Calls/s: NIGHT around 03:00 UTC, PEAK around 15:00, a smooth day between."""
    hour = (t % 86400) / 3600
    x = (1 - math.cos((hour - 3) / 24 * 2 * math.pi)) / 2  # 0 at 03:00, 1 at 15:00
    return NIGHT + (PEAK[provider] - NIGHT) * x ** 1.6


def schedule(args, t0, span):
    """Incidents: (name, kind, provider, level, start, duration), spread evenly over the span."""
    combos = [(k, lv) for lv in args.levels for k in args.kinds]
    rng = random.Random(args.seed * 7 + 1)
    slot = span / (len(combos) + 1)
    out = []
    for i, (kind, level) in enumerate(combos):
        provider = PROVIDERS[i % 3]
        # A source must be silent longer than SourceQuiet's 10 minutes to be seen at all.
        duration = 1200 if kind in ("ratelimit", "source_silent") else 600
        start = t0 + slot * (i + 1) + rng.uniform(-0.1, 0.1) * slot
        start = max(start, t0 + BEFORE_S)
        start = float(int(start))
        label = ("%g" % level).replace(".", "_")
        out.append(("%s %s at %g/s" % (provider, kind, level), kind, provider, level, start, duration, label))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True, help="directory for the call logs and incidents.yaml")
    ap.add_argument("--seed", type=int, default=22)
    ap.add_argument("--start", default="2026-11-16T00:00:00Z")
    ap.add_argument("--days", type=float, default=7)
    ap.add_argument("--hours", type=float, help="instead of --days: a small corpus for tests")
    ap.add_argument("--kinds", default=",".join(KINDS))
    ap.add_argument("--levels", default="0.5,5,50")
    ap.add_argument("--no-noise", action="store_true", help="no blips, background errors or outliers")
    args = ap.parse_args()
    args.kinds = [k for k in args.kinds.split(",") if k]
    for k in args.kinds:
        if k not in KINDS:
            ap.error("unknown kind %r (known: %s)" % (k, ", ".join(KINDS)))
    args.levels = [float(x) for x in args.levels.split(",") if x]
    os.makedirs(args.out, exist_ok=True)
    t0 = datetime.datetime.fromisoformat(args.start.replace("Z", "+00:00")).timestamp()
    span = (args.hours * 3600) if args.hours else args.days * 86400
    end = t0 + span
    rng = random.Random(args.seed)
    incidents = schedule(args, t0, span)
    blips = []
    if not args.no_noise:
        for day in range(int(math.ceil(span / 86400))):
            for _ in range(rng.randint(2, 5)):
                s = float(int(t0 + day * 86400 + rng.uniform(0, 86400)))
                if s + 120 < end:
                    blips.append((rng.choice(PROVIDERS), s, rng.uniform(60, 120), rng.uniform(0.03, 0.08)))
    gen = Generator(args, rng, incidents, blips, t0, end)
    n = gen.run()
    write_incidents(args, incidents, blips)
    print("%d calls, %d incidents, %d blips -> %s" % (n, len(incidents), len(blips), args.out))


class Generator:
    def __init__(self, args, rng, incidents, blips, t0, end):
        self.args, self.rng, self.t0, self.end = args, rng, t0, end
        self.stamp = Stamp()
        self.seq = 0
        # Per provider: the incidents' traffic contexts and effects, sorted by start.
        self.contexts = {p: [] for p in PROVIDERS}
        self.effects = {p: [] for p in PROVIDERS}
        self.workers = []
        for inc in incidents:
            name, kind, provider, level, start, duration, label = inc
            if kind == "source_silent":
                # Low traffic runs the whole corpus; more traffic from 2 hours before the silence.
                begin = t0 if level < 1 else max(t0, start - 7200)
                self.workers.append((label, provider, level, begin, start, start + duration))
                continue
            self.contexts[provider].append(
                (start - BEFORE_S, start + duration + AFTER_S, level, kind, start, start + duration))
            self.effects[provider].append((start, start + duration, kind))
        for p in PROVIDERS:
            self.contexts[p].sort()
            self.effects[p].sort()
        self.blips = {p: sorted((s, s + d, share) for (q, s, d, share) in blips if q == p) for p in PROVIDERS}
        # Background error share per provider per day, 0.3-1%.
        days = int(math.ceil((end - t0) / 86400)) + 1
        self.background = {p: [rng.uniform(0.003, 0.01) for _ in range(days)] for p in PROVIDERS}
        self.window = collections.deque()  # sliding minute of a rate-limited provider's requests
        self.window_ctx = None

    @staticmethod
    def find(spans, t):
        """The span (start, end, ...) holding t, if any (spans sorted, not overlapping)."""
        i = bisect.bisect_right(spans, (t, float("inf"))) - 1
        if i >= 0 and spans[i][0] <= t < spans[i][1]:
            return spans[i]
        return None

    def run(self):
        out = open(os.path.join(self.args.out, "app.jsonl"), "w")
        chunk = 21600.0  # six hours of lines, sorted, at a time
        total = 0
        clocks = {p: self.t0 for p in PROVIDERS}
        t = self.t0
        while t < self.end:
            upto = min(self.end, t + chunk)
            lines = []
            for p in PROVIDERS:
                clocks[p] = self.provider_lines(p, clocks[p], upto, lines)
            lines.sort()
            out.writelines(line for _, line in lines)
            total += len(lines)
            t = upto
        out.close()
        for label, provider, level, begin, silent_from, silent_to in self.workers:
            total += self.worker(label, provider, level, begin, silent_from, silent_to)
        return total

    def provider_lines(self, p, t, upto, lines):
        rng = self.rng
        while True:
            ctx = self.find(self.contexts[p], t)
            rate = ctx[2] if ctx else diurnal(p, t)
            if ctx and ctx[3] == "ratelimit" and ctx[4] <= t < ctx[5]:
                # Traffic climbs from the level to 2.4 times it over 10 minutes, and stays there.
                rate = ctx[2] * (1 + 1.4 * min(1.0, (t - ctx[4]) / 600))
            t += rng.expovariate(rate)
            if t >= upto:
                return t
            self.request(p, t, ctx, lines)

    def status_of(self, p, t, effect):
        """An attempt's status and error code (None: none) at t."""
        rng = self.rng
        kind = effect[2] if effect else None
        if kind == "outage":
            return (rng.choice([503, 503, 500, 0]), None)
        if kind == "5xx50" and rng.random() < 0.5:
            return (rng.choice([500, 502, 503]), None)
        if kind == "429storm" and rng.random() < 0.4:
            return (429, "rate_limit_exceeded")
        if kind == "quota":
            return {"openai": (429, "insufficient_quota"), "anthropic": (400, "credit_balance_too_low"),
                    "google": (429, "GenerateRequestsPerDayPerProjectPerModel")}[p]
        if kind == "key_revoked":
            return (401, "invalid_api_key")
        if not self.args.no_noise:
            blip = self.find(self.blips[p], t)
            if blip and rng.random() < blip[2]:
                return (rng.choice([500, 502, 503, 529]), None)
            x = rng.random()
            share = self.background[p][int((t - self.t0) // 86400)]
            if x < share:
                y = x / share
                if y < 0.4:
                    return (rng.choice([500, 502, 503, 529]), None)
                if y < 0.65:
                    return (429, "rate_limit_exceeded")
                if y < 0.85:
                    return (400, "invalid_request_error")
                if y < 0.9:
                    return (0, "timeout")
                return (400, "content_policy_violation")
        return (200, None)

    def latency(self, t, effect, status):
        rng = self.rng
        if status == 0:
            return round(rng.uniform(30000, 60000), 1)  # a client timeout
        if status != 200:
            return round(rng.lognormvariate(5.5, 0.5), 1)
        ms = rng.lognormvariate(7.1, 0.6)
        if effect and effect[2] == "latency":
            ms *= 15
        elif not self.args.no_noise and rng.random() < 0.0001:
            ms = rng.uniform(20000, 90000)
        return round(min(ms, 120000.0), 1)

    def request(self, p, t, ctx, lines, source_lines=None):
        rng = self.rng
        self.seq += 1
        rid = "req_%08x" % self.seq
        limited = ctx is not None and ctx[3] == "ratelimit"
        for attempt in (1, 2, 3):
            effect = self.find(self.effects[p], t) if source_lines is None else None
            status, code = self.status_of(p, t, effect)
            extra = ""
            if limited:
                limit = int(ctx[2] * 120)  # twice the level, per minute
                if self.window_ctx != ctx:
                    # The minute before the context, as the provider counted it: steady at the level.
                    self.window_ctx = ctx
                    self.window = collections.deque(t - 60 + k / ctx[2] for k in range(int(ctx[2] * 60)))
                while self.window and self.window[0] <= t - 60:
                    self.window.popleft()
                if len(self.window) >= limit:
                    status, code = 429, "rate_limit_exceeded"
                    reset = self.window[0] + 60 - t
                    remaining = 0
                else:
                    self.window.append(t)
                    reset = self.window[0] + 60 - t
                    remaining = limit - len(self.window)
                extra = ',"ratelimit_remaining_requests":%d,"ratelimit_limit_requests":%d,"ratelimit_reset_requests":"%.3fs"' % (
                    remaining, limit, reset)
            retry = status in RETRYABLE and attempt < 3
            exhausted = status in RETRYABLE and attempt == 3
            line = '{"ts":"%s","provider":"%s","model":"%s","status":%d,"latency_ms":%s,"attempt":%d,"max_attempts":3,"retries_exhausted":%s,"request_id":"%s"%s%s%s,"app":"chat-api","env":"prod"}\n' % (
                self.stamp(t), p, MODELS[p], status, self.latency(t, effect, status), attempt,
                "true" if exhausted else "false", rid,
                (',"error_code":"%s"' % code) if code else "",
                ',"retry_after_s":1' if status == 429 and code == "rate_limit_exceeded" else "",
                extra)
            (source_lines if source_lines is not None else lines).append((t, line))
            if not retry:
                return
            t += rng.uniform(0.5, 1.5) * 2 ** (attempt - 1)

    def worker(self, label, provider, level, begin, silent_from, silent_to):
        """A log source of its own at `level`, silent from silent_from to silent_to."""
        lines = []
        t = begin
        while True:
            t += self.rng.expovariate(level)
            if t >= self.end:
                break
            if silent_from <= t < silent_to:
                continue
            self.request(provider, t, None, None, source_lines=lines)
        lines.sort()
        with open(os.path.join(self.args.out, "worker-%s.jsonl" % label), "w") as f:
            f.writelines(line for _, line in lines)
        return len(lines)


def write_incidents(args, incidents, blips):
    with open(os.path.join(args.out, "incidents.yaml"), "w") as f:
        f.write("# Labelled incidents of the corpus written by scripts/gen_corpus.py (seed %d); the\n" % args.seed)
        f.write("# goals are those of issue 22 for the shipped alerts.yaml.\n")
        f.write("receivers: {stdout: page, tickets: ticket}\n")
        f.write("grace: 10m\n")
        f.write("goals:\n")
        f.write("  - incidents: {min_duration: 5m, min_traffic: 1/s}\n")
        f.write("    recall: 100%\n    time_to_reset: 5m\n    messages_per_incident: 2\n")
        f.write("  - precision: 95%\n    pages_per_12h: 2\n    false_pages_per_week: 0\n")
        f.write("  - incidents: {kind: outage, min_traffic: 1/s}\n    time_to_detect: 60s\n")
        f.write("incidents:\n")
        for name, kind, provider, level, start, duration, label in incidents:
            matcher = ('\'source=~".*worker-%s[.]jsonl"\'' % label) if kind == "source_silent" else "provider=%s" % provider
            if kind == "source_silent":
                name = "source worker-%s silent at %g/s" % (label, level)
            f.write("  - name: %s\n    kind: %s\n    start: %s\n    duration: %dm\n" % (name, kind, iso(start), duration // 60))
            f.write("    matchers: [%s]\n    expect: page\n    traffic: %g/s\n" % (matcher, level))
        for i, (provider, start, duration, share) in enumerate(sorted(blips, key=lambda b: b[1])):
            f.write("  - name: %s blip %d (%d%% 5xx)\n    kind: blip\n    start: %s\n    duration: %ds\n" % (
                provider, i + 1, round(share * 100), iso(start), int(duration)))
            f.write("    matchers: [provider=%s]\n    expect: none\n" % provider)


if __name__ == "__main__":
    main()
