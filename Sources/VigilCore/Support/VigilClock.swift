#if canImport(Glibc)
  import Glibc
#endif

/// The time Vigil's loops run on (the daemon's evaluation, delivery and retention, and delivery
/// until a deadline): the wall clock in use, a clock the test moves in tests, so that "evaluate
/// every 15 s for an hour" takes neither an hour nor a sleep.
package protocol VigilClock: Sendable {
  /// Milliseconds since the Unix epoch.
  func nowMs() -> Int64
  /// Returns at `deadlineMs` (at once if it has passed); throws `CancellationError` when the task
  /// is cancelled first.
  func sleep(untilMs deadlineMs: Int64) async throws
}

/// The system's real-time clock.
package struct WallClock: VigilClock {
  package init() {}

  package func nowMs() -> Int64 { Self.nowMs() }

  /// Milliseconds since the epoch by the system's real-time clock.
  package static func nowMs() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
  }

  package func sleep(untilMs deadlineMs: Int64) async throws {
    let wait = deadlineMs - nowMs()
    if wait > 0 { try await Task.sleep(for: .milliseconds(wait)) } else { try Task.checkCancellation() }
  }
}
