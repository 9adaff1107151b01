import Testing

@testable import VigilCore

/// Streams in rollups and rules: streams and failed streams (by class), the time to first token
/// and the streamed calls' latency as histograms, and the metrics that read them.
@Suite struct StreamMetricsTests {
  static let start: Int64 = 1_795_600_800_000

  /// One call: streamed or not, with its latency, first token and outcome.
  static func call(
    at ms: Int64, stream: Bool, latencyMs: Double, ttftMs: Double? = nil, outcome: StreamOutcome? = nil,
    type: String? = nil
  ) -> CallRecord {
    var r = CallRecord(timestampMs: start + ms, status: 200, provider: "anthropic", latencyMs: latencyMs)
    if stream {
      r.stream = true
      r.ttftMs = ttftMs
      r.streamOutcome = outcome ?? .completed
      r.streamErrorType = type
    }
    return r
  }

  /// A minute of traffic: a 40 s streamed essay (first token after `ttftMs`) and a 2 s
  /// classification call each second; every `failEvery`-th essay fails overloaded.
  static func minute(_ data: InMemoryRollups, from s: Int, ttftMs: Double = 600, failEvery: Int = 0) {
    for k in s..<(s + 60) {
      let fails = failEvery > 0 && k % failEvery == 0
      data.add(
        call(
          at: Int64(k) * 1000, stream: true, latencyMs: 40_000, ttftMs: ttftMs,
          outcome: fails ? .errorEvent : .completed, type: fails ? "overloaded_error" : nil))
      data.add(call(at: Int64(k) * 1000 + 500, stream: false, latencyMs: 2_000))
    }
  }

  @Test func aRollupCountsStreamsFailuresAndItsHistograms() throws {
    var r = Rollup()
    r.add(Self.call(at: 0, stream: true, latencyMs: 40_000, ttftMs: 500))
    r.add(
      Self.call(at: 1, stream: true, latencyMs: 900, ttftMs: 800, outcome: .errorEvent, type: "api_error"))
    r.add(Self.call(at: 2, stream: true, latencyMs: 300, outcome: .truncated))
    r.add(Self.call(at: 3, stream: false, latencyMs: 2_000))
    #expect(r.streams == 3 && r.streamFailures == 2)
    #expect(r.streamFailures(of: .server) == 1 && r.streamFailures(of: .network) == 1)
    #expect(r.ttft.count == 2 && r.streamLatency.count == 3 && r.latency.count == 4)
    #expect(MetricKind.streamFailureRate(nil).value(of: r) == 2.0 / 3)
    #expect(MetricKind.streamFailureRate(.network).value(of: r) == 1.0 / 3)
    #expect(MetricKind.streamFailureRate(.capacity).value(of: r) == 0)
    let ttft = try #require(MetricKind.ttftQuantile(0.99).value(of: r))
    #expect(abs(ttft - 800) <= 800 * LatencyHistogram.relativeAccuracy)
    // The others' latency is all of it less the streamed calls'.
    let plain = try #require(MetricKind.streamLatencyQuantile(0.99, streamed: false).value(of: r))
    #expect(abs(plain - 2_000) <= 2_000 * LatencyHistogram.relativeAccuracy)
    // The row path (ingest) counts as the record path does, and merging adds.
    var batch = CallBatch()
    for k in 0..<4 {
      let line =
        [
          Self.call(at: 0, stream: true, latencyMs: 40_000, ttftMs: 500),
          Self.call(
            at: 1, stream: true, latencyMs: 900, ttftMs: 800, outcome: .errorEvent, type: "api_error"),
          Self.call(at: 2, stream: true, latencyMs: 300, outcome: .truncated),
          Self.call(at: 3, stream: false, latencyMs: 2_000),
        ][k].line
      let bytes = Array(line.utf8)
      try bytes.withUnsafeBytes { try CallLogParser().parse($0, into: &batch) }
    }
    #expect(batch.rollupValues.count == 1 && batch.rollupValues[0] == r)
    var twice = r
    twice.merge(r)
    #expect(twice.streams == 6 && twice.streamFailures(of: .server) == 2 && twice.ttft.count == 4)
  }

  /// A 40 s essay and a 2 s classification call: one P99 rule over both fires on the essay; by
  /// `stream` each kind of call has its own, and the first token its own percentile.
  @Test func latencyByStreamAndTheFirstTokenHaveTheirOwnPercentiles() throws {
    let data = InMemoryRollups()
    for m in 0..<5 { Self.minute(data, from: m * 60, ttftMs: 600) }
    func value(_ metric: MetricKind) throws -> Double? {
      var rule = AlertRule(name: "R", metric: metric, threshold: 30_000, windowMs: 300_000)
      rule.groupBy = [.provider]
      let e = try Evaluator.evaluate(
        RuleSet(rules: [rule]), source: data, atMs: Self.start + 300_000, previous: [:])
      return e.groups.first?.value
    }
    let all = try #require(try value(.latencyQuantile(0.99)))
    let streamed = try #require(try value(.streamLatencyQuantile(0.99, streamed: true)))
    let plain = try #require(try value(.streamLatencyQuantile(0.99, streamed: false)))
    let ttft = try #require(try value(.ttftQuantile(0.95)))
    #expect(abs(all - 40_000) < 200 && abs(streamed - 40_000) < 200)
    #expect(abs(plain - 2_000) < 10)
    #expect(abs(ttft - 600) < 3)
  }

  @Test func aStreamFailureRateRuleFiresOnOverloadedStreams() throws {
    let data = InMemoryRollups()
    for m in 0..<3 { Self.minute(data, from: m * 60, failEvery: 0) }
    for m in 3..<6 { Self.minute(data, from: m * 60, failEvery: 2) }
    var rule = AlertRule(
      name: "StreamFailures", metric: .streamFailureRate(.capacity), threshold: 0.05, windowMs: 120_000)
    rule.groupBy = [.provider]
    let set = RuleSet(rules: [rule])
    let quiet = try Evaluator.evaluate(set, source: data, atMs: Self.start + 180_000, previous: [:])
    #expect(quiet.groups.first?.value == 0 && quiet.firing.isEmpty)
    let failing = try Evaluator.evaluate(set, source: data, atMs: Self.start + 360_000, previous: [:])
    #expect(failing.groups.first?.value == 0.5)
    #expect(failing.firing.count == 1)
    // And the error rate counts them as the 529s they would be without streaming.
    var errors = AlertRule(name: "E", metric: .errorRate, threshold: 0.05, windowMs: 120_000)
    errors.groupBy = [.provider]
    let e = try Evaluator.evaluate(
      RuleSet(rules: [errors]), source: data, atMs: Self.start + 360_000, previous: [:])
    #expect(e.groups.first?.value == 0.25)
  }

  @Test func aHistogramLessAPartOfItIsTheRest() {
    var all = LatencyHistogram()
    var part = LatencyHistogram()
    for v in [0.0, 5, 120, 40_000] { all.record(v) }
    for v in [0.0, 40_000] { part.record(v) }
    let rest = all.subtracting(part)
    #expect(rest.count == 2 && rest.zeroCount == 0)
    #expect(rest.quantile(1).map { abs($0 - 120) < 1 } == true)
    #expect(LatencyHistogram().subtracting(all).count == 0)
  }
}
