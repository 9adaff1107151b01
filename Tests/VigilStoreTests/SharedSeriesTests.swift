import Testing
import VigilCore
import VigilTestSupport

@testable import VigilStore

/// Several writers on one database (serve's inputs each hold a connection; `vigil check` or
/// `ingest` from cron opens another): a series or source that another connection created first
/// is found, not inserted again.
@Suite struct SharedSeriesTests {
  func batch(_ source: String, _ ms: Int64, provider: String = "openai", model: String = "gpt-4o") throws
    -> IngestBatch
  {
    var b = IngestBatch(source: source)
    try b.add(CallRecord(timestampMs: ms, status: 200, provider: provider, model: model, latencyMs: 100))
    return b
  }

  @Test func aSeriesAnotherConnectionCreatedFirstIsFound() throws {
    let dir = TemporaryDirectory()
    let udp = try Store(path: dir.file("v.db"))
    let file = try Store(path: dir.file("v.db"))
    // UDP stores openai/gpt-4o first; the follower's connection has never seen it.
    try udp.write(batch("udp:127.0.0.1:9515", 1_000))
    for k in 1...3 { try file.write(batch("app.jsonl", 1_000 + Int64(k) * 10_000)) }
    try udp.write(batch("udp:127.0.0.1:9515", 50_000))
    #expect(try file.connection.scalar("SELECT count(*) FROM calls") == 5)
    #expect(try file.connection.scalar("SELECT count(*) FROM series") == 1)
    #expect(try file.connection.scalar("SELECT sum(attempts) FROM rollups") == 5)
  }

  @Test func aSourceAnotherConnectionCreatedFirstIsFound() throws {
    let dir = TemporaryDirectory()
    let one = try Store(path: dir.file("v.db"))
    let two = try Store(path: dir.file("v.db"))
    try one.write(batch("otlp", 1_000))
    try two.write(batch("otlp", 2_000, model: "gpt-4o-mini"))
    #expect(try two.connection.scalar("SELECT count(*) FROM sources") == 1)
    #expect(try two.connection.scalar("SELECT count(*) FROM calls") == 2)
  }

  /// A write that fails after creating a series rolls the series back with it: the connection must
  /// not keep the rolled-back id, or a later series takes that id and rows are filed under both.
  @Test func aRolledBackSeriesIsNotRemembered() throws {
    let dir = TemporaryDirectory()
    let store = try Store(path: dir.file("v.db"))
    store.beforeWrite = nil
    var failing = try batch("app.jsonl", 1_000, provider: "anthropic", model: "claude")
    // A checkpoint whose insert fails (NOT NULL path) makes the transaction roll back after the
    // series was inserted.
    failing.checkpoint = Checkpoint(
      fingerprint: "f", path: "p", device: 0, inode: 0, offset: 1, lineNumber: 1)
    try store.connection.execute(
      "CREATE TEMP TRIGGER refuse BEFORE INSERT ON checkpoints BEGIN SELECT RAISE(ABORT, 'refused'); END")
    #expect(throws: StoreError.self) { try store.write(failing) }
    try store.connection.execute("DROP TRIGGER refuse")
    #expect(try store.connection.scalar("SELECT count(*) FROM series") == 0)
    try store.write(batch("app.jsonl", 2_000, provider: "openai", model: "gpt-4o"))
    try store.write(failing)
    let rows = try store.connection.prepare(
      "SELECT s.provider, count(*) FROM calls c JOIN series s ON s.id = c.series GROUP BY s.provider ORDER BY 1"
    )
    var seen: [String: Int64] = [:]
    while try rows.step() { seen[rows.text(0) ?? ""] = rows.int64(1) }
    #expect(seen == ["anthropic": 1, "openai": 1])
  }
}
