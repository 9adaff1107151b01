package import VigilCore

/// The scored backtest (`vigil backtest --incidents`): the replay of `vigil backtest`, with every
/// evaluation routed as `check` and `serve` route it (groups, group_wait, fold, inhibitions with
/// their hold, silences given), and the messages scored against labelled incidents.
package enum ScoredBacktest {
  package static func run(
    rules: RuleSet, rollups: InMemoryRollups, stepMs: Int64, incidents: IncidentsFile,
    silences: [Silence] = []
  ) throws -> Scorecard {
    var routing = NotificationReplay(rules: rules, silences: silences)
    var messages: [AlertNotification] = []
    let summaries = try Replay(rules: rules, source: rollups).backtest(
      buckets: rollups.bucketStarts, stepMs: stepMs, announce: { _ in },
      evaluated: { at, evaluation in messages += routing.step(evaluation, atMs: at) })
    let range = rollups.range
    return Scorecard(
      messages: messages, file: incidents, receivers: rules.receivers.map(\.name),
      rules: rules.rules.map(\.name), fired: summaries.mapValues(\.fired),
      spanMs: range.map { $0.last + rollupBucketMs - $0.first } ?? 0)
  }
}
