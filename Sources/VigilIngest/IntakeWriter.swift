import VigilCore
package import VigilStore

#if canImport(Glibc)
  import Glibc
#endif

/// What intake tells whoever watches it: serve's counters, readiness and log. A one-shot import
/// watches nothing (its summary comes from the importer's own counts).
package protocol IntakeObserver: Sendable {
  /// `batch` was committed; `door` is the way it came in (`file`, `udp`, `otlp`, `litellm`).
  func stored(_ batch: IngestBatch, door: String)
  /// A write through `door` failed, the `failuresInARow`th in a row, with the lines it held
  /// (nothing is skipped: they are written first when writes work again). A log says the first
  /// of a run, not every retry.
  func writeFailed(door: String, error: any Error, heldLines: Int64, failuresInARow: Int)
  /// Writes through `door` work again after `failures` failed attempts.
  func writeRecovered(door: String, failures: Int)
}

/// The one way calls reach the database, whatever their door: commits a batch (calls, rollups,
/// rejects and its checkpoint in one transaction), counts it, and tells the observer. Files
/// (followers and one-shot imports), UDP and the intake spool's drain each write through one.
///
/// One writer is one connection, used by one thread at a time, like its ``Store``.
///
/// ```swift
/// let writer = IntakeWriter(store: try Store(path: "vigil.db"), door: "file", observer: counters)
/// try writer.write(batch)
/// ```
package final class IntakeWriter: IngestSink {
  package let store: Store
  /// The door the calls come through (`file`, `udp`, `otlp`, `litellm`): what they are counted as.
  package let door: String
  let observer: (any IntakeObserver)?
  let nowMs: @Sendable () -> Int64
  /// Failed writes in a row.
  package private(set) var failures = 0

  package init(
    store: Store, door: String, observer: (any IntakeObserver)? = nil,
    nowMs: @escaping @Sendable () -> Int64 = WallClock.nowMs
  ) {
    self.store = store
    self.door = door
    self.observer = observer
    self.nowMs = nowMs
  }

  package func checkpoint(fingerprint: String) throws -> Checkpoint? {
    try store.checkpoint(fingerprint: fingerprint)
  }

  /// Commits `batch` and counts it: one attempt.
  package func write(_ batch: IngestBatch) throws {
    do {
      try store.write(batch, nowMs: nowMs())
    } catch {
      failures += 1
      observer?.writeFailed(
        door: door, error: error, heldLines: Int64(batch.calls.count + batch.rejects.count),
        failuresInARow: failures)
      throw error
    }
    if failures > 0 { observer?.writeRecovered(door: door, failures: failures) }
    failures = 0
    observer?.stored(batch, door: door)
  }

  /// Commits `batch`, trying again with a backoff that doubles from 10 ms to 1 s while the
  /// database refuses it (locked by another process, its disk full), until it is stored or
  /// `giveUp()` says to stop trying. Returns whether it was stored.
  package func commit(_ batch: IngestBatch, giveUp: () -> Bool) -> Bool {
    var delayUs: UInt32 = 10_000
    while true {
      if (try? write(batch)) != nil { return true }
      if giveUp() { return false }
      usleep(delayUs)
      delayUs = min(delayUs * 2, 1_000_000)
    }
  }
}
