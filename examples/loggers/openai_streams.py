"""Streamed OpenAI calls through the official SDK, Chat Completions and the Responses API, every
HTTP attempt logged for Vigil with how its stream went (the README's stream fields).

    import openai
    from vigil_calllog import FileSink, StreamFailed
    from openai_streams import chat_stream, responses_stream

    # max_retries=0: these loops retry. The read timeout is the stream's idle timeout: a stream
    # silent for longer is cut and logged as `idle_timeout`.
    client = openai.OpenAI(max_retries=0, timeout=openai.Timeout(60, read=20))
    sink = FileSink("/var/log/myapp/llm-calls.jsonl")
    for chunk in chat_stream(client, sink, [{"role": "user", "content": "hi"}], app="support-bot"):
        print(chunk.choices[0].delta.content or "", end="")
    for event in responses_stream(client, sink, "hi", app="support-bot"):
        ...

A 200 is not a success until its stream ends with its terminal event: an error chunk (the SDK's
bare `APIError`), a `response.failed`, a stream cut or stalled is logged as such. A stream that
fails before its first token is retried (the SDK would not: it retries on HTTP status only), and
its caller sees only the stream that worked; one that already delivered output is never retried:
the error is raised (`StreamFailed` where the SDK raises nothing).
"""
import time

import openai

from vigil_calllog import error_object, monotonic, stream_attempts
from openai_calls import rate_limits

# Why a Responses API answer stopped early, as Chat Completions' finish_reason names it.
INCOMPLETE_REASONS = {"max_output_tokens": "length", "content_filter": "content_filter"}


class _OpenAIStream:
    def __init__(self, create):
        self.open = create

    def answered(self, record, raw):
        record.update(status=raw.status_code, request_id=raw.headers.get("x-request-id"))
        rate_limits(record, raw.headers)

    def status_error(self, record, e):
        error = error_object(e.body)
        record.update(request_id=e.request_id, error_type=error.get("type"), error_code=error.get("code"))
        rate_limits(record, e.response.headers)
        return error.get("code")

    def in_stream_type(self, e):
        # The error chunk's `error` object: `code` when it has one, else `type` (server_error).
        error = error_object(e.body)
        return error.get("code") or error.get("type") or "server_error"


class _Chat(_OpenAIStream):
    def event(self, chunk, record):
        if chunk.usage is not None:
            record.update(prompt_tokens=chunk.usage.prompt_tokens, completion_tokens=chunk.usage.completion_tokens)
        if not chunk.choices:
            return "usage"
        choice = chunk.choices[0]
        if choice.finish_reason:
            record["finish_reason"] = choice.finish_reason
            return "end"
        delta = choice.delta
        return "content" if delta and (delta.content or delta.tool_calls or delta.refusal) else "other"


class _Responses(_OpenAIStream):
    def event(self, event, record):
        kind = event.type
        if kind.endswith(".delta"):  # output text, refusal, function arguments, reasoning summary
            return "content"
        if kind in ("response.completed", "response.incomplete", "response.failed"):
            usage = event.response.usage
            if usage is not None:
                record.update(prompt_tokens=usage.input_tokens, completion_tokens=usage.output_tokens)
        if kind == "response.completed":
            record["finish_reason"] = "stop"
            return "end"
        if kind == "response.incomplete":
            # Stopped by a limit or the safety system: a stream that ended as it should.
            details = event.response.incomplete_details
            reason = details.reason if details is not None else None
            record["finish_reason"] = INCOMPLETE_REASONS.get(reason, reason or "incomplete")
            return "end"
        if kind == "response.failed":
            error = event.response.error
            return ("failed", (error.code if error is not None else None) or "server_error")
        if kind == "error":
            return ("failed", getattr(event, "code", None) or "server_error")
        return "other"


def chat_stream(client, sink, messages, model="gpt-4o-mini", max_attempts=3, app=None, env=None,
                sleep=time.sleep, clock=monotonic, **kwargs):
    """`client.chat.completions.create(..., stream=True)`: yields its chunks; one line per attempt."""
    kwargs.setdefault("stream_options", {"include_usage": True})

    def create():
        return client.chat.completions.with_raw_response.create(
            model=model, messages=messages, stream=True, **kwargs)
    base = {"provider": "openai", "model": model, "app": app, "env": env, "endpoint": "chat.completions"}
    return stream_attempts(openai, _Chat(create), sink, base, max_attempts, sleep, clock)


def responses_stream(client, sink, input, model="gpt-4o-mini", max_attempts=3, app=None, env=None,
                     sleep=time.sleep, clock=monotonic, **kwargs):
    """`client.responses.create(..., stream=True)`: yields its events; one line per attempt."""
    def create():
        return client.responses.with_raw_response.create(model=model, input=input, stream=True, **kwargs)
    base = {"provider": "openai", "model": model, "app": app, "env": env, "endpoint": "responses"}
    return stream_attempts(openai, _Responses(create), sink, base, max_attempts, sleep, clock)
