import Synchronization
import VigilCore

/// The evaluation loop's last result and its timing, for `/api/alerts`, the dashboard, readiness
/// and `/metrics`.
package final class EvaluationState: Sendable {
  struct Last: Sendable {
    var evaluation: Evaluation?
    var atMs: Int64?
    var count: Int64 = 0
    var seconds: Double = 0
    var lagMs: Int64 = 0
    var maxLagMs: Int64 = 0
  }

  let last = Mutex(Last())

  var snapshot: Last { last.withLock { $0 } }

  /// The last evaluation that produced a result, and when the last one ran.
  var latest: (evaluation: Evaluation?, atMs: Int64?) { last.withLock { ($0.evaluation, $0.atMs) } }

  func evaluated(_ e: Evaluation?, atMs: Int64, seconds: Double, lagMs: Int64) {
    last.withLock { l in
      if let e { l.evaluation = e }
      l.atMs = atMs
      l.count += 1
      l.seconds = seconds
      l.lagMs = lagMs
      l.maxLagMs = max(l.maxLagMs, lagMs)
    }
  }

  /// Evaluations since start.
  package var count: Int64 { last.withLock { $0.count } }
}
