import Synchronization

/// A signal one task sends and another waits for, with a deadline. A signal sent while nobody
/// waits is kept (one is enough). Waiting is cancellable and leaves the signal usable: a wait that
/// times out or is cancelled changes nothing for the next one.
package final class Wakeup: Sendable {
  struct State {
    var pending = false
    /// The waiting task; resumed with `true` by a signal, `false` by its cancellation.
    var waiter: CheckedContinuation<Bool, Never>?
    /// Bumped per wait, so that a late cancellation cannot resume a later waiter.
    var generation: UInt64 = 0
    var cancelled: UInt64?
  }

  let state = Mutex(State())

  package init() {}

  package func signal() {
    let waiter = state.withLock { s -> CheckedContinuation<Bool, Never>? in
      guard let w = s.waiter else {
        s.pending = true
        return nil
      }
      s.waiter = nil
      return w
    }
    waiter?.resume(returning: true)
  }

  /// Waits for a signal until `sleep` returns (it sleeps until a deadline on the caller's clock),
  /// or until the task is cancelled. Returns whether a signal came. Only one task may wait at a
  /// time.
  package func wait(sleep: @escaping @Sendable () async throws -> Void) async -> Bool {
    if state.withLock({ s in
      defer { s.pending = false }
      return s.pending
    }) {
      return true
    }
    return await withTaskGroup(of: Bool.self) { group in
      group.addTask {
        try? await sleep()
        return false
      }
      group.addTask { await self.waitForSignal() }
      var signalled = await group.next() ?? false
      group.cancelAll()
      // A signal that came as the deadline passed is not lost.
      for await s in group { signalled = signalled || s }
      return signalled
    }
  }

  /// Waits for a signal: `true` when one came, `false` when the task was cancelled first.
  func waitForSignal() async -> Bool {
    let generation = state.withLock { s -> UInt64 in
      s.generation += 1
      return s.generation
    }
    return await withTaskCancellationHandler {
      await withCheckedContinuation { (c: CheckedContinuation<Bool, Never>) in
        let now = state.withLock { s -> Bool? in
          if s.cancelled == generation { return false }
          if s.pending {
            s.pending = false
            return true
          }
          s.waiter = c
          return nil
        }
        if let now { c.resume(returning: now) }
      }
    } onCancel: {
      let waiter = state.withLock { s -> CheckedContinuation<Bool, Never>? in
        guard s.generation == generation else { return nil }
        guard let w = s.waiter else {
          s.cancelled = generation
          return nil
        }
        s.waiter = nil
        return w
      }
      waiter?.resume(returning: false)
    }
  }
}
