"""Runs the shipped loggers (examples/loggers) against the fake provider, as an application would:
OpenAI's to a file that real logrotate rotates between calls (the shipped logrotate.conf, with the
test's path), Anthropic's to Vigil's UDP listener. Time between attempts is the test's: `sleep`
only moves a clock forward, and the loggers' latency clock is that clock, so a backoff counted
as latency would show. Prints one JSON object: the sleeps asked for and what each file holds.

    python3 logger_check.py --examples DIR --base-url URL --log PATH --udp PORT --state DIR
"""
import argparse
import json
import os
import subprocess
import sys
import time


class TestTime:
    """The real monotonic clock plus the time the test skipped instead of sleeping."""

    def __init__(self):
        self.skipped = 0.0
        self.sleeps = []

    def clock(self):
        return time.monotonic() + self.skipped

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.skipped += seconds


def lines(path):
    try:
        with open(path) as f:
            return [json.loads(line) for line in f]
    except FileNotFoundError:
        return []


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--examples", required=True)
    p.add_argument("--base-url", required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--udp", type=int, required=True)
    p.add_argument("--state", required=True)
    a = p.parse_args()
    sys.path.insert(0, a.examples)
    import anthropic
    import openai
    from anthropic_calls import message
    from openai_calls import chat
    from vigil_calllog import FileSink, UDPSink

    t = TestTime()
    out = {}
    sink = FileSink(a.log)
    client = openai.OpenAI(api_key="sk-test", base_url=a.base_url + "/v1", max_retries=0)
    hi = [{"role": "user", "content": "hi"}]
    # 429 with an HTTP-date Retry-After, 500, then 200: three attempts, one request.
    chat(client, sink, hi, app="support-bot", env="prod", sleep=t.sleep, clock=t.clock)
    out["sleeps"] = list(t.sleeps)
    # The shipped logrotate stanza, on the test's file, forced: the next line goes to a new file.
    conf = os.path.join(a.state, "logrotate.conf")
    with open(os.path.join(a.examples, "logrotate.conf")) as f:
        text = f.read().replace("/var/log/myapp/llm-calls.jsonl", a.log)
    with open(conf, "w") as f:
        f.write(text)
    subprocess.run(["logrotate", "-f", "-s", os.path.join(a.state, "logrotate.state"), conf], check=True)
    chat(client, sink, hi, app="support-bot", env="prod", sleep=t.sleep, clock=t.clock)
    # Out of quota: not retried.
    try:
        chat(client, sink, hi, app="support-bot", env="prod", sleep=t.sleep, clock=t.clock)
        out["quota_raised"] = False
    except openai.RateLimitError:
        out["quota_raised"] = True
    # A prompt too long (400): not retried, and no retries exhausted. Then 503 three times: a
    # retryable failure that ran out of attempts, exhausted on its last.
    for name in ("too_long_raised", "overloaded_raised"):
        try:
            chat(client, sink, hi, app="support-bot", env="prod", sleep=t.sleep, clock=t.clock)
            out[name] = False
        except openai.APIStatusError:
            out[name] = True
    sink.close()
    # Anthropic over UDP: 529 overloaded, then a 200 the model refused.
    udp = UDPSink("127.0.0.1", a.udp)
    aclient = anthropic.Anthropic(api_key="sk-ant-test", base_url=a.base_url, max_retries=0)
    message(aclient, udp, hi, max_tokens=16, app="support-bot", env="prod", sleep=t.sleep, clock=t.clock)
    udp.close()
    out["current"] = lines(a.log)
    out["rotated"] = lines(a.log + ".1")
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
