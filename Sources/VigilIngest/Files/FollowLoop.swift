import VigilCore

/// Runs a ``Follower`` round after round: the driver of `vigil ingest --follow` and of the
/// follow service of `vigil serve`.
///
/// A round that fails (the database locked by another process for longer than its timeout, or
/// its disk full) is tried again after a backoff that doubles from the poll interval up to
/// ``maxBackoffMs``. The lines it read are held with their checkpoint and written first when the
/// database takes writes again; no file is read further and no checkpoint moves past them.
package struct FollowLoop: Sendable {
  package var pollIntervalMs: Int64
  package var maxBackoffMs: Int64 = 30_000

  package init(pollIntervalMs: Int64) { self.pollIntervalMs = pollIntervalMs }

  /// What a round did, for logs and metrics.
  package enum Report {
    /// A round that stored what it read.
    case stored(IngestStats)
    /// A round whose write failed: the error, the lines held, and when the next attempt is.
    case failed(any Error, heldLines: Int64, failures: Int, retryInMs: Int64)
    /// Writes work again after this many failed rounds.
    case recovered(failures: Int)
    /// A file found, rotated, truncated or closed.
    case event(String)

    /// The line a log gets, if any: `storing failed: ...; 240 lines held, nothing skipped;
    /// retrying in 4s`.
    package var message: String? {
      switch self {
      case .stored: nil
      case .event(let event): event
      case .failed(let error, let held, _, let retryMs):
        "storing failed: \(error); \(held) lines held, nothing skipped; retrying in \(DurationText.format(retryMs))"
      case .recovered(let failures): "storing works again after \(failures) failed attempts"
      }
    }
  }

  /// The wait after `failures` failed rounds in a row (0: the poll interval).
  package func delayMs(afterFailures failures: Int) -> Int64 {
    guard failures > 0 else { return pollIntervalMs }
    let doubled = pollIntervalMs.multipliedReportingOverflow(by: 1 << min(failures, 20))
    return doubled.overflow ? maxBackoffMs : min(maxBackoffMs, doubled.partialValue)
  }

  /// Polls until `wait` returns false. `wait(ms)` sleeps up to `ms` milliseconds and says whether
  /// to go on. Returns what was stored in all.
  @discardableResult
  package func run(_ follower: Follower, wait: (Int64) -> Bool, report: (Report) -> Void) -> IngestStats {
    var total = IngestStats()
    var failures = 0
    repeat {
      do {
        let stats = try follower.poll()
        total.add(stats)
        if failures > 0 { report(.recovered(failures: failures)) }
        failures = 0
        report(.stored(stats))
      } catch {
        failures += 1
        report(
          .failed(
            error, heldLines: follower.heldLines, failures: failures,
            retryInMs: delayMs(afterFailures: failures)))
      }
      for event in follower.takeEvents() { report(.event(event)) }
    } while wait(delayMs(afterFailures: failures))
    return total
  }
}
