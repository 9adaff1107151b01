/// The alerts one receiver holds under one set of group labels, and when it was last told.
public struct AlertGroup: Sendable, Equatable {
  public var receiver: String
  public var labels: [String: String]
  /// Current alerts by fingerprint: firing ones, and resolved ones not yet flushed.
  public var alerts: [String: NotifiedAlert] = [:]
  /// The next time this group may send (group wait, then group interval).
  public var nextFlushMs: Int64
  /// Whether the group's first flush (after its group wait) has happened.
  public var flushed = false
  /// When a message was last sent for this group.
  public var lastNotifiedMs: Int64?
  /// Fingerprints of the firing alerts that the last message carried.
  public var notifiedFiring: Set<String> = []

  public init(receiver: String, labels: [String: String], nextFlushMs: Int64) {
    self.receiver = receiver
    self.labels = labels
    self.nextFlushMs = nextFlushMs
  }

  public var key: String { LabelSetText.format(labels) }
}
