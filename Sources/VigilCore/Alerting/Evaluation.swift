/// One group's outcome of an evaluation, for status tables.
public struct GroupResult: Sendable, Equatable {
  public var key: AlertKey
  public var labels: [String: String]
  public var value: Double?
  public var attempts: Int64
  public var phase: AlertPhase
}
/// What an evaluation returns: the new states, the transitions, and every group's value.
public struct Evaluation: Sendable {
  public var states: [AlertKey: AlertState]
  public var transitions: [AlertTransition]
  public var groups: [GroupResult]

  /// Alerts firing after this evaluation.
  public var firing: [AlertKey] { states.filter { $0.value.phase == .firing }.map(\.key).sorted() }
}
