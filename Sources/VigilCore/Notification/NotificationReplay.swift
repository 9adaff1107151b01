/// Routing in event time without a store: what each receiver would get from a replay (rule tests
/// and backtests), through the same router, folding and inhibitions (with their hold) that
/// `check` and `serve` apply. Silences apply only where given (a backtest may take a database's).
package struct NotificationReplay {
  package private(set) var router: Router
  let rules: RuleSet
  let byName: [String: AlertRule]
  /// Alerts that resolved, for inhibitions with a hold.
  var resolved: [InhibitRule.Source] = []
  let silences: [Silence]

  package init(rules: RuleSet, silences: [Silence] = []) {
    self.rules = rules
    self.silences = silences
    router = Router(receivers: rules.receivers)
    byName = rules.rulesByName
  }

  /// Routes an evaluation's transitions and returns the messages due at `atMs`; `endOfRun` ends
  /// the group wait of new groups (as `check` does at the end of a run).
  package mutating func step(_ evaluation: Evaluation, atMs: Int64, endOfRun: Bool = false)
    -> [AlertNotification]
  {
    let hold = rules.inhibitRules.map(\.holdMs).max() ?? 0
    resolved = resolved.filter { atMs - ($0.resolvedAtMs ?? atMs) <= hold }
    resolved += evaluation.transitions.filter { $0.kind == .resolved }.map {
      InhibitRule.Source(labels: $0.labels, resolvedAtMs: $0.atMs)
    }
    router.add(evaluation.transitions) { t in
      let metric = byName[t.key.rule]?.metric
      return NotifiedAlert(t, format: { metric?.messageText($0) ?? ($0.map(formatPlain) ?? "no data") })
    }
    return router.flush(
      atMs: atMs, silences: silences, flushNewGroups: endOfRun, inhibitRules: rules.inhibitRules,
      inhibitors: InhibitRule.Source.firing(evaluation.states, rules: byName) + resolved)
  }
}

extension InhibitRule.Source {
  /// The firing alerts among `states`, as sources of inhibition.
  package static func firing(_ states: [AlertKey: AlertState], rules: [String: AlertRule]) -> [Self] {
    states.compactMap { key, state in
      guard state.phase == .firing, let rule = rules[key.rule] else { return nil }
      return Self(labels: Evaluator.allLabels(rule, state.groupLabels))
    }
  }
}
