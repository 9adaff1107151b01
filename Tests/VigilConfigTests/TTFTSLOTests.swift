import Foundation
import Testing
import VigilCore

@testable import VigilConfig

/// A time-to-first-token SLO (`ttft:` in an SLO block, issue 23): good is a first chunk within the
/// threshold; the same multi-window burn-rate page and ticket as an availability SLO.
@Suite struct TTFTSLOTests {
  static let yaml = """
    version: 1
    defaults: {evaluation_interval: 15s, group_by: [provider]}
    slos:
      - name: FirstToken
        objective: 99%
        ttft: 2s
      - name: ProviderAvailability
        objective: 99.9%
    rules: []
    """

  /// Ten streamed calls a second over `[from, to)` seconds, `slow` of each second's with a first
  /// token at 5 s (the others at 400 ms); every call answered 200 and completed.
  static func streams(_ data: InMemoryRollups, _ from: Int, _ to: Int, slow: Int = 0) {
    for s in from..<to {
      for i in 0..<10 {
        var c = CallRecord(
          timestampMs: Int64(s) * 1000 + Int64(i) * 100, status: 200, provider: "anthropic",
          latencyMs: 8000)
        c.stream = true
        c.ttftMs = i < slow ? 5000 : 400
        c.streamOutcome = .completed
        data.add(c)
      }
    }
  }

  /// Announced transitions, evaluating every 15 s over `[from, to)` seconds.
  static func transitions(_ data: InMemoryRollups, from: Int, to: Int) throws -> [AlertTransition] {
    let set = try RulesLoader.load(yaml: yaml, file: "alerts.yaml")
    var out: [AlertTransition] = []
    try Replay(rules: set, source: data).run(
      at: stride(from: Int64(from) * 1000, to: Int64(to) * 1000, by: 15_000)
    ) {
      _, e in out += e.transitions.filter(\.isAnnounced)
    }
    return out
  }

  @Test func aTTFTSLOParsesWithItsThresholdAndASummaryOfItsOwn() throws {
    let set = try RulesLoader.load(yaml: Self.yaml, file: "alerts.yaml")
    #expect(
      set.rules.map(\.name) == [
        "FirstTokenPage", "FirstTokenTicket", "ProviderAvailabilityPage", "ProviderAvailabilityTicket",
      ])
    #expect(set.rules[0].burn?.ttftThresholdMs == 2000 && set.rules[2].burn?.ttftThresholdMs == nil)
    #expect(set.rules[0].summary.contains("first tokens slower than 2s"), "\(set.rules[0].summary)")
    #expect(throws: (any Error).self) {
      try RulesLoader.load(
        yaml: Self.yaml.replacingOccurrences(of: "ttft: 2s", with: "ttft: soon"), file: "a.yaml")
    }
    // Prometheus cannot count against a threshold between its fixed buckets: left to Vigil, said so.
    let exported = PrometheusRules.export(set, source: "alerts.yaml")
    #expect(exported.contains("# FirstTokenPage: not exported") && !exported.contains(#"slo="FirstToken""#))
  }

  @Test func slowFirstTokensPageTheTTFTSLOWhileAvailabilityStaysQuiet() throws {
    let data = InMemoryRollups()
    // Two healthy hours, then 30% of first tokens take 5 s (every call still a 200).
    Self.streams(data, 0, 7200)
    Self.streams(data, 7200, 9000, slow: 3)
    let all = try Self.transitions(data, from: 3600, to: 9000)
    #expect(all.filter { $0.key.rule.hasPrefix("ProviderAvailability") }.isEmpty)
    let page = try #require(all.first { $0.key.rule == "FirstTokenPage" && $0.kind == .firing }, "\(all)")
    // 30% slow burns a 1% budget 30x: the last 5 m passes 14.4x at once, the last hour once 48%
    // of it was slow (28.8 min), as the workbook's 2% of the budget in an hour says.
    #expect((28 * 60_000...31 * 60_000).contains(page.atMs - 7_200_000), "\(page.atMs - 7_200_000)")
    #expect(page.labels["provider"] == "anthropic" && page.labels["slo"] == "FirstToken")
    #expect(page.summary.contains("first tokens slower than 2s"), "\(page.summary)")
  }

  @Test func aHealthyStreamedHourPagesNobody() throws {
    let data = InMemoryRollups()
    Self.streams(data, 0, 10_800)
    #expect(try Self.transitions(data, from: 3600, to: 10_800).isEmpty)
  }

  @Test func theHistogramCountsWhatIsAboveAThreshold() {
    var h = LatencyHistogram()
    for v in [100.0, 400, 1999, 2000, 2001, 2100, 5000] { h.record(v) }
    h.record(0)
    // 2001 is within the 0.5% bucket of 2000 (counted as good); 2100 and 5000 are above.
    #expect(h.count(above: 2000) == 2)
    #expect(h.count(above: 1) == 7 && h.count(above: 10_000) == 0)
  }
}
