import Dispatch
import VigilCore

/// An executor that runs its jobs one at a time on a dispatch queue of its own: the threads of
/// Swift's cooperative pool (one per core) never wait on SQLite, whatever an actor on it does.
package final class QueueExecutor: SerialExecutor, Sendable {
  let queue: DispatchQueue

  package init(label: String) { queue = DispatchQueue(label: label) }

  package func enqueue(_ job: consuming ExecutorJob) {
    let job = UnownedJob(job)
    queue.async { job.runSynchronously(on: self.asUnownedSerialExecutor()) }
  }

  package func asUnownedSerialExecutor() -> UnownedSerialExecutor { UnownedSerialExecutor(ordinary: self) }
}

/// One database connection for async code: every call runs on the connection's own serial
/// executor, off the cooperative pool, one at a time (a connection is used by one thread at a
/// time). The daemon's evaluation loop, HTTP handlers and retention each have one.
///
/// ```swift
/// let db = try SerialStore(path: "vigil.db", label: "vigil-http")
/// let rejects = try await db.run { try $0.rejects(limit: 50) }
/// ```
package actor SerialStore {
  let executor: QueueExecutor
  let store: Store

  package nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

  package init(path: String, busyTimeoutMs: Int32 = VigilDefaults.busyTimeoutMs, label: String) throws {
    executor = QueueExecutor(label: label)
    store = try Store(path: path, busyTimeoutMs: busyTimeoutMs)
  }

  /// Runs `body` with the connection, on its executor.
  package func run<T: Sendable>(_ body: (Store) throws -> T) throws -> T { try body(store) }
}
