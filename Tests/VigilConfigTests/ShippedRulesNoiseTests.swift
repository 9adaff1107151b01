import Foundation
import Testing
import VigilCore
import VigilTestSupport

@testable import VigilConfig

/// The causes of the shipped alerts.yaml's pages on healthy low traffic (issue 22), each replayed
/// through the shipped rules every 15 s: retries "exhausted" on errors nobody retries, a `for`
/// counted through windows too sparse to judge, a P99 that is the slowest call, a burn rate judged
/// on a minute of history as if it were an hour, and a per-minute limiter's first minute.
@Suite struct ShippedRulesNoiseTests {
  static let t0: Int64 = 1_767_225_600_000

  static func shipped() throws -> RuleSet { try RulesLoader.load(path: "alerts.yaml") }

  /// The announced transitions over `[from, to)` seconds after `t0`, evaluating every 15 s.
  static func announced(_ data: InMemoryRollups, from: Int64 = 15, to: Int64) throws -> [AlertTransition] {
    var out: [AlertTransition] = []
    try Replay(rules: try shipped(), source: data).run(
      at: stride(from: t0 + from * 1000, to: t0 + to * 1000, by: 15_000)
    ) { _, e in out += e.transitions.filter(\.isAnnounced) }
    return out
  }

  static func fired(_ transitions: [AlertTransition], _ rule: String) -> [AlertTransition] {
    transitions.filter { $0.key.rule == rule && $0.kind == .firing }
  }

  /// Calls every `everyMs` over `[from, to)` seconds, each made by `call` from its index.
  static func calls(
    _ data: InMemoryRollups, from: Int64, to: Int64, everyMs: Int64, _ call: (Int, Int64) -> CallRecord?
  ) {
    var i = 0
    for ms in stride(from: t0 + from * 1000, to: t0 + to * 1000, by: Int(everyMs)) {
      if let r = call(i, ms) { data.add(r) }
      i += 1
    }
  }

  @Test func retriesExhaustedPagesOnRetryableFailuresThatRanOutNeverOnErrorsNobodyRetries() throws {
    // 3% of requests a prompt too long (400) that the caller marked exhausted, as the shipped
    // loggers did with every error they did not retry; 5% of answers cut by the content filter.
    let told = InMemoryRollups()
    Self.calls(told, from: 0, to: 2400, everyMs: 500) { i, ms in
      switch i % 100 {
      case 0..<3:
        CallRecord(
          timestampMs: ms, status: 400, provider: "openai", model: "m", latencyMs: 300, maxAttempts: 3,
          retriesExhausted: true, errorCode: "context_length_exceeded")
      case 3..<8:
        CallRecord(
          timestampMs: ms, status: 200, provider: "openai", model: "m", latencyMs: 300,
          finishReason: "content_filter")
      default: CallRecord(timestampMs: ms, status: 200, provider: "openai", model: "m", latencyMs: 300)
      }
    }
    #expect(Self.fired(try Self.announced(told, to: 2400), "RetriesExhausted").isEmpty)
    // The same with no response on the last of three attempts instead: exhaustion, and its
    // message names what ran out, not the filtered answers.
    let ranOut = InMemoryRollups()
    Self.calls(ranOut, from: 0, to: 2400, everyMs: 500) { i, ms in
      switch i % 100 {
      case 0..<3:
        CallRecord(
          timestampMs: ms, status: 0, provider: "openai", model: "m", latencyMs: 30_000, attempt: 3,
          maxAttempts: 3,
          retriesExhausted: true, errorType: "timeout")
      case 3..<8:
        CallRecord(
          timestampMs: ms, status: 200, provider: "openai", model: "m", latencyMs: 300,
          finishReason: "content_filter")
      default: CallRecord(timestampMs: ms, status: 200, provider: "openai", model: "m", latencyMs: 300)
      }
    }
    let fired = Self.fired(try Self.announced(ranOut, to: 2400), "RetriesExhausted")
    #expect(fired.count == 1, "\(fired.map(\.summary))")
    let summary = try #require(fired.first?.summary)
    #expect(summary.contains("network") && !summary.contains("content_filter"), "\(summary)")
  }

  @Test func aRetryableClassOnlyCountsAsExhausted() {
    var r = Rollup()
    for (status, finish) in [
      (400, nil), (402, nil), (401, nil), (200, "content_filter"), (503, nil), (0, nil),
    ]
      as [(Int, String?)]
    {
      r.add(CallRecord(timestampMs: 0, status: status, retriesExhausted: true, finishReason: finish))
    }
    #expect(r.exhausted == 2)
    #expect(MetricKind.retryExhaustionRate.value(of: r) == 2.0 / 6)
  }

  @Test func twoLone500sSevenMinutesApartInASparseNightAreNotFiveMinutesOf5xx() throws {
    // 24 calls a minute (above the floor of 20), then 15 (below it) for seven minutes, then 24
    // again: one 500 in each busier stretch.
    let data = InMemoryRollups()
    for (from, to, every, failing) in [
      (0, 600, 2500, 590_000), (600, 1020, 4000, -1), (1020, 1800, 2500, 1_030_000),
    ] as [(Int64, Int64, Int64, Int64)] {
      Self.calls(data, from: from, to: to, everyMs: every) { _, ms in
        let status = ms - Self.t0 >= failing && ms - Self.t0 < failing + every ? 500 : 200
        return CallRecord(timestampMs: ms, status: status, provider: "anthropic", model: "m", latencyMs: 400)
      }
    }
    let transitions = try Self.announced(data, to: 1800)
    #expect(Self.fired(transitions, "ServerErrors").isEmpty, "\(transitions.map(\.summary))")
  }

