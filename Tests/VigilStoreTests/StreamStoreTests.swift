import Testing
import VigilCore
import VigilTestSupport

@testable import VigilStore

/// A streamed call's fields are kept in `detail` and shown by `call_log` (schema 9).
@Suite struct StreamStoreTests {
  @Test func theStreamFieldsComeBackThroughTheCallLogView() throws {
    let failed = try CallLogParser().parse(
      #"{"ts":1,"status":200,"provider":"anthropic","stream":true,"ttft_ms":412.5,"stream_outcome":"error_event","stream_error_type":"overloaded_error","error_after_ms":1830,"output_tokens_partial":57,"max_chunk_gap_ms":950}"#
    )
    var plain = CallRecord(timestampMs: 2_000, status: 200, provider: "openai", model: "gpt-4o")
    plain.stream = false
    for encodeFirst in [false, true] {
      let dir = TemporaryDirectory()
      let store = try Store(path: dir.file("v.db"))
      var batch = IngestBatch(source: "app.log")
      try batch.add(failed)
      try batch.add(plain)
      if encodeFirst { batch.encodeDetails() }
      try store.write(batch)
      let s = try store.connection.prepare(
        """
        SELECT stream, ttft_ms, stream_outcome, stream_error_type, error_after_ms, output_tokens_partial,
          max_chunk_gap_ms FROM call_log ORDER BY id
        """)
      #expect(try s.step())
      #expect(s.int64(0) == 1 && s.double(1) == 412.5 && s.text(2) == "error_event")
      #expect(
        s.text(3) == "overloaded_error" && s.double(4) == 1830 && s.int64(5) == 57 && s.double(6) == 950)
      #expect(try s.step())
      #expect(s.int64(0) == 0 && s.isNull(1) && s.isNull(2) && s.isNull(3) && s.isNull(5))
      // The failure is counted as the 529 it would have been without streaming.
      let row = try #require(
        try store.rollupRows(fromMs: 0, toMs: 10_000, latency: false).first {
          $0.series.provider == "anthropic"
        })
      #expect(row.rollup.errors == 1 && row.rollup.unavailable == 1 && row.rollup.count(of: .capacity) == 1)
    }
  }

  /// Schema 10: the stream counts and histograms are stored per rollup, merged with what a bucket
  /// holds, and read by rules through the store as through memory.
  @Test func streamCountsAndHistogramsAreStoredMergedAndEvaluated() throws {
    let dir = TemporaryDirectory()
    let store = try Store(path: dir.file("v.db"))
    let memory = InMemoryRollups()
    for half in 0..<2 {
      var batch = IngestBatch(source: "app.log")
      for k in 0..<30 {
        var r = CallRecord(
          timestampMs: 1_795_600_800_000 + Int64(k) * 1000 + Int64(half) * 500, status: 200,
          provider: "anthropic", latencyMs: 40_000)
        r.stream = true
        r.ttftMs = Double(400 + k * 10)
        r.streamOutcome = k % 3 == 0 ? .idleTimeout : .completed
        try batch.add(r)
        memory.add(r)
        try batch.add(
          CallRecord(
            timestampMs: r.timestampMs + 1, status: 200, provider: "anthropic", latencyMs: 2_000))
        memory.add(
          CallRecord(timestampMs: r.timestampMs + 1, status: 200, provider: "anthropic", latencyMs: 2_000))
      }
      try store.write(batch)
    }
    let stored = try store.rollups(fromMs: 0, toMs: .max)
    let fromMemory = try memory.rollups(fromMs: 0, toMs: .max, latency: true)
    let r = try #require(stored.values.first)
    let m = try #require(fromMemory.values.first)
    #expect(
      r.streamFailureClasses == m.streamFailureClasses && r.ttft == m.ttft
        && r.streamLatency == m.streamLatency)
    #expect(r.streams == 60 && r.streamFailures == 20 && r.streamFailures(of: .network) == 20)
    #expect(r.ttft.count == 60 && r.streamLatency.count == 60 && r.latency.count == 120)
    for metric in [
      MetricKind.ttftQuantile(0.95), .streamLatencyQuantile(0.99, streamed: false),
      .streamFailureRate(.network),
    ] {
      var rule = AlertRule(name: "R", metric: metric, threshold: 0, windowMs: 60_000)
      rule.groupBy = [.provider]
      let at: Int64 = 1_795_600_800_000 + 60_000
      let a = try Evaluator.evaluate(RuleSet(rules: [rule]), source: store, atMs: at, previous: [:])
      let b = try Evaluator.evaluate(RuleSet(rules: [rule]), source: memory, atMs: at, previous: [:])
      #expect(
        a.groups.first?.value != nil && a.groups.first?.value == b.groups.first?.value, "\(metric.name)")
    }
  }
}
