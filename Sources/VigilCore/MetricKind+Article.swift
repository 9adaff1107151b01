extension MetricKind {
  /// The reference article's five metrics with their thresholds (rates as fractions, latency in
  /// milliseconds), for summaries: the shipped alerts.yaml encodes the same numbers.
  public static let articleThresholds: [(MetricKind, Double)] = [
    (.errorRate, 0.05), (.rate429, 0.10), (.rate5xx, 0.02), (.latencyQuantile(0.99), 30_000),
    (.retryExhaustionRate, 0.01),
  ]
}

/// `x` with a fixed number of decimals, without Foundation.
public func formatFixed(_ x: Double, digits: Int) -> String {
  guard x.isFinite else { return "\(x)" }
  var scale = 1.0
  for _ in 0..<digits { scale *= 10 }
  let scaled = (abs(x) * scale).rounded()
  let whole = Int64(scaled / scale)
  var fraction = String(Int64(scaled) - whole * Int64(scale))
  while fraction.count < digits { fraction = "0" + fraction }
  return (x < 0 && scaled != 0 ? "-" : "") + String(whole) + (digits > 0 ? "." + fraction : "")
}
