/// A change of an alert's phase. `firing` and `resolved` are announced; `pending` and a pending
/// alert going back to inactive are recorded only.
public struct AlertTransition: Sendable, Equatable {
  public enum Kind: String, Sendable, Codable {
    case pending, firing, resolved
    /// Pending, but the condition stopped before `for` elapsed.
    case cancelled
  }

  public var atMs: Int64
  public var key: AlertKey
  public var kind: Kind
  public var metric: String
  public var value: Double?
  public var threshold: Double
  /// Every label: `alertname`, `severity`, the rule's labels and the group's.
  public var labels: [String: String]
  public var summary: String
  public var description: String
  public var receivers: [String]
  /// For `resolved`: when the alert had fired.
  public var firedAtMs: Int64?

  public var isAnnounced: Bool { kind == .firing || kind == .resolved }

  public init(
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
