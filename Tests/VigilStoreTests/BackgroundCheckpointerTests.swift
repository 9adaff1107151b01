import Testing
import VigilCore
import VigilTestSupport

@testable import VigilStore

@Suite struct BackgroundCheckpointerTests {
  /// Frames in the WAL and frames already copied into the database, as a fresh connection sees them.
  func walState(_ path: String) throws -> (log: Int64, copied: Int64) {
    let probe = try SQLiteConnection(path: path)
    let s = try probe.prepare("PRAGMA wal_checkpoint(NOOP)")
    _ = try s.step()
    return (s.int64(1), s.int64(2))
  }

  @Test func commitsAskAndAnotherThreadCopiesTheWALIntoTheDatabase() throws {
    let dir = TemporaryDirectory()
    let path = dir.file("v.db")
    let store = try Store(path: path)
    let checkpointer = try BackgroundCheckpointer(store: store, frames: 8, restartFrames: 64)
    // Built first and written back to back, as a bulk import does: the next transaction begins
    // before the checkpoint that its predecessor asked for has finished.
    let batches = try (0..<40).map { b in
      var batch = IngestBatch(source: "a")
      for k in 0..<2_000 {
        try batch.add(
          CallRecord(timestampMs: Int64(b * 2_000 + k), status: 200, requestID: "request-\(b)-\(k)"))
      }
      return batch
    }
    for batch in batches { try store.write(batch) }
    checkpointer.stop()
    #expect(checkpointer.runs > 0)
    // Everything is readable, and what the checkpoints copied no longer waits in the WAL.
    #expect(try store.callCount() == 80_000)
    let state = try walState(path)
    #expect(state.copied > 0)
    // The WAL started over on the way: it holds far fewer frames than were written (over 400).
    #expect(state.log < 150)
    // Stopped: commits checkpoint by themselves again (SQLite's automatic checkpoint at 4,000 frames).
    let runs = checkpointer.runs
    try store.write(IngestBatch(source: "a"))
    #expect(checkpointer.runs == runs)
  }
}
