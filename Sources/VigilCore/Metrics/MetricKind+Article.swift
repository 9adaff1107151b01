extension MetricKind {
  /// The reference article's five metrics with their thresholds (rates as fractions, latency in
  /// milliseconds), for summaries: the shipped alerts.yaml encodes the same numbers.
  package static let articleThresholds: [(MetricKind, Double)] = [
    (.errorRate, 0.05), (.rate429, 0.10), (.rate5xx, 0.02), (.latencyQuantile(0.99), 30_000),
    (.retryExhaustionRate, 0.01),
  ]
}
