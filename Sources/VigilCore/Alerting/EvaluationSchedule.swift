/// When the rules are evaluated, for every driver of the one evaluator: `check` catching up from
/// cron, `backtest` replaying a log, rule tests, and `serve` on its clock.
package enum EvaluationSchedule {
  /// A catch-up: `atMs`, and before it every `intervalMs` back to just after `lastMs` (or
  /// `horizonMs` back when there is no last evaluation or it is older). None when `atMs` is not
  /// after `lastMs`: the cursor never moves backwards.
  package static func catchUp(lastMs: Int64?, atMs: Int64, intervalMs: Int64, horizonMs: Int64) -> [Int64] {
    if let lastMs, atMs <= lastMs { return [] }
    let from = max(lastMs.map { $0 + intervalMs } ?? (atMs - horizonMs), atMs - horizonMs)
    var steps: [Int64] = []
    var t = atMs
    while t >= from {
      steps.append(t)
      t -= intervalMs
    }
    if steps.isEmpty { steps = [atMs] }
    return steps.reversed()
  }

  /// The next tick of a daemon evaluating every `intervalMs` whose tick was due at `dueMs`, after
  /// an evaluation at `atMs`: ticks missed while busy are skipped, not made up.
  package static func nextTick(dueMs: Int64, atMs: Int64, intervalMs: Int64) -> Int64 {
    atMs < dueMs ? dueMs : dueMs + intervalMs * ((atMs - dueMs) / intervalMs + 1)
  }
}
