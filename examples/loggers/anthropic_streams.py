"""Streamed Anthropic messages through the official SDK, every HTTP attempt logged for Vigil with
how its stream went (the README's stream fields).

    import anthropic
    from vigil_calllog import UDPSink
    from anthropic_streams import message_stream

    # max_retries=0: this loop retries. The read timeout is the stream's idle timeout: a stream
    # silent for longer is cut and logged as `idle_timeout`.
    client = anthropic.Anthropic(max_retries=0, timeout=anthropic.Timeout(60, read=20))
    sink = UDPSink("127.0.0.1", 9515)
    for event in message_stream(client, sink, [{"role": "user", "content": "hi"}], max_tokens=256):
        if event.type == "content_block_delta" and event.delta.type == "text_delta":
            print(event.delta.text, end="")

Anthropic answers overload inside a stream that began with a 200 (`event: error`,
`overloaded_error`: what would be a 529), and the SDK raises it as an `APIStatusError` with status
200: it is logged as a failed stream of that type, as is a stream cut before `message_stop` or
stalled. A stream that fails before its first token is retried (the SDK would not); one that
already delivered output is never retried: the error is raised.
"""
import time

import anthropic

from vigil_calllog import error_object, monotonic, stream_attempts
from anthropic_calls import rate_limits


class _Messages:
    def __init__(self, create):
        self.open = create

    def answered(self, record, raw):
        record.update(status=raw.status_code, request_id=raw.headers.get("request-id"))
        rate_limits(record, raw.headers)

    def status_error(self, record, e):
        kind = error_object(e.body).get("type")
        record.update(request_id=e.response.headers.get("request-id"), error_type=kind)
        rate_limits(record, e.response.headers)
        return kind

    def in_stream_type(self, e):
        return error_object(e.body).get("type") or "api_error"

    def event(self, event, record):
        kind = event.type
        if kind == "content_block_delta":
            return "content"
        if kind == "message_start":
            record["prompt_tokens"] = event.message.usage.input_tokens
        elif kind == "message_delta":
            record.update(completion_tokens=event.usage.output_tokens, finish_reason=event.delta.stop_reason)
        elif kind == "message_stop":
            return "end"
        return "other"


def message_stream(client, sink, messages, model="claude-sonnet-4", max_tokens=1024, max_attempts=3, app=None,
                   env=None, sleep=time.sleep, clock=monotonic, **kwargs):
    """`client.messages.create(..., stream=True)`: yields its events; one line per attempt."""
    def create():
        return client.messages.with_raw_response.create(
            model=model, max_tokens=max_tokens, messages=messages, stream=True, **kwargs)
    base = {"provider": "anthropic", "model": model, "app": app, "env": env, "endpoint": "messages"}
    return stream_attempts(anthropic, _Messages(create), sink, base, max_attempts, sleep, clock)
