/// What a rule measures over a window of rollups.
public enum MetricKind: Sendable, Equatable, Hashable {
  /// Attempts with status >= 400 or 0, over attempts.
  case errorRate
  /// 429s over attempts.
  case rate429
  /// Statuses 500-599 over attempts.
  case rate5xx
  /// Lines with `retries_exhausted` over logical requests.
  case retryExhaustionRate
  /// 401 and 403 over attempts.
  case authFailureRate
  /// Attempts of one class over attempts (`quota` apart from `capacity`, say).
  case classRate(StatusClass)
  /// A latency percentile in milliseconds; `p99_latency` is `latencyQuantile(0.99)`.
  case latencyQuantile(Double)
  /// Attempts (every line): `request_count < 1` says traffic stopped.
  case requestCount
  /// Logical requests (lines with `attempt == 1`).
  case logicalRequestCount
  case errorCount
  /// 401 and 403 responses.
  case authFailures
  case classCount(StatusClass)

  /// Counts are not held to the request floor: "no traffic" must be able to alert.
  public var isCount: Bool {
    switch self {
    case .requestCount, .logicalRequestCount, .errorCount, .authFailures, .classCount: true
    default: false
    }
  }

  public var isRate: Bool {
    switch self {
    case .errorRate, .rate429, .rate5xx, .retryExhaustionRate, .authFailureRate, .classRate: true
    default: false
    }
  }

  public var isLatency: Bool {
    if case .latencyQuantile = self { return true }
    return false
  }

  /// The name used in alerts.yaml, output and labels.
  public var name: String {
    switch self {
    case .errorRate: "error_rate"
    case .rate429: "rate_429"
    case .rate5xx: "rate_5xx"
    case .retryExhaustionRate: "retry_exhaustion_rate"
    case .authFailureRate: "auth_failure_rate"
    case .classRate(let c): "class_rate{class=\(c.rawValue)}"
    case .latencyQuantile(let q):
      q == 0.99 ? "p99_latency" : "latency_percentile{percentile=\(formatPlain(q * 100))}"
    case .requestCount: "request_count"
    case .logicalRequestCount: "logical_request_count"
    case .errorCount: "error_count"
    case .authFailures: "auth_failures"
    case .classCount(let c): "class_count{class=\(c.rawValue)}"
    }
  }

  /// The value over a merged rollup; `nil` when there is nothing to measure (no attempts for a
  /// rate, no latencies for a percentile).
  public func value(of r: Rollup) -> Double? {
    func ratio(_ a: Int64, _ b: Int64) -> Double? { b > 0 ? Double(a) / Double(b) : nil }
    switch self {
    case .errorRate: return ratio(r.errors, r.attempts)
    case .rate429: return ratio(r.status429, r.attempts)
    case .rate5xx: return ratio(r.status5xx, r.attempts)
    case .retryExhaustionRate: return ratio(r.exhausted, r.requests)
    case .authFailureRate: return ratio(r.auth, r.attempts)
    case .classRate(let c): return ratio(r.count(of: c), r.attempts)
    case .latencyQuantile(let q): return r.latency.quantile(q)
    case .requestCount: return Double(r.attempts)
    case .logicalRequestCount: return Double(r.requests)
    case .errorCount: return Double(r.errors)
    case .authFailures: return Double(r.auth)
    case .classCount(let c): return Double(r.count(of: c))
    }
  }

  /// A value as people read it: a percentage, seconds, or a count.
  public func format(_ v: Double?) -> String {
    guard let v else { return "-" }
    if isRate { return formatFixed(v * 100, digits: 2) + "%" }
    if isLatency { return formatFixed(v / 1000, digits: 2) + "s" }
    return formatPlain(v)
  }

  /// The article's advice for the errors this metric counts.
  public var advice: String {
    switch self {
    case .rate429: StatusClass.capacity.advice
    case .rate5xx: StatusClass.server.advice
    case .authFailureRate, .authFailures:
      "Authentication failed (401/403): fix or rotate the API key; do not retry. Validate keys at startup."
    case .classRate(let c), .classCount(let c): c.advice
    case .retryExhaustionRate:
      "Callers are giving up after their last retry: users see failures. Check the provider's status and consider failover."
    case .latencyQuantile:
      "Slow responses: check the provider's status, lower max_tokens or timeouts, or fail over to a faster model."
    case .requestCount, .logicalRequestCount:
      "Traffic changed: check that the application is running and logging."
    case .errorRate, .errorCount:
      "Errors: see the breakdown by class; retry 429/5xx with backoff, fix 4xx requests and keys."
    }
  }
}

