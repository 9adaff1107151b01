import Testing
import VigilCore
import VigilTestSupport

@testable import VigilStore

/// The bulk insert of calls keeps no statement journal (`INSERT OR FAIL`): a batch whose write
/// fails half-way through its calls, whether a statement refuses a row or the disk fills, must
/// leave nothing of itself behind (its calls, rollups, chunks and checkpoint are one transaction),
/// and the same batch must be stored whole once the cause is gone.
@Suite struct FailedWriteTests {
  static func batch(_ count: Int, from first: Int, boom: Int? = nil) throws -> IngestBatch {
    var batch = IngestBatch(source: "app.log")
    for k in first..<first + count {
      try batch.add(
        CallRecord(
          timestampMs: 1_795_600_800_000 + Int64(k) * 50, status: k % 7 == 0 ? 429 : 200,
          provider: "openai", model: "gpt-4o", latencyMs: Double(100 + k % 13), maxAttempts: 3,
          requestID: k == boom ? "boom" : "req_\(k)"))
    }
    batch.checkpoint = Checkpoint(
      fingerprint: "f", path: "app.log", device: 1, inode: 2, offset: Int64(first + count), lineNumber: 1)
    return batch
  }

  /// What a failed write must not change.
  static func state(_ store: Store) throws -> [Int64] {
    try [
      "SELECT count(*) FROM calls", "SELECT coalesce(max(id), 0) FROM calls", "SELECT count(*) FROM chunks",
      "SELECT coalesce(sum(attempts), 0) FROM rollups", "SELECT coalesce(max(offset), 0) FROM checkpoints",
    ].map { try store.connection.scalar($0) ?? -1 }
  }

  @Test func aBatchARowOfWhichIsRefusedStoresNothing() throws {
    let dir = TemporaryDirectory()
    let store = try Store(path: dir.file("v.db"))
    try store.write(try Self.batch(1_000, from: 0))
    let before = try Self.state(store)
    try store.connection.execute(
      """
      CREATE TEMP TRIGGER refuse BEFORE INSERT ON calls WHEN NEW.request_id = 'boom'
      BEGIN SELECT RAISE(FAIL, 'refused'); END
      """)
    let failing = try Self.batch(700, from: 1_000, boom: 1_300)
    #expect(throws: StoreError.self) { try store.write(failing) }
    #expect(try Self.state(store) == before)
    try store.connection.execute("DROP TRIGGER refuse")
    try store.write(failing)
    #expect(
      try Self.state(store) == [
        1_700, 1_700, try store.connection.scalar("SELECT count(*) FROM chunks")!, 1_700, 1_700,
      ])
    #expect(try store.connection.scalar("SELECT count(*) FROM calls WHERE request_id = 'boom'") == 1)
  }

  @Test func aDiskThatFillsHalfWayThroughABatchLeavesNothingOfIt() throws {
    let dir = TemporaryDirectory()
    let store = try Store(path: dir.file("v.db"))
    try store.write(try Self.batch(1_000, from: 0))
    let before = try Self.state(store)
    let pages = try store.connection.scalar("PRAGMA page_count") ?? 0
    try store.connection.execute("PRAGMA max_page_count = \(pages + 2)")
    let big = try Self.batch(20_000, from: 1_000)
    #expect(throws: StoreError.self) { try store.write(big) }
    #expect(!store.connection.inTransaction)
    #expect(try Self.state(store) == before)
    try store.connection.execute("PRAGMA max_page_count = 1000000")
    try store.write(big)
    let after = try Self.state(store)
    #expect(after[0] == 21_000 && after[1] == 21_000 && after[3] == 21_000 && after[4] == 21_000)
  }
}
