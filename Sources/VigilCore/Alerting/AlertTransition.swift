/// A change of an alert's phase. `firing` and `resolved` are announced; `pending` and a pending
/// alert going back to inactive are recorded only.
package struct AlertTransition: Sendable, Equatable {
  package enum Kind: String, Sendable, Codable {
    case pending, firing, resolved
    /// Pending, but the condition stopped before `for` elapsed.
    case cancelled
  }

  package var atMs: Int64
  package var key: AlertKey
  package var kind: Kind
  package var metric: String
  package var value: Double?
  package var threshold: Double
  /// Every label: `alertname`, `severity`, the rule's labels and the group's.
  package var labels: [String: String]
  package var summary: String
  package var description: String
  package var receivers: [String]
  /// For `resolved`: when the alert had fired.
  package var firedAtMs: Int64?

  package var isAnnounced: Bool { kind == .firing || kind == .resolved }

  package init(
    atMs: Int64, key: AlertKey, kind: Kind, metric: String, value: Double?, threshold: Double,
    labels: [String: String], summary: String, description: String, receivers: [String], firedAtMs: Int64?
  ) {
    self.atMs = atMs
    self.key = key
    self.kind = kind
    self.metric = metric
    self.value = value
    self.threshold = threshold
    self.labels = labels
    self.summary = summary
    self.description = description
    self.receivers = receivers
    self.firedAtMs = firedAtMs
  }
}