/// `12`, `0.5`, `99.9`: integers without a fraction.
public func formatPlain(_ v: Double) -> String {
  if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
  return "\(v)"
}

/// How a value is compared with the threshold.
public enum Comparison: String, Sendable, CaseIterable {
  case greater = ">"
  case greaterOrEqual = ">="
  case less = "<"
  case lessOrEqual = "<="

  public func holds(_ value: Double, _ threshold: Double) -> Bool {
    switch self {
    case .greater: value > threshold
    case .greaterOrEqual: value >= threshold
    case .less: value < threshold
    case .lessOrEqual: value <= threshold
    }
  }
}

/// The dimensions a rule can filter and group by.
public enum Dimension: String, Sendable, CaseIterable, Comparable {
  case provider, model, app, env, endpoint

  public func value(of s: SeriesKey) -> String {
    switch self {
    case .provider: s.provider
    case .model: s.model
    case .app: s.app
    case .env: s.env
    case .endpoint: s.endpoint
    }
  }

  public static func < (a: Dimension, b: Dimension) -> Bool {
    allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
  }
}

/// One alerting rule of alerts.yaml.
public struct AlertRule: Sendable, Equatable {
  /// The alert's name (`alertname` label).
  public var name: String
  public var metric: MetricKind
  public var comparison: Comparison = .greater
  /// Rates as fractions (5% is 0.05), latencies in milliseconds, counts as counts.
  public var threshold: Double
  public var windowMs: Int64
  /// How long the condition must hold before the alert fires.
  public var forMs: Int64 = 0
  /// Fewer attempts than this in a group's window: no value, so no alert (rates and latencies).
  public var minRequests: Int64 = 0
  /// Once firing, the alert resolves only when the value no longer passes this threshold.
  public var resolveThreshold: Double?
  /// Once firing, the alert stays firing until the condition has been false this long.
  public var keepFiringForMs: Int64 = 0
  /// Series filters: dimension to allowed values.
  public var filters: [Dimension: [String]] = [:]
  public var groupBy: [Dimension] = []
  public var severity: String = "warning"
  public var labels: [String: String] = [:]
  public var summary: String
  public var description: String
  /// Receiver names; `stdout` is always defined.
  public var receivers: [String] = ["stdout"]

  public init(
    name: String, metric: MetricKind, threshold: Double, windowMs: Int64, summary: String = "",
    description: String = ""
  ) {
    self.name = name
    self.metric = metric
    self.threshold = threshold
    self.windowMs = windowMs
    self.summary = summary
    self.description = description
  }

  /// Whether the rule looks at calls of this series.
  public func matches(_ s: SeriesKey) -> Bool {
    for (d, allowed) in filters where !allowed.contains(d.value(of: s)) { return false }
    return true
  }

  /// The value that a firing alert must cross back over to resolve.
  public var effectiveResolveThreshold: Double { resolveThreshold ?? threshold }
}

/// A parsed alerts.yaml.
public struct RuleSet: Sendable, Equatable {
  public var evaluationIntervalMs: Int64 = 15_000
  /// Evaluate the window ending this long before "now", for lines that arrive late.
  public var evaluationDelayMs: Int64 = 0
  public var rules: [AlertRule] = []
  /// Receivers declared, `stdout` (which always exists) first.
  public var receivers: [Receiver] = [.stdout]
  /// Retries of failed deliveries.
  public var delivery = DeliveryPolicy()
  /// Where people reach this Vigil (links in messages, `externalURL` of Alertmanager payloads).
  public var externalURL = "http://127.0.0.1:9516"

  public init(rules: [AlertRule] = []) { self.rules = rules }

  /// The longest window of any rule: how much data an evaluation needs.
  public var longestWindowMs: Int64 { rules.map(\.windowMs).max() ?? 0 }

  /// The receiver with this name.
  public func receiver(named name: String) -> Receiver? { receivers.first { $0.name == name } }
}
