/// The alerts one receiver holds under one set of group labels, and when it was last told.
package struct AlertGroup: Sendable, Equatable {
  package var receiver: String
  package var labels: [String: String]
  /// Current alerts by fingerprint: firing ones, and resolved ones not yet flushed.
  package var alerts: [String: NotifiedAlert] = [:]
  /// The next time this group may send (group wait, then group interval).
  package var nextFlushMs: Int64
  /// Whether the group's first flush (after its group wait) has happened.
  package var flushed = false
  /// When a message was last sent for this group.
  package var lastNotifiedMs: Int64?
  /// Fingerprints of the firing alerts that the last message carried.
  package var notifiedFiring: Set<String> = []

  package init(receiver: String, labels: [String: String], nextFlushMs: Int64) {
    self.receiver = receiver
    self.labels = labels
    self.nextFlushMs = nextFlushMs
  }

  package var key: String { LabelSetText.format(labels) }
}
