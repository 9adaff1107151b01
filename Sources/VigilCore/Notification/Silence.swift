/// A silence mutes the notifications of alerts whose labels match all its matchers, between its
/// start and end. The alerts keep their state: when the silence ends, one that still fires is
/// sent as new.
package struct Silence: Sendable, Equatable {
  package var id: String
  package var matchers: [LabelMatcher]
  package var startsAtMs: Int64
  package var endsAtMs: Int64
  package var createdBy: String
  package var comment: String

  package init(
    id: String, matchers: [LabelMatcher], startsAtMs: Int64, endsAtMs: Int64, createdBy: String = "",
    comment: String = ""
  ) {
    self.id = id
    self.matchers = matchers
    self.startsAtMs = startsAtMs
    self.endsAtMs = endsAtMs
    self.createdBy = createdBy
    self.comment = comment
  }

  package func isActive(atMs: Int64) -> Bool { startsAtMs <= atMs && atMs < endsAtMs }

  /// Whether this silence mutes an alert with `labels` at `atMs`.
  package func mutes(_ labels: [String: String], atMs: Int64) -> Bool {
    isActive(atMs: atMs) && matchers.allSatisfy { $0.matches(labels) }
  }
}
