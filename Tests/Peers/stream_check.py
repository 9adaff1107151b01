"""Runs the shipped streaming loggers (examples/loggers/*_streams.py) against the fake provider's
streams, as an application would: OpenAI's Chat Completions and Responses streams to a file,
Anthropic's to Vigil's UDP listener. The client's read timeout (1 s) is the idle timeout the
provider's stall outlasts; time between attempts is the test's (`sleep` only moves a clock).
Prints one JSON object: what each call raised and the text each delivered.

    python3 stream_check.py --examples DIR --base-url URL --log PATH --udp PORT

The fake provider's script, in order: sok sok serr serr@0 sok (chat) sok serr:rate_limit_exceeded sinc
(responses) serr scut sstall@0 sok (anthropic).
"""
import argparse
import json
import sys

from logger_check import TestTime


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--examples", required=True)
    p.add_argument("--base-url", required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--udp", type=int, required=True)
    a = p.parse_args()
    sys.path.insert(0, a.examples)
    import anthropic
    import openai
    from anthropic_streams import message_stream
    from openai_streams import chat_stream, responses_stream
    from vigil_calllog import FileSink, UDPSink

    t = TestTime()
    out = []

    def run(name, stream, text, stop_after=None):
        got = []
        try:
            for event in stream:
                got.append(text(event))
                if stop_after is not None and len([g for g in got if g]) >= stop_after:
                    stream.close()  # the caller stops reading (a user who left)
                    break
            out.append({"call": name, "text": "".join(g for g in got if g), "raised": None})
        except Exception as e:  # what the caller sees
            out.append({"call": name, "text": "".join(g for g in got if g), "raised": type(e).__name__})

    def chat_text(chunk):
        return chunk.choices[0].delta.content if chunk.choices else None

    def responses_text(event):
        return event.delta if event.type == "response.output_text.delta" else None

    def anthropic_text(event):
        return event.delta.text if event.type == "content_block_delta" else None

    hi = [{"role": "user", "content": "hi"}]
    opts = dict(app="support-bot", env="prod", sleep=t.sleep, clock=t.clock)
    sink = FileSink(a.log)
    client = openai.OpenAI(api_key="sk-test", base_url=a.base_url + "/v1", max_retries=0,
                           timeout=openai.Timeout(10, read=1))
    run("chat clean", chat_stream(client, sink, hi, **opts), chat_text)
    run("chat cancelled by the caller", chat_stream(client, sink, hi, **opts), chat_text, stop_after=1)
    run("chat error chunk", chat_stream(client, sink, hi, **opts), chat_text)
    run("chat error before the first token", chat_stream(client, sink, hi, **opts), chat_text)
    run("responses clean", responses_stream(client, sink, "hi", **opts), responses_text)
    run("responses failed", responses_stream(client, sink, "hi", **opts), responses_text)
    run("responses incomplete", responses_stream(client, sink, "hi", **opts), responses_text)
    udp = UDPSink("127.0.0.1", a.udp)
    claude = anthropic.Anthropic(api_key="sk-ant-test", base_url=a.base_url, max_retries=0,
                                 timeout=anthropic.Timeout(10, read=1))
    run("anthropic overloaded", message_stream(claude, udp, hi, max_tokens=16, **opts), anthropic_text)
    run("anthropic cut", message_stream(claude, udp, hi, max_tokens=16, **opts), anthropic_text)
    run("anthropic stall before the first token", message_stream(claude, udp, hi, max_tokens=16, **opts),
        anthropic_text)
    sink.close()
    udp.close()
    print(json.dumps({"calls": out, "sleeps": t.sleeps}))


if __name__ == "__main__":
    main()
