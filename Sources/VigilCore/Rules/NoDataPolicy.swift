/// What an alert does when its window has no value: no calls at all, or fewer than the rule's
/// `min_requests` (too few to judge). Log shipping that broke, or an application that was
/// redeployed, is not a recovery.
package enum NoDataPolicy: String, Sendable, CaseIterable {
  /// The alert stays as it was (firing, pending or inactive) and says it has no data. The default:
  /// a firing alert is not resolved by silence.
  case keep
  /// No data means the condition does not hold: a firing alert resolves (as in Prometheus).
  case resolve
  /// No data means the condition holds: the alert fires once `for` has passed.
  case alerting
}
