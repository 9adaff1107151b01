import Foundation
import Testing
import VigilCore
import VigilStore
import VigilTestSupport

@testable import VigilNotify

/// The pipeline under the write lock: runs that overlap (cron starting a check while the last is
/// still evaluating, or check beside serve) announce each transition once.
@Suite struct AlertPipelineTests {
  static let start: Int64 = 1_795_600_800_000

  /// An hour of traffic with a 5xx outage from 20 to 40 minutes.
  static func seed(_ path: String) throws {
    let store = try Store(path: path)
    var batch = IngestBatch(source: "test")
    for s in stride(from: 0, to: 3600, by: 1) {
      let outage = s >= 1200 && s < 2400
      for k in 0..<4 {
        batch.add(
          CallRecord(
            timestampMs: start + Int64(s) * 1000 + Int64(k) * 200, status: outage && k < 2 ? 500 : 200,
            provider: "openai", model: "gpt-4o", latencyMs: 300))
      }
    }
    try store.write(batch)
  }

  static var rules: RuleSet {
    var rule = AlertRule(name: "ServerErrors", metric: .rate5xx, threshold: 0.02, windowMs: 60_000)
    rule.groupBy = [.provider]
    rule.minRequests = 10
    return RuleSet(rules: [rule])
  }

  @Test func overlappingCatchUpsAnnounceEachTransitionOnce() throws {
    for _ in 0..<5 {
      let dir = TemporaryDirectory()
      let path = dir.file("v.db")
      try Self.seed(path)
      let pipeline = AlertPipeline(rules: Self.rules)
      let at = Self.start + 3_600_000
      // Two runs started together, each with a connection of its own, as two processes would.
      let group = DispatchGroup()
      let failures = Failures()
      for _ in 0..<2 {
        group.enter()
        Thread {
          defer { group.leave() }
          do {
            let store = try Store(path: path, busyTimeoutMs: 30_000)
            try pipeline.catchUp(store: store, atMs: at, nowMs: at)
          } catch {
            failures.add("\(error)")
          }
        }.start()
      }
      group.wait()
      #expect(failures.all.isEmpty, "\(failures.all)")
      let store = try Store(path: path)
      let kinds = try store.transitions().filter { $0.kind == "firing" || $0.kind == "resolved" }.map(\.kind)
      #expect(kinds == ["firing", "resolved"])
      #expect(try store.outboxCounts()[.pending] == 2)
      #expect(try store.lastEvaluationMs() == at)
    }
  }

  @Test func aRunForAnEarlierTimeRecordsNothingAndTheCursorStays() throws {
    let dir = TemporaryDirectory()
    let path = dir.file("v.db")
    try Self.seed(path)
    let store = try Store(path: path)
    let pipeline = AlertPipeline(rules: Self.rules)
    let end = Self.start + 3_600_000
    let first = try pipeline.catchUp(store: store, atMs: end, nowMs: end)
    #expect(!first.readOnly && first.transitions.filter(\.isAnnounced).count == 2)
    // A clock stepped back, or a re-run for the middle of the outage: values, but nothing kept.
    let earlier = try pipeline.catchUp(store: store, atMs: Self.start + 1_800_000, nowMs: end)
    #expect(earlier.readOnly && earlier.transitions.isEmpty)
    #expect((earlier.evaluation?.groups.first?.value ?? 0) > 0.4)
    #expect(try store.lastEvaluationMs() == end)
    // The next run goes on from the cursor and announces nothing again.
    let next = try pipeline.catchUp(store: store, atMs: end + 60_000, nowMs: end + 60_000)
    #expect(next.transitions.filter(\.isAnnounced).isEmpty)
    #expect(try store.transitions().filter { $0.kind == "firing" }.count == 1)
    #expect(try store.outboxCounts()[.pending] == 2)
  }

  @Test(
    arguments: [
      (nil, 100_000, 15_000, 60_000, [40_000, 55_000, 70_000, 85_000, 100_000]),
      (70_000, 100_000, 15_000, 60_000, [85_000, 100_000]),
      (95_000, 100_000, 15_000, 60_000, [100_000]),
      (100_000, 100_000, 15_000, 60_000, []),
      (120_000, 100_000, 15_000, 60_000, []),
      (0, 100_000, 15_000, 30_000, [70_000, 85_000, 100_000]),
    ] as [(Int64?, Int64, Int64, Int64, [Int64])])
  func catchUpSteps(last: Int64?, at: Int64, interval: Int64, horizon: Int64, steps: [Int64]) {
    #expect(
      EvaluationSchedule.catchUp(lastMs: last, atMs: at, intervalMs: interval, horizonMs: horizon) == steps)
  }
}

final class Failures: @unchecked Sendable {
  let lock = NSLock()
  var all: [String] = []
  func add(_ s: String) {
    lock.lock()
    all.append(s)
    lock.unlock()
  }
}
