import Foundation
import VigilStore

/// The time the daemon's loops run on: the wall clock when serving, a clock the test moves when
/// testing, so that "evaluate every 15 s for an hour" takes no hour and no sleep.
public protocol DaemonClock: Sendable {
  /// Milliseconds since the Unix epoch.
  func nowMs() -> Int64
  /// Returns at `deadlineMs` (at once if it has passed); throws `CancellationError` when the task
  /// is cancelled first.
  func sleep(untilMs deadlineMs: Int64) async throws
}

/// The system's real-time clock.
public struct WallClock: DaemonClock {
  public init() {}

  public func nowMs() -> Int64 { Store.wallClockMs() }

  public func sleep(untilMs deadlineMs: Int64) async throws {
    let wait = deadlineMs - nowMs()
    if wait > 0 { try await Task.sleep(for: .milliseconds(wait)) } else { try Task.checkCancellation() }
  }
}
