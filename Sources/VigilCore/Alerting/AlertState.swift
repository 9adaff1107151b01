/// Where an alert of one rule and label set stands.
package enum AlertPhase: String, Sendable, Codable {
  case inactive, pending, firing
}
/// The remembered state of one alert, persisted between evaluations (and processes).
package struct AlertState: Sendable, Equatable {
  package var phase: AlertPhase = .inactive
  /// The group's labels (`group_by` dimensions).
  package var groupLabels: [String: String] = [:]
  /// When the condition became true (pending or firing).
  package var activeSinceMs: Int64?
  package var firedAtMs: Int64?
  /// When a firing alert's condition stopped holding (for `keep_firing_for`).
  package var resolvingSinceMs: Int64?
  package var lastValue: Double?
  package var lastEvaluationMs: Int64 = 0
  /// Since when the window has had no value (no calls, or too few), while the alert is kept as
  /// it was; `nil` while there is data.
  package var noDataSinceMs: Int64?
  /// When an SLO burn-rate alert last resolved. For a while (``BurnRate/releaseMs``: its longest
  /// window) its windows count from then, as for a series first seen then: the failures of the
  /// incident it announced and resolved do not page again (the hour-long window remembers an
  /// outage for an hour, and a 5-minute blip after it would otherwise re-fire the page), while a
  /// new burn pages as it would with clean history. Kept on an inactive alert for that while.
  package var releasedAtMs: Int64?

  package init() {}
}
