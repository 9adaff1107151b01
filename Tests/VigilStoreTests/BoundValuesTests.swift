import Testing
import VigilCore
import VigilTestSupport

@testable import VigilStore

/// The bulk insert binds a parameter only when its value differs from the one it held at the last
/// run (``BoundValues``). Calls whose fields come from small pools (so that values, NULLs and
/// their types repeat and change at the same parameter from run to run) must be stored exactly
/// as a store that binds every value of every call (one call per batch) stores them.
@Suite struct BoundValuesTests {
  static func calls(count: Int, seed: UInt64) -> [CallRecord] {
    var random = SeededRandom(seed: seed)
    func pick<T>(_ values: [T]) -> T { values.randomElement(using: &random)! }
    return (0..<count).map { k in
      var r = CallRecord(
        timestampMs: pick([1_795_600_800_000, 1_795_600_800_000 + Int64(k) * 13]),
        status: pick([200, 200, 429, 0]),
        provider: pick(["openai", "anthropic"]), model: pick(["a", "b"]),
        latencyMs: pick([nil, 900, 900.5, 0, -0.0, 1e-9]), attempt: pick([1, 1, 2]),
        maxAttempts: pick([nil, 3, 3]),
        retriesExhausted: pick([false, false, true]), requestID: pick([nil, "req_1", "req_2", ""]),
        promptTokens: pick([nil, 0, 10, 10]), completionTokens: pick([nil, 5, 5]))
      r.errorType = pick([nil, nil, "rate_limit_error"])
      r.stream = pick([nil, true, false])
      if r.stream != false {
        r.ttftMs = pick([nil, 5, 5.5, 86_400_000, 0.001])
        r.maxChunkGapMs = pick([nil, 5, 7.25])
        r.streamOutcome = pick([nil, .completed, .truncated])
      }
      return r
    }
  }

  static let columns = [
    "id", "ts", "series", "status", "latency_ms", "attempt", "max_attempts", "exhausted", "request_id",
    "prompt_tokens", "completion_tokens", "detail", "stream", "ttft_ms", "max_chunk_gap_ms",
  ]

  /// Every column of every stored call with its SQL type, in id order.
  static func stored(_ store: Store) throws -> [String] {
    let s = try store.connection.prepare(
      "SELECT " + columns.map { "quote(\($0)) || ':' || typeof(\($0))" }.joined(separator: " || ' ' || ")
        + " FROM calls ORDER BY id")
    var rows: [String] = []
    while try s.step() { rows.append(s.text(0) ?? "") }
    return rows
  }

  @Test func callsStoreAsWhenEveryValueIsBound() throws {
    let calls = Self.calls(count: 3_000, seed: 29)
    let dir = TemporaryDirectory()
    let bulk = try Store(path: dir.file("bulk.db"))
    let each = try Store(path: dir.file("each.db"))
    var at = 0
    // Batches of several bulk runs, of less than one, and of one and a remainder.
    for size in [1_000, 129, 7, 300, 128, 1_436] {
      var batch = IngestBatch(source: "app.log")
      for r in calls[at..<at + size] {
        try batch.add(r)
        var one = IngestBatch(source: "app.log")
        try one.add(r)
        try each.write(one)
      }
      try bulk.write(batch)
      at += size
    }
    #expect(at == calls.count)
    let got = try Self.stored(bulk)
    let want = try Self.stored(each)
    #expect(got.count == calls.count)
    #expect(got == want)
    // The pools reach each kind of value at the parameters that compare them.
    #expect(got.contains { $0.contains("NULL:null") } && got.contains { $0.contains(":real") })
  }
}
