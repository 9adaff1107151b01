import Synchronization
public import VigilCore

/// A clock that only moves when the test moves it. Sleepers wake when `advance` passes their
/// deadline; `waitForSleeper` lets the test wait until the code under test is asleep again, so
/// each step is decided by the test and nothing depends on how fast the machine is.
public final class ManualClock: VigilClock {
  struct Sleeper {
    var id: UInt64
    var deadline: Int64
    var continuation: CheckedContinuation<Void, any Error>
  }

  struct State {
    var now: Int64
    var sleepers: [Sleeper] = []
    var nextID: UInt64 = 0
    var cancelled: Set<UInt64> = []
  }

  let state: Mutex<State>

  public init(nowMs: Int64) { state = Mutex(State(now: nowMs)) }

  public func nowMs() -> Int64 { state.withLock { $0.now } }

  public func sleep(untilMs deadline: Int64) async throws {
    let id = state.withLock { s -> UInt64 in
      s.nextID += 1
      return s.nextID
    }
    try await withTaskCancellationHandler {
      try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
        let outcome = state.withLock { s -> Result<Void, any Error>? in
          if s.cancelled.remove(id) != nil { return .failure(CancellationError()) }
          if deadline <= s.now { return .success(()) }
          s.sleepers.append(Sleeper(id: id, deadline: deadline, continuation: c))
          return nil
        }
        if let outcome { c.resume(with: outcome) }
      }
    } onCancel: {
      let sleeper = state.withLock { s -> Sleeper? in
        guard let i = s.sleepers.firstIndex(where: { $0.id == id }) else {
          s.cancelled.insert(id)
          return nil
        }
        return s.sleepers.remove(at: i)
      }
      sleeper?.continuation.resume(throwing: CancellationError())
    }
  }

  /// Moves time forward, waking every sleeper whose deadline is passed.
  public func advance(byMs ms: Int64) {
    let due = state.withLock { s -> [Sleeper] in
      s.now += ms
      let now = s.now
      let due = s.sleepers.filter { $0.deadline <= now }
      s.sleepers.removeAll { $0.deadline <= now }
      return due
    }
    for s in due { s.continuation.resume() }
  }

  /// How many sleeps have begun so far.
  public var sleepsBegun: UInt64 { state.withLock { $0.nextID } }

  /// Waits (on real time, briefly) until some task sleeps on this clock, in a sleep begun after
  /// the first `after` ones; false after `seconds`.
  public func waitForSleeper(after: UInt64 = 0, seconds: Double = 180) async -> Bool {
    let deadline = ContinuousClock.now + .seconds(seconds)
    while ContinuousClock.now < deadline {
      if state.withLock({ $0.sleepers.contains { $0.id > after } }) { return true }
      try? await Task.sleep(for: .milliseconds(1))
    }
    return false
  }

  /// The earliest deadline a task sleeps until.
  public var nextDeadline: Int64? { state.withLock { $0.sleepers.map(\.deadline).min() } }
}
