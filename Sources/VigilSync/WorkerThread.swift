#if canImport(Glibc)
  import Glibc
#endif

/// A thread of its own for blocking work (parsing, reading files, the UDP socket, SQLite), so that
/// it never holds one of the few threads Swift's cooperative pool has: the one worker-thread type
/// of Vigil.
package final class WorkerThread: Sendable {
  // Written once, by init, before any other thread can see it.
  nonisolated(unsafe) private var thread = pthread_t()
  private let body: @Sendable () -> Void

  /// Starts `body` on a new thread.
  package init(_ body: @escaping @Sendable () -> Void) {
    self.body = body
    let box = Unmanaged.passRetained(self)
    pthread_create(
      &thread, nil,
      { arg in
        let worker = Unmanaged<WorkerThread>.fromOpaque(arg!).takeRetainedValue()
        worker.body()
        return nil
      }, box.toOpaque())
  }

  /// Waits for the thread to finish. Call it once.
  package func join() { pthread_join(thread, nil) }

  /// Runs `body` on a thread of its own; the caller waits without blocking a thread.
  package static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
      _ = WorkerThread { continuation.resume(with: Result { try body() }) }
    }
  }
}
