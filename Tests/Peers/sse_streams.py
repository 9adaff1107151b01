"""The streamed answers of the fake provider (fake_provider.py): Server-Sent Events as Anthropic's
Messages API, OpenAI's Chat Completions and OpenAI's Responses API send them, and the ways such a
stream fails after its 200 (issue 23).

A stream step is `s<kind>[@<deltas>][:<type>]`:

    sok      a clean stream (three text deltas, then the terminal event)
    serr     an error inside the stream after two deltas: Anthropic's `event: error`
             (`overloaded_error` unless `:type` says otherwise), OpenAI's chunk with a top-level
             `error` (`server_error`), the Responses API's `response.failed` (`error.code`)
    sinc     the Responses API's `response.incomplete` (max_output_tokens); elsewhere a clean stream
    scut     the connection closed after two deltas, without the terminal event
    sstall   two deltas, then silence longer than the client's idle timeout (--stall seconds), then
             the connection closed

`@n` sets how many text deltas come before the failure (`serr@0`: before the first token); the
stream's first event (the role chunk, `message_start`, `response.created`) always comes first.
"""
import json
import re
import time

STEP = re.compile(r"^s(ok|err|inc|cut|stall)(?:@(\d+))?(?::([A-Za-z_]+))?$")
WORDS = ["Hello", " there", "!"]


def parse(step):
    """(kind, deltas, error type) of a stream step, or None when `step` is not one."""
    m = STEP.match(step)
    if not m:
        return None
    kind, deltas, etype = m.group(1), m.group(2), m.group(3)
    return kind, int(deltas) if deltas is not None else (3 if kind in ("ok", "inc") else 2), etype


def anthropic_events(n, model, kind, deltas, etype):
    """(event, data) pairs of an Anthropic stream; the terminal part only when it ends normally."""
    usage = {"input_tokens": 11, "output_tokens": 1}
    out = [("message_start", {"type": "message_start", "message": {
        "id": "msg_%d" % n, "type": "message", "role": "assistant", "model": model, "content": [],
        "stop_reason": None, "stop_sequence": None, "usage": usage}}),
        ("content_block_start", {"type": "content_block_start", "index": 0,
                                 "content_block": {"type": "text", "text": ""}}),
        ("ping", {"type": "ping"})]
    for word in (WORDS * 3)[:deltas]:
        out.append(("content_block_delta", {"type": "content_block_delta", "index": 0,
                                            "delta": {"type": "text_delta", "text": word}}))
    if kind == "err":
        out.append(("error", {"type": "error", "error": {"type": etype or "overloaded_error",
                                                          "message": "Overloaded"}}))
    elif kind in ("ok", "inc"):
        out += [("content_block_stop", {"type": "content_block_stop", "index": 0}),
                ("message_delta", {"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                                   "usage": {"output_tokens": deltas}}),
                ("message_stop", {"type": "message_stop"})]
    return out


def chat_events(n, model, kind, deltas, etype):
    """`data:` payloads of a Chat Completions stream (with the usage chunk), `[DONE]` included."""
    def chunk(delta, finish=None):
        return {"id": "chatcmpl-%d" % n, "object": "chat.completion.chunk", "created": int(time.time()),
                "model": model, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
    out = [(None, chunk({"role": "assistant", "content": ""}))]
    for word in (WORDS * 3)[:deltas]:
        out.append((None, chunk({"content": word})))
    if kind == "err":
        out.append((None, {"error": {"message": "The server had an error while processing your request.",
                                     "type": etype or "server_error", "param": None, "code": None}}))
    elif kind in ("ok", "inc"):
        usage = dict(chunk({}, None), choices=[],
                     usage={"prompt_tokens": 11, "completion_tokens": deltas, "total_tokens": 11 + deltas})
        out += [(None, chunk({}, "stop")), (None, usage), (None, "[DONE]")]
    return out


def responses_events(n, model, kind, deltas, etype):
    """(event, data) pairs of a Responses API stream, each with its sequence number."""
    def response(status, **more):
        return dict({"id": "resp_%d" % n, "object": "response", "created_at": int(time.time()), "model": model,
                     "status": status, "output": [], "error": None, "incomplete_details": None}, **more)
    out = [("response.created", {"response": response("in_progress")}),
           ("response.output_item.added", {"output_index": 0, "item": {
               "id": "msg_%d" % n, "type": "message", "role": "assistant", "status": "in_progress", "content": []}})]
    for word in (WORDS * 3)[:deltas]:
        out.append(("response.output_text.delta", {"item_id": "msg_%d" % n, "output_index": 0, "content_index": 0,
                                                   "delta": word, "logprobs": []}))
    usage = {"input_tokens": 11, "output_tokens": deltas, "total_tokens": 11 + deltas}
    if kind == "err":
        out.append(("response.failed", {"response": response("failed", error={
            "code": etype or "server_error", "message": "The server had an error processing your request."})}))
    elif kind == "inc":
        out.append(("response.incomplete", {"response": response(
            "incomplete", incomplete_details={"reason": "max_output_tokens"}, usage=usage)}))
    elif kind == "ok":
        out.append(("response.completed", {"response": response("completed", usage=usage)}))
    for i, (name, data) in enumerate(out):
        data.update(type=name, sequence_number=i)
    return out


def write_stream(handler, path, n, model, step, headers, stall):
    """Answers one request with the stream `step` (parsed), chunked as the providers send it."""
    kind, deltas, etype = step
    if path.startswith("/v1/messages"):
        events = anthropic_events(n, model, kind, deltas, etype)
    elif path.startswith("/v1/responses"):
        events = responses_events(n, model, kind, deltas, etype)
    else:
        events = chat_events(n, model, kind, deltas, etype)
    handler.send_response(200)
    handler.send_header("Content-Type", "text/event-stream; charset=utf-8")
    handler.send_header("Transfer-Encoding", "chunked")
    handler.send_header("Cache-Control", "no-cache")
    for k, v in headers:
        handler.send_header(k, v)
    handler.end_headers()
    for name, data in events:
        payload = data if isinstance(data, str) else json.dumps(data)
        text = ("event: %s\n" % name if name else "") + "data: %s\n\n" % payload
        body = text.encode()
        handler.wfile.write(b"%x\r\n%s\r\n" % (len(body), body))
        handler.wfile.flush()
        time.sleep(0.005)
    if kind == "stall":
        time.sleep(stall)
    if kind in ("cut", "stall"):
        # Closed mid-body: no terminating chunk, as when a proxy or the provider drops the stream.
        handler.close_connection = True
        return
    handler.wfile.write(b"0\r\n\r\n")
    handler.wfile.flush()
