"""Exports GenAI spans with the real OpenTelemetry SDK and OTLP/HTTP exporter, one export per
batch, and says how many exports failed (the exporter gives up on a batch after its timeout,
10 s by default, retrying what it is told to retry on the way).

    python3 otlp_exporter.py --otlp http://127.0.0.1:Q --batches 20 --spans 10 --interval 0.5
Prints "EXPORTS n FAILED k".
"""
import argparse
import time

from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SpanExportResult


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--otlp", required=True)
    p.add_argument("--batches", type=int, default=10)
    p.add_argument("--spans", type=int, default=10)
    p.add_argument("--interval", type=float, default=0.5)
    a = p.parse_args()

    provider = TracerProvider(resource=Resource.create({"service.name": "spool-check"}))
    tracer = provider.get_tracer("otlp_exporter")
    exporter = OTLPSpanExporter(endpoint=a.otlp + "/v1/traces")
    failed = 0
    for b in range(a.batches):
        spans = []
        for k in range(a.spans):
            span = tracer.start_span("chat gpt-4o", attributes={
                "gen_ai.operation.name": "chat", "gen_ai.system": "openai",
                "gen_ai.request.model": "gpt-4o", "http.response.status_code": 200 if k % 5 else 429,
            })
            span.end()
            spans.append(span)
        if exporter.export(spans) != SpanExportResult.SUCCESS:
            failed += 1
        time.sleep(a.interval)
    exporter.shutdown()
    print(f"EXPORTS {a.batches} FAILED {failed}", flush=True)


if __name__ == "__main__":
    main()
