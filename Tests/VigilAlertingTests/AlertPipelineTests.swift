import Foundation
import Testing
import VigilCore
import VigilStore
import VigilTestSupport

@testable import VigilAlerting

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
        try batch.add(
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

/// Pushes to Alertmanagers (`type: alertmanager`), evaluation by evaluation through a 20-minute
/// outage: Prometheus's timing, every replica, one pending push per replica at most.
@Suite struct AlertmanagerPushPipelineTests {
  @Test func firingIsResentEveryMinuteAndAResolveForFifteenMinutes() throws {
    let dir = TemporaryDirectory()
    let path = dir.file("v.db")
    try AlertPipelineTests.seed(path)
    var rules = AlertPipelineTests.rules
    rules.rules[0].receivers = ["am"]
    rules.rules[0].labels = ["team": "llm"]
    rules.evaluationIntervalMs = 15_000
    rules.externalURL = "http://vigil.example:9516"
    rules.receivers.append(
      Receiver(
        name: "am",
        kind: .alertmanager(
          AlertmanagerReceiver(urls: [.literal("http://a:9093"), .literal("http://b:9093")]))))
    let store = try Store(path: path)
    let pipeline = AlertPipeline(rules: rules)
    let start = AlertPipelineTests.start
    var pushes: [(atMs: Int64, alerts: [[String: Any]])] = []
    // A push is known by when it was queued (ids of deleted rows are reused).
    var seen: Set<Int64> = []
    for t in stride(from: start + 19 * 60_000, through: start + 3_600_000 + 20 * 60_000, by: 15_000) {
      try pipeline.run(store: store, steps: [t], nowMs: t, endOfRun: false)
      let pending = try store.outbox(states: [.pending])
      #expect(pending.count <= 2)
      let new = pending.filter { !seen.contains($0.createdMs) }
      guard !new.isEmpty else { continue }
      #expect(new.map(\.message.groupKey).sorted() == ["replica 1", "replica 2"])
      #expect(new[0].message.body == new[1].message.body)
      for e in new { seen.insert(e.createdMs) }
      let alerts = try JSONSerialization.jsonObject(with: Data(new[0].message.body)) as? [[String: Any]] ?? []
      pushes.append((t, alerts))
    }
    let firing = try #require(pushes.first)
    let alert = try #require(firing.alerts.first)
    #expect(
      alert["labels"] as? [String: String] == [
        "alertname": "ServerErrors", "provider": "openai", "severity": "warning", "team": "llm",
      ])
    // The value in an annotation (it changes as the window moves), never a label.
    #expect((alert["annotations"] as? [String: String])?["value"]?.hasSuffix("%") == true)
    #expect(alert["endsAt"] as? String == Timestamp.formatRFC3339(firing.atMs + 240_000))
    #expect(alert["generatorURL"] as? String == "http://vigil.example:9516/?alert=ServerErrors")
    // The last push that fires, then the resolve with its real end, re-sent for 15 minutes.
    let trace = pushes.map {
      "\(($0.atMs - start) / 1000) \($0.alerts.map { $0["endsAt"] as? String ?? "" })"
    }
    let resolvedAt = try #require(
      pushes.first { p in
        (p.alerts.first?["endsAt"] as? String).flatMap(Timestamp.parseRFC3339) ?? .max <= p.atMs
      },
      "\(trace)")
    let whileFiring = pushes.filter { $0.atMs < resolvedAt.atMs }
    #expect(zip(whileFiring, whileFiring.dropFirst()).allSatisfy { $1.atMs - $0.atMs == 60_000 })
    #expect(resolvedAt.alerts.first?["endsAt"] as? String == Timestamp.formatRFC3339(resolvedAt.atMs))
    let after = pushes.filter { $0.atMs > resolvedAt.atMs }
    #expect(after.count == 14 && after.allSatisfy { $0.atMs - resolvedAt.atMs <= 15 * 60_000 }, "\(trace)")
    #expect(
      after.allSatisfy {
        $0.alerts.first?["endsAt"] as? String == resolvedAt.alerts.first?["endsAt"] as? String
      })
  }
}
