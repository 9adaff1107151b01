import Foundation
import Testing
import VigilCore
import VigilStore
import VigilTestSupport

@testable import VigilIngest

/// The intake spool: what HTTP acknowledged waits there and reaches the database exactly once,
/// through the parser every line passes.
@Suite struct IntakeSpoolTests {
  static func calls(_ first: Int, _ n: Int) -> [CallRecord] {
    (first..<first + n).map {
      CallRecord(
        timestampMs: 1_800_000_000_000 + Int64($0) * 1000, status: $0 % 4 == 0 ? 503 : 200,
        provider: "openai",
        model: "gpt-4o", latencyMs: 120.5, requestID: "r\($0)", app: "bot")
    }
  }

  @Test func entriesAreStoredInOrderOnceEachWithTheirRejects() throws {
    let dir = TemporaryDirectory()
    let db = dir.file("v.db")
    let spool = try IntakeSpool(path: IntakeSpool.path(forDatabase: db))
    let reject = Reject(
      source: "otlp", offset: 0, lineNumber: nil, reason: RejectReason(.badValue, "1 of the request's items"),
      line: "")
    try spool.append(door: "otlp", source: "otlp", calls: Self.calls(0, 10), rejects: [reject])
    try spool.append(door: "otlp", source: "otlp", calls: Self.calls(10, 5), rejects: [])
    try spool.append(door: "litellm", source: "litellm", calls: Self.calls(15, 5), rejects: [])
    #expect(spool.pendingEntries == 3)
    let store = try Store(path: db)
    let drain = IntakeSpoolDrain(
      spool: try IntakeSpool(path: IntakeSpool.path(forDatabase: db)), store: store, observer: nil)
    #expect(try drain.drain(giveUp: { true }) == 3)
    #expect(try store.callCount() == 20)
    #expect(try store.connection.scalar("SELECT count(*) FROM call_log WHERE source = 'litellm'") == 5)
    #expect(try store.connection.scalar("SELECT count(*) FROM rejects WHERE source = 'otlp'") == 1)
    // Every field came through the spool as it went in.
    let back = try store.connection.prepare(
      "SELECT request_id, status, latency_ms, app FROM call_log WHERE request_id = 'r4'")
    #expect(try back.step() && back.int64(1) == 503 && back.double(2) == 120.5 && back.text(3) == "bot")
    // Nothing twice: a second drain finds nothing to do.
    #expect(try drain.drain(giveUp: { true }) == 0)
    #expect(try store.callCount() == 20)
    #expect(drain.pendingEntries == 0)
  }

  /// A crash after the calls were committed but before the spool forgot them: the checkpoint in
  /// the database says they are stored, so the next drain only removes them.
  @Test func entriesStoredBeforeACrashAreNotStoredAgain() throws {
    let dir = TemporaryDirectory()
    let db = dir.file("v.db")
    let spool = try IntakeSpool(path: IntakeSpool.path(forDatabase: db))
    try spool.append(door: "otlp", source: "otlp", calls: Self.calls(0, 10), rejects: [])
    try spool.append(door: "otlp", source: "otlp", calls: Self.calls(10, 10), rejects: [])
    let store = try Store(path: db)
    let drain = IntakeSpoolDrain(spool: spool, store: store, observer: nil)
    let entries = try spool.entries(after: 0, maxBytes: 1 << 20)
    // The first entry's commit, as the drain makes it, without the removal that follows.
    try IntakeWriter(store: store, door: "otlp").write(drain.batch(of: entries[0..<1]))
    #expect(try store.callCount() == 10)
    let restarted = IntakeSpoolDrain(
      spool: try IntakeSpool(path: IntakeSpool.path(forDatabase: db)), store: try Store(path: db),
      observer: nil)
    #expect(try restarted.drain(giveUp: { true }) == 1)
    #expect(try store.callCount() == 20)
    #expect(try store.connection.scalar("SELECT count(DISTINCT request_id) FROM call_log") == 20)
  }

  /// A spool file deleted and made anew starts its numbering again: it has an identity of its
  /// own, so the old spool's checkpoint does not hide its entries.
  @Test func aNewSpoolFileIsNotSkippedByTheOldOnesCheckpoint() throws {
    let dir = TemporaryDirectory()
    let db = dir.file("v.db")
    let path = IntakeSpool.path(forDatabase: db)
    let store = try Store(path: db)
    do {
      let old = try IntakeSpool(path: path)
      for k in 0..<5 {
        try old.append(door: "otlp", source: "otlp", calls: Self.calls(k * 2, 2), rejects: [])
      }
      #expect(try IntakeSpoolDrain(spool: old, store: store, observer: nil).drain(giveUp: { true }) == 5)
    }
    for suffix in ["", "-wal", "-shm"] { unlink(path + suffix) }
    let fresh = try IntakeSpool(path: path)
    try fresh.append(door: "otlp", source: "otlp", calls: Self.calls(100, 3), rejects: [])
    #expect(try IntakeSpoolDrain(spool: fresh, store: store, observer: nil).drain(giveUp: { true }) == 1)
    #expect(try store.callCount() == 13)
  }

  @Test func aFullSpoolRefusesUntilTheDrainCatchesUp() throws {
    let dir = TemporaryDirectory()
    let db = dir.file("v.db")
    let spool = try IntakeSpool(path: IntakeSpool.path(forDatabase: db), maxPendingBytes: 4000)
    var accepted = 0
    while (try? spool.append(door: "otlp", source: "otlp", calls: Self.calls(accepted * 10, 10), rejects: []))
      != nil
    {
      accepted += 1
    }
    #expect(accepted >= 1 && accepted < 10)
    #expect(throws: IntakeSpool.Full.self) {
      try spool.append(door: "otlp", source: "otlp", calls: Self.calls(0, 1), rejects: [])
    }
    // Another connection drains it; the appender sees the room at once.
    let drain = IntakeSpoolDrain(
      spool: try IntakeSpool(path: IntakeSpool.path(forDatabase: db)), store: try Store(path: db),
      observer: nil)
    #expect(try drain.drain(giveUp: { true }) == accepted)
    try spool.append(door: "otlp", source: "otlp", calls: Self.calls(0, 1), rejects: [])
  }
}
