import Foundation

/// Runs blocking work (waiting for a child process, reading its output to the end) on a thread
/// of its own, so that a long test never holds one of the few threads every async test shares.
public func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
  try await withCheckedThrowingContinuation { continuation in
    Thread { continuation.resume(with: Result { try body() }) }.start()
  }
}
