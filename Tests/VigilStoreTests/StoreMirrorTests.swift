import Testing
import VigilCore
import VigilTestSupport

@testable import VigilStore

/// What an evaluation reads from the store's mirror (``StoreMirror``: rows kept between
/// evaluations, moved on with what changed) against the same reads from the tables, as calls
/// arrive: on time, late into old buckets, from another connection, and through retention.
@Suite struct StoreMirrorTests {
  static let start: Int64 = 1_795_000_000_000

  /// One batch of `count` random calls, `everyMs` apart from `fromMs`.
  static func calls(_ random: inout SeededRandom, count: Int, fromMs: Int64, everyMs: Int64) throws
    -> IngestBatch
  {
    var batch = IngestBatch(source: "a")
    for i in 0..<count {
      try batch.add(EvaluationReadsTests.randomCall(&random, atMs: fromMs + Int64(i) * everyMs))
    }
    return batch
  }

  /// Every read the evaluator makes, once inside `consistently` (the mirror) and once outside
  /// (the tables), at one instant; the windows of the shipped rules, and random ones.
  static func compareReads(_ store: Store, to: Int64, random: inout SeededRandom) throws {
    let windows: [Int64] = [60_000, 120_000, 300_000, 1_800_000, 3_600_000, 21_600_000, 259_200_000]
    let starts = windows.map { Evaluator.burnStart(to, $0) } + [to - 30_000]
    // Random windows too: far edges, stretches that meet, more stretches than are kept.
    let extra = (0..<3).map { _ -> (Int64, Int64) in
      let end = to - Int64(random.next() % 400) * 10_000
      return (end - Int64(random.next() % 200 + 1) * 10_000, end)
    }
    func reads() throws -> [String] {
      var out: [String] = []
      func rows(_ r: [RollupRow]) -> String {
        r.map {
          "\($0.bucketMs) \($0.series) \($0.rollup.attempts) \($0.rollup.requests) \($0.rollup.errors) \($0.rollup.latency.count) \($0.rollup.ttft.count) \($0.rollup.latency.quantile(0.99) ?? -1)"
        }
        .joined(separator: ";")
      }
      for (from, end) in [(to - 300_000, to)] + extra {
        out.append(rows(try store.rollupRows(fromMs: from, toMs: end, latency: false)))
        out.append(rows(try store.rollupRows(fromMs: from, toMs: end, latency: true)))
        out.append(
          "\(try store.requestCounts(starts: [from], toMs: end).mapValues { $0.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" } })"
        )
      }
      out.append(
        "\(try store.rollups(fromMs: RollupKey.bucket(of: to - 7_200_000), toMs: to, latency: false).sorted { $0.key < $1.key }.map { "\($0.key) \($0.value.attempts) \($0.value.classes[2]) \($0.value.requests)" })"
      )
      // The rules' window sums: the shipped windows and the random ones, in one read.
      let sums = try store.seriesWindows(
        starts: [to - 60_000, to - 120_000, to - 300_000] + extra.map(\.0), toMs: to)
      for s in sums.keys.sorted() {
        out.append(
          "\(s): \(sums[s]!.sorted { $0.key < $1.key }.map { k, w in "\(k) \(w.sum.attempts) \(w.sum.errors) \(w.sum.unavailable) \(w.sum.retryPending) \(w.sum.streamFailures) \(w.lastCall) \(w.pending)" })"
        )
      }
      let counts = try store.requestCounts(starts: starts, toMs: to)
      for s in starts.sorted() {
        out.append("\(s): \((counts[s] ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" })")
      }
      out.append(
        "\(try store.firstRequests(fromMs: Evaluator.burnStart(to, 259_200_000), toMs: to).sorted { $0.key < $1.key })"
      )
      out.append("\(try store.requestActivity(fromMs: to - 3_600_000, toMs: to).sorted { $0.key < $1.key })")
      for h in RollupHistogram.allCases {
        // (An hour is longer than the mirror holds: read from the table, as before.)
        let w = try store.histogramWindows(h, starts: [to - 300_000, to - 120_000], toMs: to)
          .merging(try store.histogramWindows(h, starts: [to - 3_600_000], toMs: to)) { a, _ in a }
        for s in w.keys.sorted() {
          out.append(
            "\(h) \(s): \(w[s]!.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value.count) \($0.value.buckets.sorted { $0.key < $1.key })" })"
          )
        }
      }
      out.append("\(try store.sourceActivity(fromMs: to - 3_600_000, toMs: to))")
      out.append("\(try store.sourceActivity(fromMs: to - 300_000 - 3_456, toMs: to - 1_234))")
      return out
    }
    let mirrored = try store.consistently { try reads() }
    let plain = try reads()
    #expect(mirrored.count == plain.count)
    for (m, p) in zip(mirrored, plain) where m != p {
      Issue.record("at \(to - start): mirror \(m.prefix(600)) != tables \(p.prefix(600))")
    }
  }

  @Test func everyReadFromTheMirrorEqualsTheTablesAsCallsArriveLateAndArePruned() throws {
    let dir = TemporaryDirectory()
    let store = try Store(path: dir.file("v.db"))
    let other = try Store(path: dir.file("v.db"))
    var random = SeededRandom(seed: 57)
    // Ten hours of history, sparse, in a few batches out of order.
    for _ in 0..<6 {
      var batch = IngestBatch(source: "history")
      for _ in 0..<1500 {
        try batch.add(
          EvaluationReadsTests.randomCall(&random, atMs: Self.start + Int64(random.next() % 36_000_000)))
      }
      try store.write(batch)
    }
    var to = Self.start + 36_000_000
    for step in 0..<70 {
      let next = to + Int64(random.next() % 3 + 1) * 10_000
      var batch = IngestBatch(source: step % 3 == 0 ? "udp:127.0.0.1:9515" : "/var/log/app.jsonl")
      for _ in 0..<Int(random.next() % 300 + 20) {
        try batch.add(
          EvaluationReadsTests.randomCall(&random, atMs: to + Int64(random.next() % UInt64(next - to))))
      }
      // Late calls: a few seconds to two hours before the window's end.
      for _ in 0..<Int(random.next() % 4) {
        let ago = [5_000, 40_000, 400_000, 2_000_000, 7_000_000][Int(random.next() % 5)]
        try batch.add(EvaluationReadsTests.randomCall(&random, atMs: to - Int64(random.next() % UInt64(ago))))
      }
      // Another process's writes, and now and then retention.
      try (step % 4 == 1 ? other : store).write(batch)
      if step % 25 == 24 {
        try other.prune(rawBeforeMs: to - 8 * 3_600_000, rollupsBeforeMs: to - 9 * 3_600_000)
      }
      to = next
      try Self.compareReads(store, to: RollupKey.bucket(of: to), random: &random)
      try Self.compareReads(other, to: RollupKey.bucket(of: to), random: &random)
    }
  }

  /// serve starts on an empty database: the mirror notes an empty minute tier, then the first
  /// calls arrive (once an overflow that stopped serve's evaluation).
  @Test func aStoreThatStartsEmptyReadsTheFirstCallsAsTheyArrive() throws {
    let dir = TemporaryDirectory()
    let store = try Store(path: dir.file("v.db"))
    var random = SeededRandom(seed: 9)
    var to = Self.start + 7_200_000
    try Self.compareReads(store, to: to, random: &random)
    for step in 0..<6 {
      try store.write(Self.calls(&random, count: 50, fromMs: to - 3_600_000 * Int64(step % 2), everyMs: 200))
      to += 20_000
      try Self.compareReads(store, to: to, random: &random)
    }
  }

  /// An evaluation runs inside the pipeline's write transaction; what a transaction wrote and the
  /// mirror read inside it is let go of when it rolls back, and the next note (which takes the
  /// rolled-back one's id again) is not missed.
  @Test func whatARolledBackTransactionWroteIsNotKept() throws {
    let dir = TemporaryDirectory()
    let store = try Store(path: dir.file("v.db"))
    var random = SeededRandom(seed: 11)
    try store.write(Self.calls(&random, count: 300, fromMs: Self.start, everyMs: 1000))
    var to = Self.start + 300_000
    try Self.compareReads(store, to: to, random: &random)
    for round in 0..<3 {
      let doomed = try Self.calls(&random, count: 40, fromMs: to - 50_000, everyMs: 500)
      do {
        try store.writing { () throws(StoreError) in
          try store.write(doomed)
          _ = try? store.consistently { try store.rollupRows(fromMs: to - 300_000, toMs: to, latency: false) }
          throw StoreError("abandoned")
        }
        Issue.record("the transaction was to roll back")
      } catch {}
      try store.write(Self.calls(&random, count: 30, fromMs: to - 40_000, everyMs: 700))
      to += 10_000 * Int64(round + 1)
      try Self.compareReads(store, to: to, random: &random)
    }
  }

  /// Counts at the edge of Int64 (a damaged store, or one a test wrote so) saturate as the
  /// tables' sums do; they never trap.
  @Test func hugeCountsSaturateInsteadOfTrapping() throws {
    let dir = TemporaryDirectory()
    let store = try Store(path: dir.file("v.db"))
    var random = SeededRandom(seed: 13)
    try store.write(Self.calls(&random, count: 200, fromMs: Self.start, everyMs: 300))
    try store.connection.execute("UPDATE rollups SET requests = 9000000000000000000")
    let to = Self.start + 60_000
    let activity = try store.consistently { try store.requestActivity(fromMs: to - 3_600_000, toMs: to) }
    #expect(activity.values.contains { $0.requests == .max }, "\(activity)")
  }

  /// A reader that last looked before its notes were trimmed starts again, and a store that
  /// never saw the notes table before (a new connection) reads everything.
  @Test func aReaderThatMissedTrimmedNotesReadsEverythingAgain() throws {
    let dir = TemporaryDirectory()
    let store = try Store(path: dir.file("v.db"))
    let reader = try Store(path: dir.file("v.db"))
    var random = SeededRandom(seed: 5)
    try store.write(Self.calls(&random, count: 600, fromMs: Self.start, everyMs: 1000))
    let to = Self.start + 600_000
    try Self.compareReads(reader, to: to, random: &random)
    // A late call, then thousands of writes of later calls (the late one's note trimmed since).
    try store.write(Self.calls(&random, count: 1, fromMs: Self.start + 100_000, everyMs: 0))
    try store.connection.execute("UPDATE sqlite_sequence SET seq = seq + 20000 WHERE name = 'rollup_changes'")
    try store.write(Self.calls(&random, count: 1, fromMs: to + 3_600_000, everyMs: 0))
    try store.connection.execute("DELETE FROM rollup_changes WHERE id < (SELECT max(id) FROM rollup_changes)")
    let seen = try reader.consistently { try reader.rollupRows(fromMs: Self.start, toMs: to, latency: false) }
    let tables = try reader.rollupRows(fromMs: Self.start, toMs: to, latency: false)
    #expect(seen.map(\.rollup) == tables.map(\.rollup))
    #expect(seen.map(\.rollup.attempts).reduce(0, +) == 601)
  }
}
