/// Where an alert of one rule and label set stands.
public enum AlertPhase: String, Sendable, Codable {
  case inactive, pending, firing
}
/// The remembered state of one alert, persisted between evaluations (and processes).
public struct AlertState: Sendable, Equatable {
  public var phase: AlertPhase = .inactive
  /// The group's labels (`group_by` dimensions).
  public var groupLabels: [String: String] = [:]
  /// When the condition became true (pending or firing).
  public var activeSinceMs: Int64?
  public var firedAtMs: Int64?
  /// When a firing alert's condition stopped holding (for `keep_firing_for`).
  public var resolvingSinceMs: Int64?
  public var lastValue: Double?
  public var lastEvaluationMs: Int64 = 0

  public init() {}
}
