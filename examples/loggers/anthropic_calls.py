"""Anthropic messages through the official SDK, every HTTP attempt logged for Vigil.

    import anthropic
    from vigil_calllog import UDPSink       # or FileSink("/var/log/myapp/llm-calls.jsonl")
    from anthropic_calls import message

    client = anthropic.Anthropic(max_retries=0)   # this loop retries, so that every attempt is seen
    sink = UDPSink("127.0.0.1", 9515)
    reply = message(client, sink, [{"role": "user", "content": "hi"}], max_tokens=256, app="support-bot")

Each attempt's latency is its own (the backoff between attempts is not in it); Retry-After is
honoured whether it is seconds or an HTTP-date; 529 overloaded is retried, billing errors are not.
"""
import time

import anthropic

from vigil_calllog import backoff_seconds, error_object, finish, gives_up, header_int, monotonic, status_failure


def rate_limits(record, headers):
    """The anthropic-ratelimit-* headers: what is left, the limits, and when they reset (an RFC 3339
    time): what Vigil's headroom forecast reads."""
    for kind in ("requests", "tokens"):
        record["ratelimit_remaining_" + kind] = header_int(headers, "anthropic-ratelimit-%s-remaining" % kind)
        record["ratelimit_limit_" + kind] = header_int(headers, "anthropic-ratelimit-%s-limit" % kind)
        record["ratelimit_reset_" + kind] = headers.get("anthropic-ratelimit-%s-reset" % kind)


def message(client, sink, messages, model="claude-sonnet-4", max_tokens=1024, max_attempts=3, app=None,
            env=None, sleep=time.sleep, clock=monotonic, **kwargs):
    """`client.messages.create(...)` with up to `max_attempts` attempts, each one logged."""
    for attempt in range(1, max_attempts + 1):
        record = {"provider": "anthropic", "model": model, "attempt": attempt, "max_attempts": max_attempts,
                  "app": app, "env": env, "endpoint": "messages"}
        retry_after = None
        start = clock()
        try:
            raw = client.messages.with_raw_response.create(
                model=model, max_tokens=max_tokens, messages=messages, **kwargs)
            body = raw.parse()
            record.update(status=raw.status_code, request_id=raw.headers.get("request-id"),
                          prompt_tokens=body.usage.input_tokens, completion_tokens=body.usage.output_tokens,
                          # "refusal" means the model declined: Vigil counts it as content filtered.
                          finish_reason=body.stop_reason)
            rate_limits(record, raw.headers)
            return body
        except anthropic.APIStatusError as e:
            # Anthropic names the kind of error in `type` (overloaded_error, billing_error, ...).
            kind = error_object(e.body).get("type")
            record.update(request_id=e.response.headers.get("request-id"), error_type=kind)
            rate_limits(record, e.response.headers)
            retry_after, retryable = status_failure(record, e.status_code, e.response.headers, kind)
            if gives_up(record, attempt, max_attempts, retryable):
                raise
        except anthropic.APIConnectionError as e:  # no response: connection refused, reset, timeout
            record.update(status=0, error_type=type(e).__name__)
            if gives_up(record, attempt, max_attempts):
                raise
        finally:
            finish(record, start, clock, sink)
        sleep(backoff_seconds(attempt, retry_after))
