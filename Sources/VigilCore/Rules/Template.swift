/// What templates can refer to.
package struct TemplateContext {
  package var rule: AlertRule
  package var value: Double?
  package var labels: [String: String]
  /// For an SLO's alert: its error budget, as the message says it.
  package var budget: BudgetStatus?

  package init(rule: AlertRule, value: Double?, labels: [String: String]) {
    self.rule = rule
    self.value = value
    self.labels = labels
  }

  package func lookup(_ name: String) -> String? {
    switch name {
    case "value": return rule.metric.format(value)
    case "threshold": return rule.metric.format(rule.threshold)
    case "metric": return rule.metric.name
    case "window": return DurationText.format(rule.windowMs)
    case "for": return DurationText.format(rule.forMs)
    case "advice": return rule.metric.advice
    case "alertname": return rule.name
    case "severity": return rule.severity
    case "objective": return rule.burn.map { formatPlain(($0.objective * 1e6).rounded() / 1e4) + "%" }
    case "slo": return rule.burn?.slo
    case "budget_left": return budget.map { formatFixed(max($0.left, -9.99) * 100, digits: 1) + "%" } ?? "-"
    case "time_to_exhaustion": return budget?.timeToExhaustionText ?? "-"
    default:
      if name.hasPrefix("labels.") { return labels[String(name.dropFirst(7))] }
      return nil
    }
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
    "budget_left", "time_to_exhaustion",
  ]
}
