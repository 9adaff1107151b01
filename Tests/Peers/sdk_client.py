"""Calls a provider through the official SDK (openai or anthropic), instrumented by OpenLLMetry
(opentelemetry-instrumentation-openai / -anthropic), which exports its spans over OTLP/HTTP
protobuf to Vigil. One call per step; the SDK's own retries are set by --max-retries.

    python3 sdk_client.py --sdk openai --base-url http://127.0.0.1:P --otlp http://127.0.0.1:Q \
        --calls 6 --max-retries 0 [--service support-bot --env prod] [--stream]

With --stream each call streams (read to its end; the client's read timeout, 1 s, is the idle
timeout a stalled stream runs into) and a stream that raises counts as a failure.
"""
import argparse

from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--sdk", choices=["openai", "anthropic"], required=True)
    p.add_argument("--base-url", required=True)
    p.add_argument("--otlp", required=True)
    p.add_argument("--calls", type=int, default=1)
    p.add_argument("--max-retries", type=int, default=0)
    p.add_argument("--service", default="support-bot")
    p.add_argument("--env", default="prod")
    p.add_argument("--token", default=None)
    p.add_argument("--stream", action="store_true")
    p.add_argument("--api", choices=["chat", "responses"], default="chat", help="OpenAI's API")
    a = p.parse_args()

    resource = Resource.create({"service.name": a.service, "deployment.environment.name": a.env})
    provider = TracerProvider(resource=resource)
    headers = {"Authorization": "Bearer " + a.token} if a.token else None
    # One export at the end (force_flush): an SDK's own span and OpenLLMetry's for one call travel
    # together, as they do in any batch that is not cut between them.
    provider.add_span_processor(
        BatchSpanProcessor(OTLPSpanExporter(endpoint=a.otlp + "/v1/traces", headers=headers),
                           schedule_delay_millis=600000))
    trace.set_tracer_provider(provider)

    failures = 0
    if a.sdk == "openai":
        from opentelemetry.instrumentation.openai import OpenAIInstrumentor
        OpenAIInstrumentor().instrument()
        import openai
        more = {"timeout": openai.Timeout(10, read=1)} if a.stream else {}
        client = openai.OpenAI(api_key="sk-test", base_url=a.base_url + "/v1", max_retries=a.max_retries, **more)
        for _ in range(a.calls):
            try:
                if a.api == "responses":
                    answer = client.responses.create(model="gpt-4o-mini", input="hi", stream=a.stream)
                else:
                    answer = client.chat.completions.create(
                        model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}], stream=a.stream)
                if a.stream:
                    for _ in answer:
                        pass
            except openai.APIError:
                failures += 1
    else:
        from opentelemetry.instrumentation.anthropic import AnthropicInstrumentor
        AnthropicInstrumentor().instrument()
        import anthropic
        more = {"timeout": anthropic.Timeout(10, read=1)} if a.stream else {}
        client = anthropic.Anthropic(api_key="sk-ant-test", base_url=a.base_url, max_retries=a.max_retries, **more)
        for _ in range(a.calls):
            try:
                answer = client.messages.create(model="claude-sonnet-4", max_tokens=16,
                                                messages=[{"role": "user", "content": "hi"}], stream=a.stream)
                if a.stream:
                    for _ in answer:
                        pass
            except anthropic.APIError:
                failures += 1
    provider.force_flush()
    provider.shutdown()
    print("FAILURES %d" % failures, flush=True)


if __name__ == "__main__":
    main()
