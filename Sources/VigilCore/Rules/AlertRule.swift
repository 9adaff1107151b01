/// One alerting rule of alerts.yaml.
package struct AlertRule: Sendable, Equatable {
  /// The alert's name (`alertname` label).
  package var name: String
  package var metric: MetricKind
  package var comparison: Comparison = .greater
  /// Rates as fractions (5% is 0.05), latencies in milliseconds, counts as counts.
  package var threshold: Double
  package var windowMs: Int64
  /// How long the condition must hold before the alert fires.
  package var forMs: Int64 = 0
  /// Fewer attempts than this in a group's window: no value, so no alert (rates and latencies).
  package var minRequests: Int64 = 0
  /// Once firing, the alert resolves only when the value no longer passes this threshold.
  package var resolveThreshold: Double?
  /// Once firing, the alert stays firing until the condition has been false this long.
  package var keepFiringForMs: Int64 = 0
  /// What the alert does when its window has no value.
  package var noData = NoDataPolicy.keep
  /// For an SLO's burn-rate alert (metric `burn_rate`): its windows, objective and guards.
  package var burn: BurnRate?
  /// Whether the rule is an SLO's (without comparing, or copying, its burn rate).
  package var isSLO: Bool {
    if case .some = burn { return true }
    return false
  }
  /// Series filters: dimension to allowed values.
  package var filters: [Dimension: [String]] = [:]
  package var groupBy: [Dimension] = []
  package var severity: String = "warning"
  package var labels: [String: String] = [:]
  package var summary: String
  package var description: String
  /// Receiver names; `stdout` is always defined.
  package var receivers: [String] = ["stdout"]

  package init(
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
  package func matches(_ s: SeriesKey) -> Bool {
    for (d, allowed) in filters where !allowed.contains(d.value(of: s)) { return false }
    return true
  }

  /// The value that a firing alert must cross back over to resolve.
  package var effectiveResolveThreshold: Double { resolveThreshold ?? threshold }
}

extension AlertRule {
  /// The threshold as people read it: `> 5.00%`, `>= 30s`.
  package var thresholdText: String { Self.thresholdText(comparison, metric, threshold) }

  /// `comparison` and `value` in `metric`'s units: `> 5.00%`.
  package static func thresholdText(_ comparison: Comparison, _ metric: MetricKind, _ value: Double) -> String
  {
    "\(comparison.rawValue) \(metric.format(value))"
  }
}
