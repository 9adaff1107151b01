"""OpenAI chat completions through the official SDK, every HTTP attempt logged for Vigil.

    import openai
    from vigil_calllog import FileSink      # or UDPSink()
    from openai_calls import chat

    client = openai.OpenAI(max_retries=0)   # this loop retries, so that every attempt is seen
    sink = FileSink("/var/log/myapp/llm-calls.jsonl")
    reply = chat(client, sink, [{"role": "user", "content": "hi"}], app="support-bot", env="prod")

Each attempt's latency is its own (the backoff between attempts is not in it); Retry-After is
honoured whether it is seconds or an HTTP-date; the log file is reopened after logrotate moves it.
"""
import time

import openai

from vigil_calllog import backoff_seconds, error_object, finish, gives_up, header_int, monotonic, status_failure


def rate_limits(record, headers):
    """The x-ratelimit-* headers: what is left, the limits, and when they reset (`6m0s`): what
    Vigil's headroom forecast reads."""
    for kind in ("requests", "tokens"):
        record["ratelimit_remaining_" + kind] = header_int(headers, "x-ratelimit-remaining-" + kind)
        record["ratelimit_limit_" + kind] = header_int(headers, "x-ratelimit-limit-" + kind)
        record["ratelimit_reset_" + kind] = headers.get("x-ratelimit-reset-" + kind)


def chat(client, sink, messages, model="gpt-4o-mini", max_attempts=3, app=None, env=None,
         sleep=time.sleep, clock=monotonic, **kwargs):
    """`client.chat.completions.create(...)` with up to `max_attempts` attempts, each one logged."""
    for attempt in range(1, max_attempts + 1):
        record = {"provider": "openai", "model": model, "attempt": attempt, "max_attempts": max_attempts,
                  "app": app, "env": env, "endpoint": "chat.completions"}
        retry_after = None
        start = clock()
        try:
            raw = client.chat.completions.with_raw_response.create(model=model, messages=messages, **kwargs)
            body = raw.parse()
            record.update(status=raw.status_code, request_id=raw.headers.get("x-request-id"))
            rate_limits(record, raw.headers)
            if body.usage is not None:
                record.update(prompt_tokens=body.usage.prompt_tokens, completion_tokens=body.usage.completion_tokens)
            if body.choices:
                # "content_filter" here means the answer was cut by the safety system.
                record["finish_reason"] = body.choices[0].finish_reason
            return body
        except openai.APIStatusError as e:
            error = error_object(e.body)
            record.update(request_id=e.request_id, error_type=error.get("type"), error_code=error.get("code"))
            rate_limits(record, e.response.headers)
            retry_after, retryable = status_failure(record, e.status_code, e.response.headers, error.get("code"))
            if gives_up(record, attempt, max_attempts, retryable):
                raise
        except openai.APIConnectionError as e:  # no response: connection refused, reset, timeout
            record.update(status=0, error_type=type(e).__name__)
            if gives_up(record, attempt, max_attempts):
                raise
        finally:
            finish(record, start, clock, sink)
        sleep(backoff_seconds(attempt, retry_after))
