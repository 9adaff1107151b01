/// One group's outcome of an evaluation, for status tables.
package struct GroupResult: Sendable, Equatable {
  package var key: AlertKey
  package var labels: [String: String]
  package var value: Double?
  package var attempts: Int64
  package var phase: AlertPhase
  /// Since when the window has had no value, if it has none.
  package var noDataSinceMs: Int64?
}
/// What an evaluation returns: the new states, the transitions, and every group's value.
package struct Evaluation: Sendable {
  package var states: [AlertKey: AlertState]
  package var transitions: [AlertTransition]
  package var groups: [GroupResult]

  /// Alerts firing after this evaluation.
  package var firing: [AlertKey] { states.filter { $0.value.phase == .firing }.map(\.key).sorted() }
}
