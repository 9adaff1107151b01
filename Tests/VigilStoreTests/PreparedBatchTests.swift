import Testing
import VigilCore
import VigilTestSupport

@testable import VigilStore

/// Parser threads prepare a batch for the store (its details encoded, its calls cut into chunks,
/// its rollups' columns encoded: ``IngestBatch/prepare()``, ``IngestBatch/encodeRollups()``) so
/// that the writing thread does not. A prepared batch must be stored
/// exactly as the store stores one it prepares itself, and a call added after preparing must not
/// be left out of the chunks.
@Suite struct PreparedBatchTests {
  /// Calls over some minutes, mostly in order, some late and some early, a few with details.
  static func batch(seed: UInt64, count: Int) throws -> IngestBatch {
    var random = SeededRandom(seed: seed)
    var batch = IngestBatch(source: "app.log")
    var t: Int64 = 1_795_600_800_000
    for _ in 0..<count {
      t += Int64.random(in: 0...40, using: &random)
      let jitter =
        Int.random(in: 0..<20, using: &random) == 0 ? Int64.random(in: -30_000...30_000, using: &random) : 0
      var r = CallRecord(
        timestampMs: t + jitter, status: [200, 200, 429].randomElement(using: &random)!,
        provider: ["openai", "anthropic"].randomElement(using: &random)!, latencyMs: 100)
      if r.status == 429 { r.retryAfterS = 2 }
      if r.status == 200 && Bool.random(using: &random) {
        r.stream = true
        r.ttftMs = Double.random(in: 50...900, using: &random)
        if Int.random(in: 0..<10, using: &random) == 0 {
          r.streamOutcome = .errorEvent
          r.streamErrorType = "overloaded_error"
        }
      }
      try batch.add(r)
    }
    return batch
  }

  static func stored(_ store: Store) throws -> [String] {
    var rows: [String] = []
    let queries = [
      ("SELECT id, first_call, last_call, min_ts, max_ts, source FROM chunks ORDER BY id", 6),
      ("SELECT id, ts, detail FROM calls ORDER BY id", 3),
      (
        """
        SELECT bucket, series, attempts, latency_sum, hex(latency), hex(codes), hex(stream_failure_classes),
          hex(ttft), hex(stream_latency), streams FROM rollups ORDER BY bucket, series
        """, 10
      ),
    ]
    for (sql, columns) in queries {
      let s = try store.connection.prepare(sql)
      while try s.step() {
        rows.append((0..<Int32(columns)).map { s.text($0) ?? "NULL" }.joined(separator: " "))
      }
    }
    return rows
  }

  @Test func aPreparedBatchIsStoredAsOneTheStorePrepares() throws {
    let dir = TemporaryDirectory()
    let prepared = try Store(path: dir.file("prepared.db"))
    let plain = try Store(path: dir.file("plain.db"))
    for (seed, count) in [(1, 1), (2, 5_000), (3, 1_025), (4, 20_000)] as [(UInt64, Int)] {
      let batch = try Self.batch(seed: seed, count: count)
      var early = batch
      early.prepare()
      early.encodeRollups()
      #expect(early.prepared && early.rollupsEncoded && early.pieces.count > (count > 2_000 ? 2 : 0))
      try prepared.write(early)
      try plain.write(batch)
    }
    // A call added after preparing: the pieces no longer cover the batch, and the store cuts it
    // again.
    var late = try Self.batch(seed: 5, count: 3_000)
    late.prepare()
    late.encodeRollups()
    try late.add(CallRecord(timestampMs: 1_795_700_000_000, status: 200))
    #expect(!late.prepared && !late.rollupsEncoded)
    try prepared.write(late)
    var whole = try Self.batch(seed: 5, count: 3_000)
    try whole.add(CallRecord(timestampMs: 1_795_700_000_000, status: 200))
    try plain.write(whole)
    let got = try Self.stored(prepared)
    #expect(got.count > 29_000)
    #expect(got == (try Self.stored(plain)))
  }
}
