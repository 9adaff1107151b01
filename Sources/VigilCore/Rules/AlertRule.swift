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
