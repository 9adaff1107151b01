/// Alertmanager's inhibition: while an alert matching `sourceMatchers` fires, alerts matching
/// `targetMatchers` with the same values of the `equal` labels are left out of messages (they
/// keep their state, as silenced ones do). A 429 storm explains the error rate and the retries
/// given up on the same provider: page for the cause, not for each consequence.
///
/// One addition: `holdMs` keeps a target muted that long after its source resolved, for the
/// consequences that outlast their cause by a window's length (an error rate over 2 minutes is
/// still high for a moment after the 429s it counted have stopped).
package struct InhibitRule: Sendable, Equatable {
  package var sourceMatchers: [LabelMatcher]
  package var targetMatchers: [LabelMatcher]
  /// Labels that must have the same value on source and target (a missing label is the empty
  /// value, as in Alertmanager).
  package var equal: [String]
  package var holdMs: Int64

  package init(
    sourceMatchers: [LabelMatcher], targetMatchers: [LabelMatcher], equal: [String], holdMs: Int64 = 0
  ) {
    self.sourceMatchers = sourceMatchers
    self.targetMatchers = targetMatchers
    self.equal = equal
    self.holdMs = holdMs
  }

  /// An alert that can inhibit: firing (`resolvedAtMs == nil`), or resolved at `resolvedAtMs`.
  package struct Source: Sendable, Equatable {
    package var labels: [String: String]
    package var resolvedAtMs: Int64?

    package init(labels: [String: String], resolvedAtMs: Int64? = nil) {
      self.labels = labels
      self.resolvedAtMs = resolvedAtMs
    }
  }

  /// Whether `target` is muted at `atMs` by one of `rules`, given the alerts that can inhibit.
  /// An alert never inhibits itself.
  package static func mutes(
    _ target: [String: String], rules: [InhibitRule], sources: [Source], atMs: Int64
  ) -> Bool {
    for rule in rules where rule.targetMatchers.allSatisfy({ $0.matches(target) }) {
      for source in sources where source.labels != target {
        if let resolved = source.resolvedAtMs, atMs - resolved > rule.holdMs { continue }
        guard rule.sourceMatchers.allSatisfy({ $0.matches(source.labels) }) else { continue }
        if rule.equal.allSatisfy({ (source.labels[$0] ?? "") == (target[$0] ?? "") }) { return true }
      }
    }
    return false
  }
}
