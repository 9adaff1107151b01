import Testing
import VigilCore
import VigilTestSupport

@testable import VigilStore

/// The store's faster reads for evaluation against the plain ones they replace: rollups summed per
/// series id against rows merged by series, and source activity from chunks cut at 10 s buckets
/// against the calls themselves. Random traffic, random windows, both ways alike.
@Suite struct EvaluationReadsTests {
  /// The plain sums, from 10 s rollup rows (the protocol's own implementations).
  typealias Plain = RequestCountsTests.Plain

  static func randomCall(_ random: inout SeededRandom, atMs ms: Int64) -> CallRecord {
    var call = CallRecord(
      timestampMs: ms, status: [200, 200, 200, 429, 503, 500, 400, 401][Int(random.next() % 8)],
      provider: ["openai", "anthropic", "google"][Int(random.next() % 3)],
      model: ["a", "b"][Int(random.next() % 2)], latencyMs: Double(random.next() % 20_000) / 3,
      attempt: Int(random.next() % 2) + 1, maxAttempts: 2, promptTokens: Int64(random.next() % 900))
    if call.status == 200 && random.next() % 2 == 0 {
      call.stream = true
      call.ttftMs = Double(random.next() % 5000 + 1) / 7
      call.streamOutcome = [.completed, .completed, .errorEvent, .truncated][Int(random.next() % 4)]
      if call.streamOutcome == .errorEvent { call.streamErrorType = "overloaded_error" }
    }
    return call
  }

  @Test func rollupsPerSeriesEqualThePlainMergeOverRandomWindows() throws {
    let dir = TemporaryDirectory()
    let store = try Store(path: dir.file("v.db"))
    var random = SeededRandom(seed: 31)
    let hours: Int64 = 3
    // Batches out of order and late lines: buckets merged across writes.
    for _ in 0..<12 {
      var batch = IngestBatch(source: "gen")
      for _ in 0..<800 {
        try batch.add(Self.randomCall(&random, atMs: Int64(random.next() % UInt64(hours * 3_600_000))))
      }
      try store.write(batch)
    }
    let plain = Plain(store: store)
    for k in 0..<60 {
      let to = Int64(random.next() % UInt64(hours * 360 + 10)) * 10_000
      let from = max(0, to - Int64(random.next() % 900) * 10_000)
      let latency = k % 2 == 0
      let fast = try store.rollups(fromMs: from, toMs: to, latency: latency)
      let expected = try plain.rollups(fromMs: from, toMs: to, latency: latency)
      #expect(fast == expected, "window [\(from), \(to)) latency \(latency)")
    }
  }

  /// Chunks are cut where a batch enters a later bucket once they hold enough calls; the calls and
  /// last call per source are exactly those of the stretch, whether a batch is in time order, out
  /// of it, dense (a chunk per bucket) or sparse (many buckets a chunk), at any edge.
  @Test func sourceActivityFromCutChunksIsTheCallsOfTheStretch() throws {
    let dir = TemporaryDirectory()
    let store = try Store(path: dir.file("v.db"))
    var random = SeededRandom(seed: 43)
    var written: [String: [Int64]] = [:]
    var batches = 0
    for (source, rate, shuffled) in [
      ("/var/log/dense.jsonl", 400, false), ("/var/log/sparse.jsonl", 3, false),
      ("udp:127.0.0.1:9515", 150, true),
    ] {
      var ms: Int64 = Int64(random.next() % 50_000)
      for _ in 0..<4 {
        var times: [Int64] = []
        for _ in 0..<3000 {
          ms += Int64(random.next() % UInt64(2000 / rate + 1))
          times.append(ms)
        }
        if shuffled {
          // Lines a little out of time order, as several writers to one socket send them.
          for i in times.indices { times.swapAt(i, min(times.count - 1, i + Int(random.next() % 40))) }
        }
        var batch = IngestBatch(source: source)
        for t in times { try batch.add(Self.randomCall(&random, atMs: t)) }
        try store.write(batch)
        batches += 1
        written[source, default: []] += times
      }
    }
    let chunks = try store.connection.scalar("SELECT count(*) FROM chunks") ?? 0
    #expect(chunks > Int64(batches), "a dense batch is cut into several chunks")
    // In time order, a chunk of more than a few calls is one bucket's: a window on bucket edges
    // counts no call of it one by one.
    let straddling = try store.connection.scalar(
      """
      SELECT count(*) FROM chunks k JOIN sources o ON o.id = k.source
      WHERE o.name NOT LIKE 'udp:%' AND k.last_call - k.first_call + 1 > \(Store.maxJoinedCalls)
        AND k.min_ts / 10000 != k.max_ts / 10000
      """)
    #expect(straddling == 0)
    let end = written.values.flatMap { $0 }.max()! + 20_000
    for k in 0..<300 {
      // Windows on bucket edges, as the evaluator asks, and at any millisecond, as the API does.
      var to = Int64(random.next() % UInt64(end))
      var from = max(0, to - Int64(random.next() % 600_000))
      if k % 2 == 0 { (from, to) = (RollupKey.bucket(of: from), RollupKey.bucket(of: to)) }
      var expected: [SourceActivity] = []
      for (source, times) in written {
        let inside = times.filter { $0 >= from && $0 < to }
        if let last = inside.max() {
          expected.append(SourceActivity(source: source, calls: Int64(inside.count), lastCallMs: last))
        }
      }
      let got = try store.sourceActivity(fromMs: from, toMs: to).sorted { $0.source < $1.source }
      #expect(got == expected.sorted { $0.source < $1.source }, "window [\(from), \(to))")
    }
  }
}
