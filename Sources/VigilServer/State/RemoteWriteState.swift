import Synchronization

/// Each remote-write receiver's state since start, for `/metrics` and `/api/remote_write`.
package final class RemoteWriteState: Sendable {
  package struct Receiver: Sendable, Equatable {
    package var name: String
    /// The URL as configured (credentials are never in it: the loader refuses them).
    package var url: String
    /// `starting`, `up` (sending as due), `backfilling` (catching up), `retrying` (the receiver
    /// failed; the same samples go again), `failing` (several retries in a row).
    package var state = "starting"
    package var ackedMs: Int64?
    package var lagMs: Int64 = 0
    /// Samples by result: `sent`, `retried`, `dropped`, `too_old`, `skipped`.
    package var samples: [String: Int64] = [:]
    package var lastError: String?
    package var lastSuccessMs: Int64?
    package var nextAttemptMs: Int64?
    package var failuresInRow = 0
  }

  let receivers = Mutex([String: Receiver]())

  package init() {}

  package var snapshot: [Receiver] { receivers.withLock { $0.values.sorted { $0.name < $1.name } } }

  func update(_ name: String, url: String, _ change: (inout Receiver) -> Void) {
    receivers.withLock { r in
      var current = r[name] ?? Receiver(name: name, url: url)
      change(&current)
      r[name] = current
    }
  }
}
