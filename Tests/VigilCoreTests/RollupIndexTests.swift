import Testing

@testable import VigilCore

/// A backtest's rollups answer each step by binary search over an index (``RollupIndex``): every
/// answer must be the one a pass over every bucket gives, at any edge, after any change.
@Suite struct RollupIndexTests {
  /// The same buckets read by a pass over all of them (the protocol's plain answers).
  struct Plain: RollupSource {
    let data: InMemoryRollups
    func rollupRows(fromMs: Int64, toMs: Int64, latency: Bool) throws -> [RollupRow] {
      var out: [RollupRow] = []
      for (bucket, series) in data.buckets where bucket >= fromMs && bucket < toMs {
        for (key, r) in series { out.append(RollupRow(bucketMs: bucket, series: key, rollup: r)) }
      }
      return out
    }
  }

  static func sorted(_ rows: [RollupRow]) -> [RollupRow] {
    rows.sorted { ($0.bucketMs, $0.series) < ($1.bucketMs, $1.series) }
  }

  static func same(_ a: [RollupRow], _ b: [RollupRow]) -> Bool {
    let (a, b) = (sorted(a), sorted(b))
    return a.count == b.count
      && zip(a, b).allSatisfy {
        $0.bucketMs == $1.bucketMs && $0.series == $1.series && $0.rollup == $1.rollup
      }
  }

  @Test func everyAnswerIsThatOfAPassOverEveryBucket() throws {
    let data = InMemoryRollups()
    let plain = Plain(data: data)
    var random = SeededRandom(seed: 22)
    let span: Int64 = 30 * 3_600_000
    for round in 0..<3 {
      // Sparse series (silent for hours), retries, rate-limit headers on some calls; a change
      // after questions were asked must be seen by the next ones.
      for _ in 0..<3000 {
        let ms = Int64(random.next() % UInt64(span)) - 3_600_000
        let provider = ["openai", "anthropic", "google"][Int(random.next() % 3)]
        guard provider != "google" || ms % 7 == 0 else { continue }
        var call = CallRecord(
          timestampMs: ms, status: [200, 200, 503, 429, 499][Int(random.next() % 5)], provider: provider,
          attempt: Int(random.next() % 3) + 1, maxAttempts: 3)
        if random.next() % 4 == 0 { call.rateLimitRemainingRequests = Int64(random.next() % 100) }
        data.add(call)
      }
      // Eight questions a round: each is a pass over every bucket for the plain answer, and the
      // test holds one of the two threads every test shares (thirty took 97 s in a full run).
      for _ in 0..<8 {
        let to = Int64(random.next() % UInt64(span / 10_000)) * 10_000 - 3_600_000
        let starts = (0..<4).map { _ in to - Int64(random.next() % 20_000) * 10_000 } + [to, to + 10_000]
        let from = starts[0]
        #expect(
          try Self.same(
            data.rollupRows(fromMs: from, toMs: to, latency: false),
            plain.rollupRows(fromMs: from, toMs: to, latency: false)), "round \(round)")
        #expect(
          Self.same(
            try data.rateLimitRows(fromMs: from, toMs: to), try plain.rateLimitRows(fromMs: from, toMs: to)))
        #expect(
          try data.requestCounts(starts: starts, toMs: to) == plain.requestCounts(starts: starts, toMs: to))
        #expect(
          try data.requestActivity(fromMs: from, toMs: to) == plain.requestActivity(fromMs: from, toMs: to))
        #expect(try data.firstRequests(fromMs: from, toMs: to) == plain.firstRequests(fromMs: from, toMs: to))
      }
    }
  }
}
