import Testing

@testable import VigilCore

/// The backtest's replay and summary, in the library: fired, time firing, flaps, first detection.
@Suite struct ReplayTests {
  static let start: Int64 = 1_795_600_800_000

  /// 10 calls a second for an hour; every call fails during the given stretches (seconds).
  static func traffic(failing: [Range<Int>]) -> InMemoryRollups {
    let rollups = InMemoryRollups()
    for s in 0..<3600 {
      let down = failing.contains { $0.contains(s) }
      for k in 0..<10 {
        rollups.add(
          CallRecord(
            timestampMs: start + Int64(s) * 1000 + Int64(k) * 100, status: down ? 500 : 200,
            provider: "openai"))
      }
    }
    return rollups
  }

  static var rules: RuleSet {
    var rule = AlertRule(name: "ServerErrors", metric: .rate5xx, threshold: 0.02, windowMs: 60_000)
    rule.groupBy = [.provider]
    var set = RuleSet(rules: [rule])
    set.evaluationIntervalMs = 15_000
    return set
  }

  @Test func anOutageThatComesBackWithinTenMinutesIsAFlap() throws {
    // Down 10:00-10:05, back 10:08-10:12, and down again from 10:55 to the end.
    let rollups = Self.traffic(failing: [600..<900, 1080..<1320, 3300..<3600])
    var announced: [AlertTransition.Kind] = []
    let summaries = try Replay(rules: Self.rules, source: rollups).backtest(
      buckets: rollups.bucketStarts, stepMs: 15_000
    ) { announced.append($0.kind) }
    #expect(announced == [.firing, .resolved, .firing, .resolved, .firing])
    let s = try #require(summaries["ServerErrors"])
    #expect(s.fired == 3)
    #expect(s.flaps == 1)
    #expect(s.firingAtEnd)
    #expect(s.firstDetectionMs == Self.start + 615_000)
    // Each stretch fires at the first step after it starts and resolves when the minute window
    // holds no failure: 10:15-16:00 (345 s), 18:15-23:00 (285 s), and 55:15 to the end of the
    // data at 60:00 (285 s).
    #expect(s.firingMs == 915_000)
  }

  @Test func quietTrafficFiresNothingAndDistantDataCostsNoSteps() throws {
    let rollups = Self.traffic(failing: [])
    // A stray call years later: the replay skips the empty stretch instead of stepping through it.
    rollups.add(CallRecord(timestampMs: Self.start + 5 * 365 * 86_400_000, status: 200, provider: "openai"))
    var evaluations = 0
    let summaries = try Replay(rules: Self.rules, source: rollups).backtest(
      buckets: rollups.bucketStarts, stepMs: 15_000
    ) { _ in evaluations += 1 }
    #expect(summaries.isEmpty)
    #expect(evaluations == 0)
  }
}
