import Testing
import VigilCore
import VigilTestSupport

@testable import VigilStore

/// The store reads SLO windows from minute and hour tiers; they must add up to the same counts as
/// the 10 s rollups, at every edge.
@Suite struct RequestCountsTests {
  /// The plain sums, from 10 s rollups.
  struct Plain: RollupSource {
    let store: Store
    func rollupRows(fromMs: Int64, toMs: Int64, latency: Bool) throws -> [RollupRow] {
      try store.rollupRows(fromMs: fromMs, toMs: toMs, latency: latency)
    }
  }

  @Test func tieredCountsEqualTheRollupsAtEveryEdge() throws {
    let dir = TemporaryDirectory()
    let store = try Store(path: dir.file("v.db"))
    var random = SeededRandom(seed: 7)
    // Three days and a bit of calls, written out of order in batches (late lines too).
    for _ in 0..<60 {
      var batch = IngestBatch(source: "gen")
      for _ in 0..<2000 {
        let ms = Int64(random.next() % (80 * 3_600_000))
        // 499s (cancelled) leave the SLI: each takes its request out, in every tier alike.
        let status = [200, 200, 200, 503, 429, 500, 401, 499][Int(random.next() % 8)]
        try batch.add(
          CallRecord(
            timestampMs: ms, status: status, provider: ["openai", "anthropic"][Int(random.next() % 2)],
            attempt: Int(random.next() % 2) + 1, maxAttempts: 2))
      }
      try store.write(batch)
    }
    let plain = Plain(store: store)
    for _ in 0..<40 {
      let to = Int64(random.next() % (80 * 360)) * 10_000
      let starts = (0..<5).map { _ in max(0, to - Int64(random.next() % (80 * 360)) * 10_000) }
      let tiered = try store.requestCounts(starts: starts, toMs: to)
      let expected = try plain.requestCounts(starts: starts, toMs: to)
      for start in starts {
        #expect(
          (tiered[start] ?? [:]).filter { $0.value != RequestCounts() } == (expected[start] ?? [:]),
          "window [\(start), \(to))")
      }
    }
  }

  /// "Time since the last call" reads request activity from the minute tier and the edges; on
  /// sparse traffic (series silent for minutes, windows at any 10 s edge) it must agree with the
  /// 10 s rollups, requests and last request alike.
  @Test func requestActivityEqualsTheRollupsAtEveryEdge() throws {
    let dir = TemporaryDirectory()
    let store = try Store(path: dir.file("v.db"))
    var random = SeededRandom(seed: 11)
    let hours: Int64 = 6
    for _ in 0..<6 {
      var batch = IngestBatch(source: "gen")
      for _ in 0..<300 {
        let ms = Int64(random.next() % UInt64(hours * 3_600_000))
        try batch.add(
          CallRecord(
            timestampMs: ms, status: 200,
            provider: ["openai", "anthropic", "google", "groq", "mistral"][
              Int(random.next() % 5)], attempt: Int(random.next() % 3) + 1, maxAttempts: 3))
      }
      try store.write(batch)
    }
    let plain = Plain(store: store)
    for _ in 0..<200 {
      let to = Int64(random.next() % UInt64(hours * 360)) * 10_000
      let from = max(0, to - Int64(random.next() % 720) * 10_000)
      let tiered = try store.requestActivity(fromMs: from, toMs: to)
      let expected = try plain.requestActivity(fromMs: from, toMs: to)
      #expect(tiered == expected, "window [\(from), \(to))")
    }
  }

  /// How much of an SLO window a young series' history covers: the first request per series from
  /// the tiers is the minute of the one the 10 s rollups say (or its bucket, at the edges), for
  /// windows of any length and edge; rollups in memory say the bucket.
  @Test func firstRequestsFromTheTiersAreTheRollupsToTheMinute() throws {
    let dir = TemporaryDirectory()
    let store = try Store(path: dir.file("v.db"))
    var random = SeededRandom(seed: 23)
    let hours: Int64 = 30
    var batch = IngestBatch(source: "gen")
    let memory = InMemoryRollups()
    for i in 0..<3000 {
      // Providers that start at different times: a later one has a younger history.
      let provider = ["openai", "anthropic", "google", "groq"][i % 4]
      let startS = [0, 3 * 3600, 20 * 3600 + 1234, 29 * 3600 + 77][i % 4]
      let ms = Int64(startS) * 1000 + Int64(random.next() % UInt64(hours * 3_600_000 - Int64(startS) * 1000))
      let call = CallRecord(
        timestampMs: ms, status: 200, provider: provider, attempt: Int(random.next() % 2) + 1)
      try batch.add(call)
      memory.add(call)
    }
    try store.write(batch)
    let plain = Plain(store: store)
    for _ in 0..<200 {
      let to = Int64(random.next() % UInt64(hours * 360)) * 10_000
      let from = max(0, to - Int64(random.next() % UInt64(hours * 360)) * 10_000)
      let tiered = try store.firstRequests(fromMs: from, toMs: to)
      let expected = try plain.firstRequests(fromMs: from, toMs: to)
      // Backtests' rollups in memory answer from their index, exactly.
      #expect(try memory.firstRequests(fromMs: from, toMs: to) == expected, "window [\(from), \(to))")
      #expect(Set(tiered.keys) == Set(expected.keys), "window [\(from), \(to))")
      for (series, ms) in expected {
        let got = tiered[series] ?? -1
        #expect(
          got >= from && (got == ms || got == RequestTier.minute.start(of: ms)),
          "window [\(from), \(to)) \(series.provider): \(got) for \(ms)")
      }
    }
  }
}
