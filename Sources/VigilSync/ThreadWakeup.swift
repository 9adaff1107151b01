import Dispatch
import Synchronization

/// A wake-up one thread waits for, with a timeout, and any thread sends: signals sent while
/// nobody waits are kept as one, so a waiter never misses work that came while it was busy.
///
/// ```swift
/// let arrived = ThreadWakeup()
/// // producer: commit, then
/// arrived.signal()
/// // consumer thread:
/// while running { _ = arrived.wait(timeoutMs: 1000); drainEverything() }
/// ```
package final class ThreadWakeup: Sendable {
  let pending = Atomic<Bool>(false)
  let semaphore = DispatchSemaphore(value: 0)

  package init() {}

  package func signal() {
    if !pending.exchange(true, ordering: .acquiringAndReleasing) { semaphore.signal() }
  }

  /// Waits for a signal for at most `timeoutMs`; returns whether one came. Work signalled before
  /// this returns is visible to what the caller does next.
  @discardableResult
  package func wait(timeoutMs: Int64) -> Bool {
    let signalled = semaphore.wait(timeout: .now() + .milliseconds(Int(clamping: timeoutMs))) == .success
    pending.store(false, ordering: .sequentiallyConsistent)
    return signalled
  }
}
