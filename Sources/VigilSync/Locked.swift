#if canImport(Glibc)
  import Glibc
#endif

/// State guarded by a mutex, with a condition variable to wait on: the one lock-and-wait
/// primitive of Vigil's threads (queues between parser and writer threads, the UDP backlog, the
/// WAL checkpointer).
///
/// The pthread mutex and condition live in memory of their own, allocated once and never moved:
/// Swift gives no stable address to a stored `pthread_mutex_t` (`&mutex` may point at a copy), and
/// a mutex must not move while in use. (SwiftNIO's locks are built the same way.)
///
/// ```swift
/// let queue = Locked([Int]())
/// queue.withLock { $0.append(1); queue.signal() }
/// let first = queue.wait(until: { !$0.isEmpty }) { $0.removeFirst() }
/// ```
package final class Locked<State>: @unchecked Sendable {
  // Every access to `state` is under `mutex`: that is what makes this class safe to share.
  private let mutex: UnsafeMutablePointer<pthread_mutex_t>
  private let condition: UnsafeMutablePointer<pthread_cond_t>
  private var state: State

  package init(_ state: State) {
    self.state = state
    mutex = .allocate(capacity: 1)
    mutex.initialize(to: pthread_mutex_t())
    pthread_mutex_init(mutex, nil)
    condition = .allocate(capacity: 1)
    condition.initialize(to: pthread_cond_t())
    pthread_cond_init(condition, nil)
  }

  deinit {
    pthread_cond_destroy(condition)
    condition.deallocate()
    pthread_mutex_destroy(mutex)
    mutex.deallocate()
  }

  /// Runs `body` with the state, under the lock.
  package func withLock<T>(_ body: (inout State) throws -> T) rethrows -> T {
    pthread_mutex_lock(mutex)
    defer { pthread_mutex_unlock(mutex) }
    return try body(&state)
  }

  /// Waits (releasing the lock while it waits) until `ready` holds, then runs `body` under the lock.
  package func wait<T>(until ready: (State) -> Bool, then body: (inout State) throws -> T) rethrows -> T {
    pthread_mutex_lock(mutex)
    defer { pthread_mutex_unlock(mutex) }
    while !ready(state) { pthread_cond_wait(condition, mutex) }
    return try body(&state)
  }

  /// Wakes one waiter. Call it after changing the state (inside or after `withLock`).
  package func signal() { pthread_cond_signal(condition) }

  /// Wakes every waiter.
  package func broadcast() { pthread_cond_broadcast(condition) }
}
