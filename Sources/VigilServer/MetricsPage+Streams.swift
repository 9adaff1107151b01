import VigilCore

/// Streamed calls on `/metrics` (issue 23): streams by how they ended, failed streams by class,
/// the time to first token and the latency of streamed attempts, as histograms with the latency's
/// buckets. A stream that failed after its 200 is also in `vigil_attempts_total` with code 200
/// and the class of its failure.
extension MetricsPage {
  static func streams(
    _ p: inout PrometheusText, _ series: [(key: SeriesKey, value: CallMetrics.Series)],
    _ dims: (SeriesKey) -> [(String, String)]
  ) {
    p.family(
      "vigil_streams_total", "counter",
      "Streamed attempts stored since start, by how the stream ended (completed, error_event, truncated, idle_timeout, client_cancelled, unknown)."
    )
    for (key, s) in series {
      for (outcome, n) in s.streams.sorted(by: { $0.key < $1.key }) {
        p.sample("vigil_streams_total", dims(key) + [("outcome", outcome)], Double(n))
      }
    }
    p.family(
      "vigil_stream_failures_total", "counter",
      "Streamed attempts whose stream failed, by the class of the failure (overloaded: capacity, cut: network, ...)."
    )
    for (key, s) in series {
      for (c, n) in s.streamFailures.sorted(by: { $0.key.index < $1.key.index }) {
        p.sample("vigil_stream_failures_total", dims(key) + [("class", c.rawValue)], Double(n))
      }
    }
    histogram(
      &p, "vigil_time_to_first_token_seconds",
      "Time from the request to the first chunk of streamed attempts.",
      series.map { ($0.key, $0.value.ttft) }, dims)
    histogram(
      &p, "vigil_streamed_attempt_latency_seconds",
      "Latency of streamed attempts (a part of the attempts' latency).",
      series.map { ($0.key, $0.value.streamLatency) }, dims)
  }

  /// One histogram family with the latency's bucket bounds, a series per key that has values.
  static func histogram(
    _ p: inout PrometheusText, _ name: String, _ help: String, _ series: [(SeriesKey, CallMetrics.Buckets)],
    _ dims: (SeriesKey) -> [(String, String)]
  ) {
    p.family(name, "histogram", help)
    for (key, b) in series where b.count > 0 {
      var cumulative: Int64 = 0
      for (i, bound) in CallMetrics.latencyBounds.enumerated() {
        cumulative += b.counts[i]
        p.sample("\(name)_bucket", dims(key) + [("le", PrometheusText.number(bound))], Double(cumulative))
      }
      p.sample("\(name)_bucket", dims(key) + [("le", "+Inf")], Double(b.count))
      p.sample("\(name)_sum", dims(key), b.sumSeconds)
      p.sample("\(name)_count", dims(key), Double(b.count))
    }
  }
}
