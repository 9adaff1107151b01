import Testing
import VigilCore

@testable import VigilConfig

/// Rules over streamed calls in alerts.yaml: `stream_failure_rate` (by class), `ttft_p50/95/99`,
/// and latency percentiles narrowed with `stream`.
@Suite struct StreamRulesTests {
  static func rule(_ body: String) -> String {
    """
    version: 1
    rules:
      - alert: A
    \(body)
    """
  }

  @Test func theStreamMetricsLoad() throws {
    let cases: [(String, MetricKind, Double)] = [
      ("    metric: stream_failure_rate\n    threshold: 5%", .streamFailureRate(nil), 0.05),
      (
        "    metric: stream_failure_rate\n    class: capacity\n    threshold: 2%",
        .streamFailureRate(.capacity), 0.02
      ),
      ("    metric: ttft_p95\n    threshold: 5s", .ttftQuantile(0.95), 5_000),
      ("    metric: ttft_p50\n    threshold: 800", .ttftQuantile(0.5), 800),
      (
        "    metric: p99_latency\n    stream: false\n    threshold: 10s",
        .streamLatencyQuantile(0.99, streamed: false), 10_000
      ),
      (
        "    metric: latency_percentile\n    percentile: 90\n    stream: true\n    threshold: 1m",
        .streamLatencyQuantile(0.9, streamed: true), 60_000
      ),
    ]
    for (body, metric, threshold) in cases {
      let set = try RulesLoader.load(yaml: Self.rule(body), file: "a.yaml")
      #expect(set.rules.first?.metric == metric && set.rules.first?.threshold == threshold, "\(body)")
    }
    #expect(MetricKind.ttftQuantile(0.95).name == "ttft_p95")
    #expect(MetricKind.streamFailureRate(.capacity).name == "stream_failure_rate{class=capacity}")
    #expect(MetricKind.streamLatencyQuantile(0.99, streamed: false).name == "p99_latency{stream=false}")
  }

  @Test func streamOnAnotherMetricOrNotABooleanIsRefused() {
    #expect(
      errors(Self.rule("    metric: error_rate\n    stream: true\n    threshold: 5%")).first?.contains(
        "'stream' (true or false) applies to p99_latency and latency_percentile only") == true)
    #expect(
      errors(Self.rule("    metric: p99_latency\n    stream: maybe\n    threshold: 5s")).first?.contains(
        "'stream' (true or false)") == true)
    #expect(
      errors(Self.rule("    metric: stream_failure_rate\n    class: capacty\n    threshold: 5%")).first?
        .contains(
          "unknown class 'capacty' (did you mean 'capacity'?)") == true)
  }
}
