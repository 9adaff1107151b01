"""A scripted LLM provider on 127.0.0.1 for tests: OpenAI's /v1/chat/completions and Anthropic's
/v1/messages (and the Responses API's /v1/responses, streamed), answering each request with the
next status of a script, with the real error bodies and rate-limit headers of each provider.
Prints "PORT n" once listening.

    python3 fake_provider.py --script 200,429,200,500,401,529,sok,serr [--repeat] [--stall 3]

A step is a status, "429q" (OpenAI's insufficient_quota), "429d" (Retry-After as an HTTP-date),
"200f" (an answer stopped by the safety system) or a stream (`sok`, `serr`, `scut`, `sstall`, ...:
sse_streams.py), answered as Server-Sent Events after a 200.
"""
import argparse
import email.utils
import json
import math
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import sse_streams

# The providers' error bodies: (type, code, message) for OpenAI, (type, message) for Anthropic.
OPENAI_ERRORS = {
    400: ("invalid_request_error", "context_length_exceeded",
          "This model's maximum context length is 128000 tokens."),
    401: ("invalid_request_error", "invalid_api_key", "Incorrect API key provided: sk-test."),
    403: ("invalid_request_error", "unsupported_country_region_territory", "Country, region, or territory not supported"),
    429: ("requests", "rate_limit_exceeded",
          "Rate limit reached for gpt-4o-mini on requests per min (RPM): Limit 3, Used 3, Requested 1."),
    500: ("server_error", None, "The server had an error while processing your request. Sorry about that!"),
    503: ("server_error", None, "The engine is currently overloaded, please try again later"),
}
OPENAI_QUOTA = ("insufficient_quota", "insufficient_quota",
                "You exceeded your current quota, please check your plan and billing details.")
ANTHROPIC_ERRORS = {
    400: ("invalid_request_error", "prompt is too long"), 401: ("authentication_error", "invalid x-api-key"),
    403: ("permission_error", "Your API key does not have permission"), 429: ("rate_limit_error", "Rate limited"),
    500: ("api_error", "Internal server error"), 529: ("overloaded_error", "Overloaded"),
}


def retry_after(step):
    # An HTTP-date has whole seconds: round up, so the date is at least three seconds ahead when sent
    # (truncating made it as little as two, and a loaded reader then saw less than two).
    return email.utils.formatdate(math.ceil(time.time()) + 3, usegmt=True) if step.endswith("d") else "0"


class Script:
    def __init__(self, statuses, repeat):
        self.statuses = statuses
        self.repeat = repeat
        self.i = 0
        self.lock = threading.Lock()
        self.served = []

    def next(self, path):
        with self.lock:
            if self.i < len(self.statuses):
                s = self.statuses[self.i]
            elif self.repeat:
                s = self.statuses[self.i % len(self.statuses)]
            else:
                s = "200"
            self.i += 1
            self.served.append((path, s))
            return s


def anthropic_headers(n):
    return [("request-id", "req_%d" % n),
            ("anthropic-ratelimit-requests-remaining", "41"),
            ("anthropic-ratelimit-requests-limit", "50"),
            ("anthropic-ratelimit-requests-reset",
             time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 12))),
            ("anthropic-ratelimit-tokens-remaining", "39000")]


def openai_headers(n):
    return [("x-request-id", "req_%d" % n),
            ("x-ratelimit-remaining-requests", "41"), ("x-ratelimit-remaining-tokens", "39000"),
            ("x-ratelimit-limit-requests", "50"), ("x-ratelimit-reset-requests", "1m12s")]


def handler(script, stall):
    class H(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def send(self, status, body, headers=()):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for k, v in headers:
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            req = json.loads(self.rfile.read(length) or b"{}")
            model = req.get("model", "unknown")
            step = script.next(self.path)
            anthropic = self.path.startswith("/v1/messages")
            stream = sse_streams.parse(step)
            if stream:
                headers = anthropic_headers(script.i) if anthropic else openai_headers(script.i)
                return sse_streams.write_stream(self, self.path, script.i, model, stream, headers, stall)
            # "429q": a 429 for an exhausted quota (OpenAI's insufficient_quota); "200f": a 200 whose
            # answer the safety system stopped (finish_reason content_filter, stop_reason refusal).
            # "429d": a 429 whose Retry-After is an HTTP-date at least three seconds ahead, not seconds.
            status = int(step.rstrip("qfd"))
            filtered = step.endswith("f")
            if anthropic:
                headers = anthropic_headers(script.i)
                if status == 200:
                    return self.send(200, {
                        "id": "msg_%d" % script.i, "type": "message", "role": "assistant", "model": model,
                        "content": [{"type": "text", "text": "ok"}],
                        "stop_reason": "refusal" if filtered else "end_turn",
                        "stop_sequence": None, "usage": {"input_tokens": 11, "output_tokens": 3}}, headers)
                if status == 429:
                    headers.append(("retry-after", retry_after(step)))
                kind, message = ANTHROPIC_ERRORS.get(status, ("api_error", "Internal server error"))
                return self.send(status, {"type": "error", "error": {"type": kind, "message": message}}, headers)
            headers = openai_headers(script.i)
            if status == 200:
                return self.send(200, {
                    "id": "chatcmpl-%d" % script.i, "object": "chat.completion", "created": int(time.time()),
                    "model": model, "choices": [{"index": 0, "finish_reason": "content_filter" if filtered else "stop",
                                                 "message": {"role": "assistant", "content": "ok"}}],
                    "usage": {"prompt_tokens": 11, "completion_tokens": 3, "total_tokens": 14}}, headers)
            if status == 429:
                headers.append(("retry-after", retry_after(step)))
            etype, code, message = OPENAI_QUOTA if step.endswith("q") else OPENAI_ERRORS.get(
                status, ("server_error", None, "The server had an error"))
            return self.send(status, {"error": {"message": message, "type": etype, "param": None, "code": code}},
                             headers)

    return H


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--script", default="200")
    p.add_argument("--repeat", action="store_true")
    p.add_argument("--stall", type=float, default=3.0, help="seconds an `sstall` stream stays silent")
    a = p.parse_args()
    script = Script([s for s in a.script.split(",") if s], a.repeat)
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler(script, a.stall))
    print("PORT %d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
