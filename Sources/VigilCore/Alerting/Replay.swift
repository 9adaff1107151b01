/// Replays traffic through the evaluator in event time, one step at a time, with no state but its
/// own: the driver of `vigil backtest` (with a summary per rule) and of rule tests.
package struct Replay {
  package let rules: RuleSet
  package let source: any RollupSource

  package init(rules: RuleSet, source: any RollupSource) {
    self.rules = rules
    self.source = source
  }

  /// What one rule did over a replay.
  package struct RuleSummary: Sendable, Equatable {
    /// Times it fired (any group).
    package var fired = 0
    /// Time spent firing, summed over groups; an alert still firing at the end counts to the end.
    package var firingMs: Int64 = 0
    /// Fires within 10 minutes of the same alert resolving.
    package var flaps = 0
    package var firstDetectionMs: Int64?
    /// Whether an alert of the rule still fires at the end.
    package var firingAtEnd = false

    package init() {}
  }

  /// A fire this soon after the same alert resolved is a flap.
  package static let flapWindowMs: Int64 = 600_000

  /// Evaluates at each instant of `instants` (ascending), from no state, handing each evaluation
  /// to `visit`.
  package func run(at instants: some Sequence<Int64>, visit: (Int64, Evaluation) throws -> Void) throws {
    var states: [AlertKey: AlertState] = [:]
    for t in instants {
      let evaluation = try Evaluator.evaluate(rules, source: source, atMs: t, previous: states)
      states = evaluation.states
      try visit(t, evaluation)
    }
  }

  /// The backtest of traffic in `buckets` (their starts, ascending): every `stepMs` from the first
  /// bucket to one step past the last, skipping stretches where no data is in any window's reach
  /// and no alert is in play (so that a stray timestamp years away costs nothing). Announced
  /// transitions go to `announce` as they happen, and every evaluation to `evaluated` (the
  /// router of a scored backtest); returns what each rule did.
  package func backtest(
    buckets: [Int64], stepMs: Int64, announce: (AlertTransition) -> Void,
    evaluated: (Int64, Evaluation) -> Void = { _, _ in }
  ) throws
    -> [String: RuleSummary]
  {
    guard let first = buckets.first, let last = buckets.last else { return [:] }
    var states: [AlertKey: AlertState] = [:]
    var summaries: [String: RuleSummary] = [:]
    var firedAt: [AlertKey: Int64] = [:]
    var resolvedAt: [AlertKey: Int64] = [:]
    let end = last + rollupBucketMs
    let reach = rules.longestWindowMs + rollupBucketMs
    var next = 0
    var t = (first / stepMs + 1) * stepMs
    while t <= end + stepMs {
      while next < buckets.count && buckets[next] < t - reach { next += 1 }
      if states.isEmpty, next < buckets.count, buckets[next] >= t {
        t = max(t, (buckets[next] / stepMs + 1) * stepMs)
      }
      let evaluation = try Evaluator.evaluate(rules, source: source, atMs: t, previous: states)
      states = evaluation.states
      evaluated(t, evaluation)
      for tr in evaluation.transitions where tr.isAnnounced {
        announce(tr)
        var s = summaries[tr.key.rule, default: RuleSummary()]
        if tr.kind == .firing {
          s.fired += 1
          if s.firstDetectionMs == nil { s.firstDetectionMs = tr.atMs }
          if let r = resolvedAt[tr.key], tr.atMs - r <= Self.flapWindowMs { s.flaps += 1 }
          firedAt[tr.key] = tr.atMs
        } else if let f = firedAt.removeValue(forKey: tr.key) {
          s.firingMs += tr.atMs - f
          resolvedAt[tr.key] = tr.atMs
        }
        summaries[tr.key.rule] = s
      }
      t += stepMs
    }
    for (key, f) in firedAt {
      summaries[key.rule, default: RuleSummary()].firingMs += max(0, end - f)
      summaries[key.rule, default: RuleSummary()].firingAtEnd = true
    }
    return summaries
  }
}
