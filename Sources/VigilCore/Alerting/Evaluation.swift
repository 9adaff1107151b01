/// One group's outcome of an evaluation, for status tables.
package struct GroupResult: Sendable {
  package var key: AlertKey
  package var labels: [String: String]
  package var value: Double?
  package var attempts: Int64
  package var phase: AlertPhase
  /// Since when the window has had no value, if it has none.
  package var noDataSinceMs: Int64?
  /// For an alert that is not inactive: the group's window (what the failures were) and, for an
  /// SLO's alert, its error budget. Every place that renders the alert's text (the dashboard, the
  /// API, an Alertmanager push) fills the templates from these, as the transition's message did:
  /// no `causes` or `budget_left` without a value.
  package var window: Rollup?
  package var budget: BudgetStatus?

  /// What the rule's templates can refer to for this group.
  package func context(_ rule: AlertRule) -> TemplateContext {
    var context = TemplateContext(rule: rule, value: value, labels: labels)
    context.window = window
    context.budget = budget
    return context
  }
}
/// What an evaluation returns: the new states, the transitions, and every group's value.
package struct Evaluation: Sendable {
  package var states: [AlertKey: AlertState]
  package var transitions: [AlertTransition]
  package var groups: [GroupResult]

  /// Alerts firing after this evaluation.
  package var firing: [AlertKey] { states.filter { $0.value.phase == .firing }.map(\.key).sorted() }
}