  @Test func aPendingAlertHoldsItsForThroughWindowsWithoutAValue() {
    var rule = AlertRule(name: "S", metric: .rate5xx, threshold: 0.02, windowMs: 60_000)
    rule.forMs = 300_000
    var s = AlertState()
    #expect(Evaluator.step(&s, rule: rule, value: 0.05, atMs: 0) == .pending)
    // Six minutes without a value: held, neither counted nor a reset.
    for t in stride(from: 15_000, through: 360_000, by: 15_000) {
      #expect(Evaluator.step(&s, rule: rule, value: nil, atMs: Int64(t)) == nil)
    }
    #expect(Evaluator.step(&s, rule: rule, value: 0.05, atMs: 375_000) == nil)
    #expect(s.phase == .pending)
    // Five minutes of the condition with a value in all: 15 s before the gap and 285 s after it.
    #expect(Evaluator.step(&s, rule: rule, value: 0.05, atMs: 645_000) == nil)
    #expect(Evaluator.step(&s, rule: rule, value: 0.05, atMs: 660_000) == .firing)
  }

  @Test func aP99OfASparseWindowIsNotItsSlowestCall() throws {
    // 0.3 calls a second (90 in five minutes), one of them 45 s: the P99 of 90 calls is that call.
    let sparse = InMemoryRollups()
    Self.calls(sparse, from: 0, to: 1200, everyMs: 3333) { i, ms in
      CallRecord(
        timestampMs: ms, status: 200, provider: "google", model: "m", latencyMs: i == 150 ? 45_000 : 900)
    }
    #expect(Self.fired(try Self.announced(sparse, to: 1200), "SlowResponses").isEmpty)
    // A slow tail at 1 call a second still pages.
    let slow = InMemoryRollups()
    Self.calls(slow, from: 0, to: 1200, everyMs: 1000) { i, ms in
      CallRecord(
        timestampMs: ms, status: 200, provider: "google", model: "m",
        latencyMs: ms - Self.t0 >= 300_000 && i % 20 == 0 ? 45_000 : 900)
    }
    #expect(Self.fired(try Self.announced(slow, to: 1200), "SlowResponses").count == 1)
    #expect(MetricKind.latencyQuantile(0.99).minimumCalls == 100)
    #expect(MetricKind.latencyQuantile(0.5).minimumCalls == 2 && MetricKind.errorRate.minimumCalls == 0)
  }

  @Test func aProviderSeenForAMinuteDoesNotPageOnAFiveSecondBlip() throws {
    // First seen at t0: ten calls a second, and ten 429s within five seconds of its first minute.
    let young = InMemoryRollups()
    Self.calls(young, from: 0, to: 900, everyMs: 100) { i, ms in
      CallRecord(
        timestampMs: ms, status: i >= 300 && i < 350 && i % 5 == 0 ? 429 : 200, provider: "openai",
        model: "m",
        latencyMs: 400)
    }
    let transitions = try Self.announced(young, to: 900)
    #expect(
      transitions.filter { $0.key.rule.hasPrefix("ProviderAvailability") }.isEmpty,
      "\(transitions.map(\.summary))")
    // A provider failing every call from its first one still pages within about a minute.
    let down = InMemoryRollups()
    Self.calls(down, from: 0, to: 600, everyMs: 500) { _, ms in
      CallRecord(timestampMs: ms, status: 503, provider: "openai", model: "m", latencyMs: 400)
    }
    let page = try #require(Self.fired(try Self.announced(down, to: 600), "ProviderAvailabilityPage").first)
    #expect(page.atMs - Self.t0 <= 75_000, "\(page.atMs - Self.t0)")
  }

  @Test func aLimitThatResetsEveryMinuteDoesNotPageInTheFirstMinuteOfTraffic() throws {
    // Five calls a second under 600 a minute that reset on the minute: the remaining count falls
    // through each minute and is back at the limit at the next.
    let data = InMemoryRollups()
    Self.calls(data, from: 0, to: 900, everyMs: 200) { i, ms in
      var r = CallRecord(
        timestampMs: ms, status: 200, provider: "openai", model: "m", latencyMs: 400,
        rateLimitRemainingRequests: Int64(599 - i % 300))
      r.rateLimitLimitRequests = 600
      r.rateLimitResetRequestsS = Double(60 - (i % 300) / 5)
      return r
    }
    let transitions = try Self.announced(data, to: 900)
    #expect(Self.fired(transitions, "RateLimitHeadroom").isEmpty, "\(transitions.map(\.summary))")
    // A storm that climbs past a sliding per-minute limit is still forecast before its first 429.
    let storm = InMemoryRollups()
    let (text, first429) = HeadroomScenario.lines(storm: true)
    for line in text.split(separator: "\n") { storm.add(try CallLogParser().parse(String(line))) }
    var forecast: Int64?
    try Replay(rules: try Self.shipped(), source: storm).run(
      at: stride(
        from: Int64(HeadroomScenario.startS) * 1000, to: Int64(HeadroomScenario.startS + 2700) * 1000,
        by: 15_000)
    ) { at, e in
      if forecast == nil,
        e.transitions.contains(where: { $0.key.rule == "RateLimitHeadroom" && $0.kind == .firing })
      {
        forecast = at
      }
    }
    #expect(
      forecast != nil && forecast! < first429!,
      "\(String(describing: forecast)) \(String(describing: first429))")
  }
}
