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
  /// The firing alert that explains this one (an `inhibit_rules` source on the same labels):
  /// messages leave this one out while that one fires, and the list shows it below its cause.
  var inhibitedBy: String?

  /// The alerts of `evaluation` that are not inactive, firing ones first, then by rule and group;
  /// an inhibited alert right below the alert that inhibits it.
  static func build(_ evaluation: Evaluation?, rules: RuleSet) -> [AlertView] {
    let byName = rules.rulesByName
    let views = (evaluation?.groups ?? []).filter { $0.phase != .inactive }
      .sorted { ($0.phase == .firing ? 0 : 1, $0.key) < ($1.phase == .firing ? 0 : 1, $1.key) }
      .map { g in
        let rule = byName[g.key.rule]
        let st = evaluation?.states[g.key]
        return AlertView(
          rule: g.key.rule, phase: g.phase, labels: g.labels, value: g.value,
          valueText: rule?.metric.messageText(g.value) ?? "no data", threshold: rule?.threshold ?? 0,
          thresholdText: rule?.thresholdText ?? "", activeSinceMs: st?.activeSinceMs,
          firedAtMs: st?.firedAtMs,
          noDataSinceMs: g.noDataSinceMs,
          // The group's window and budget, as the transition's message had them.
          summary: rule.map { Template.render($0.summary, g.context($0)) } ?? "")
      }
    return causesFirst(views, inhibitRules: rules.inhibitRules)
  }

  /// `views` with each inhibited alert marked and placed right after its cause (and its cause's
  /// other consequences), the order otherwise kept.
  static func causesFirst(_ views: [AlertView], inhibitRules: [InhibitRule]) -> [AlertView] {
    guard !inhibitRules.isEmpty else { return views }
    var marked = views
    let causes = views.indices.filter { views[$0].phase == .firing }
    var causeOf = [Int?](repeating: nil, count: views.count)
    for i in views.indices {
      causeOf[i] = causes.first { c in
        c != i
          && InhibitRule.mutes(
            views[i].labels, rules: inhibitRules, sources: [InhibitRule.Source(labels: views[c].labels)],
            atMs: 0)
      }
      marked[i].inhibitedBy = causeOf[i].map { views[$0].rule }
    }
    var out: [AlertView] = []
    var placed = [Bool](repeating: false, count: views.count)
    func place(_ i: Int) {
      guard !placed[i] else { return }
      placed[i] = true
      out.append(marked[i])
      for j in views.indices where causeOf[j] == i { place(j) }
    }
    for i in views.indices where causeOf[i] == nil { place(i) }
    // Alerts that inhibit each other (a cycle in the rules) keep their place.
    for i in views.indices { place(i) }
    return out
  }

  /// The dashboard's card.
  var live: LiveAlert {
    var alert = LiveAlert(
      rule: rule, state: noDataSinceMs == nil ? phase.rawValue : phase.rawValue + " (no data)",
      labels: labels,
      value: valueText, threshold: thresholdText, sinceMs: firedAtMs ?? activeSinceMs, summary: summary)
    alert.inhibitedBy = inhibitedBy
    return alert
  }
}
