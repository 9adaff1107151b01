import VigilCore
import VigilSync

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
