/// What templates can refer to.
package struct TemplateContext {
  package var rule: AlertRule
  package var value: Double?
  package var labels: [String: String]
  /// For an SLO's alert: its error budget, as the message says it.
  package var budget: BudgetStatus?
  /// The group's window, for what the failures were (`causes`, `rate_limit_kind`).
  package var window: Rollup?

  package init(rule: AlertRule, value: Double?, labels: [String: String]) {
    self.rule = rule
    self.value = value
    self.labels = labels
  }

  package func lookup(_ name: String) -> String? {
    switch name {
    case "value": return rule.metric.messageText(value)
    case "threshold": return rule.metric.format(rule.threshold)
    case "metric": return rule.metric.name
    case "window": return DurationText.format(rule.windowMs)
    case "for": return DurationText.format(rule.forMs)
    case "advice":
      if rule.metric == .rate429, let w = window, let kind = RateLimitKind(w) { return kind.advice }
      return rule.metric.advice
    case "causes":
      // Exhaustion's causes are the retryable failures alone: a filtered 200 or a 400 never
      // exhausts retries, so it is not among them.
      let classes = rule.metric == .retryExhaustionRate ? Array(StatusClass.unavailable) : nil
      return window.map { Self.causes($0, classes: classes) } ?? "no calls in the window"
    case "rate_limit_kind":
      return window.map { w in RateLimitKind(w)?.text ?? "no 429s in the window" } ?? "no calls in the window"
    case "alertname": return rule.name
    case "severity": return rule.severity
    case "objective": return rule.burn.map { formatPlain(($0.objective * 1e6).rounded() / 1e4) + "%" }
    case "slo": return rule.burn?.slo
    case "budget_left":
      return budget.map { $0.left <= 0 ? "none" : formatFixed($0.left * 100, digits: 1) + "%" }
        ?? "not an SLO alert"
    case "time_to_exhaustion": return budget?.timeToExhaustionText ?? "not an SLO alert"
    default:
      if name.hasPrefix("labels.") { return labels[String(name.dropFirst(7))] }
      return nil
    }
  }

  /// The failed attempts of a window by class, most first: "capacity 120 (80%), server 30 (20%)";
  /// only those of `classes` when given.
  static func causes(_ w: Rollup, classes: [StatusClass]? = nil) -> String {
    let failed = StatusClass.allCases.filter { $0 != .success && classes?.contains($0) ?? true }.map {
      ($0, w.count(of: $0))
    }.filter { $0.1 > 0 }
    let total = failed.reduce(Int64(0)) { $0.saturatingAdding($1.1) }
    guard total > 0 else { return "no failures" }
    return failed.sorted { $0.1 > $1.1 }.map {
      "\($0.0.rawValue) \($0.1) (\(formatFixed(Double($0.1) * 100 / Double(total), digits: 0))%)"
    }.joined(separator: ", ")
  }
}

/// Which kind of 429 a window saw: throttling (retry with backoff) or an exhausted quota
/// (billing; retrying cannot help), or both.
package struct RateLimitKind: Sendable, Equatable {
  package var throttled: Int64
  package var quota: Int64

  /// `nil` for a window without 429s. Quota 429s are the quota-class attempts, at most all 429s.
  package init?(_ w: Rollup) {
    guard w.status429 > 0 else { return nil }
    quota = min(w.count(of: .quota), w.status429)
    throttled = w.status429.saturatingSubtracting(quota)
  }

  package static let throttlingText = "throttling (too many requests or tokens for the limit)"
  package static let quotaText = "quota exhausted (out of credit or past the spending cap), not throttling"

  package var text: String {
    if quota == 0 { return Self.throttlingText }
    if throttled == 0 { return Self.quotaText }
    return "\(throttled) throttled and \(quota) out of quota"
  }

  package var advice: String {
    if quota == 0 { return StatusClass.capacity.advice }
    if throttled == 0 { return StatusClass.quota.advice }
    return StatusClass.quota.advice + " The others: " + StatusClass.capacity.advice
  }
}
/// `{{ name }}` templates for alert text.
package enum Template {
  /// The names a template refers to, in order.
  package static func references(_ text: String) -> [String] {
    var names: [String] = []
    var rest = Substring(text)
    while let open = rest.range(of: "{{") {
      guard let close = rest[open.upperBound...].range(of: "}}") else { break }
      names.append(rest[open.upperBound..<close.lowerBound].trimmingSpaces())
      rest = rest[close.upperBound...]
    }
    return names
  }

  /// Replaces each `{{ name }}`; a name without a value renders empty.
  package static func render(_ text: String, _ context: TemplateContext) -> String {
    var out = ""
    var rest = Substring(text)
    while let open = rest.range(of: "{{") {
      guard let close = rest[open.upperBound...].range(of: "}}") else { break }
      out += rest[..<open.lowerBound]
      out += context.lookup(rest[open.upperBound..<close.lowerBound].trimmingSpaces()) ?? ""
      rest = rest[close.upperBound...]
    }
    return out + rest
  }

  /// The names that are always defined, beside `labels.NAME`.
  package static let builtins: Set<String> = [
    "value", "threshold", "metric", "window", "for", "advice", "alertname", "severity", "objective", "slo",
    "budget_left", "time_to_exhaustion", "causes", "rate_limit_kind",
  ]
}
