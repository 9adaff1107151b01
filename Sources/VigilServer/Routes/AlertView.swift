import VigilCore
import VigilReport

/// An alert pending or firing, as the API and the dashboard show it: one builder for both, so
/// that they never disagree on a value, a threshold or a summary.
struct AlertView: Sendable {
  var rule: String
  var phase: AlertPhase
  var labels: [String: String]
  var value: Double?
  var valueText: String
  var threshold: Double
  var thresholdText: String
  var activeSinceMs: Int64?
  var firedAtMs: Int64?
  /// Kept as it was because its window has no data (`no_data: keep`): since when.
  var noDataSinceMs: Int64?
  var summary: String

  /// The alerts of `evaluation` that are not inactive, firing ones first, then by rule and group.
  static func build(_ evaluation: Evaluation?, rules: RuleSet) -> [AlertView] {
    let byName = rules.rulesByName
    return (evaluation?.groups ?? []).filter { $0.phase != .inactive }
      .sorted { ($0.phase == .firing ? 0 : 1, $0.key) < ($1.phase == .firing ? 0 : 1, $1.key) }
      .map { g in
        let rule = byName[g.key.rule]
        let st = evaluation?.states[g.key]
        return AlertView(
          rule: g.key.rule, phase: g.phase, labels: g.labels, value: g.value,
          valueText: rule?.metric.format(g.value) ?? "-", threshold: rule?.threshold ?? 0,
          thresholdText: rule?.thresholdText ?? "", activeSinceMs: st?.activeSinceMs,
          firedAtMs: st?.firedAtMs,
          noDataSinceMs: g.noDataSinceMs,
          summary: rule.map {
            Template.render($0.summary, TemplateContext(rule: $0, value: g.value, labels: g.labels))
          } ?? "")
      }
  }

  /// The dashboard's card.
  var live: LiveAlert {
    LiveAlert(
      rule: rule, state: noDataSinceMs == nil ? phase.rawValue : phase.rawValue + " (no data)",
      labels: labels,
      value: valueText, threshold: thresholdText, sinceMs: firedAtMs ?? activeSinceMs, summary: summary)
  }
}
