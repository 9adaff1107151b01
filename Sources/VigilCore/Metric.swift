/// The alert metrics of the reference article, computed from a (merged) ``Rollup``.
///
/// Attempt-level metrics count every line; `retry_exhaustion_rate` counts logical requests (lines
/// with `attempt == 1`). A rate over zero attempts is `nil`, never 0: no traffic is not health.
public enum Metric: String, Sendable, CaseIterable, Codable {
  case errorRate = "error_rate"
  case rate429 = "rate_429"
  case rate5xx = "rate_5xx"
  case p99Latency = "p99_latency"
  case retryExhaustionRate = "retry_exhaustion_rate"

  /// The article's threshold (rates as fractions, latency in milliseconds).
  public var articleThreshold: Double {
    switch self {
    case .errorRate: 0.05
    case .rate429: 0.10
    case .rate5xx: 0.02
    case .p99Latency: 30_000
    case .retryExhaustionRate: 0.01
    }
  }

  /// The value over `r`, or `nil` when there is nothing to measure.
  public func value(of r: Rollup) -> Double? {
    switch self {
    case .errorRate: ratio(r.errors, r.attempts)
    case .rate429: ratio(r.status429, r.attempts)
    case .rate5xx: ratio(r.status5xx, r.attempts)
    case .p99Latency: r.latency.quantile(0.99)
    case .retryExhaustionRate: ratio(r.exhausted, r.requests)
    }
  }

  func ratio(_ a: Int64, _ b: Int64) -> Double? { b > 0 ? Double(a) / Double(b) : nil }

  /// The value as people read it: a percentage, or seconds for latency.
  public func format(_ v: Double?) -> String {
    guard let v else { return "-" }
    switch self {
    case .p99Latency: return formatFixed(v / 1000, digits: 2) + " s"
    default: return formatFixed(v * 100, digits: 2) + "%"
    }
  }
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
