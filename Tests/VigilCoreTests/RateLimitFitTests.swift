import Testing

@testable import VigilCore

/// The headroom forecast's parts: the reset headers as providers write them, and a line through
/// the remaining counts that merges by addition like the rest of a rollup.
@Suite struct RateLimitFitTests {
  @Test(
    arguments: [
      ("6m0s", 360.0), ("1s", 1), ("20ms", 0.02), ("2m59.56s", 179.56), ("1h2m3.5s", 3723.5), ("1d", 86_400),
      ("17", 17),
    ] as [(String, Double)])
  func resetDurations(text: String, seconds: Double) {
    #expect(abs((RateLimitReset.seconds(Array(text.utf8), callMs: 0) ?? -1) - seconds) < 1e-9)
  }

  @Test func resetTimesAreRelativeToTheCallAndBadTextIsRefused() {
    let call = Timestamp.parseRFC3339("2026-11-25T10:00:00Z")!
    // Anthropic's anthropic-ratelimit-requests-reset is an RFC 3339 time.
    #expect(RateLimitReset.seconds(Array("2026-11-25T10:01:30Z".utf8), callMs: call) == 90)
    #expect(RateLimitReset.seconds(Array("2026-11-25T09:59:00Z".utf8), callMs: call) == 0)
    for bad in ["soon", "5x", "", "1m 2s", "99999d"] {
      #expect(RateLimitReset.seconds(Array(bad.utf8), callMs: call) == nil, "\(bad)")
    }
  }

  @Test func theParserReadsLimitsAndResetsOfEveryForm() throws {
    let r = try CallLogParser().parse(
      #"{"ts":"2026-11-25T10:00:00Z","status":200,"ratelimit_remaining_requests":41,"ratelimit_limit_requests":50,"ratelimit_reset_requests":"2026-11-25T10:00:12Z","ratelimit_remaining_tokens":39000,"ratelimit_limit_tokens":40000,"ratelimit_reset_tokens":"6m0s"}"#
    )
    #expect(r.rateLimitLimitRequests == 50 && r.rateLimitLimitTokens == 40000)
    #expect(r.rateLimitResetRequestsS == 12 && r.rateLimitResetTokensS == 360)
    let seconds = try CallLogParser().parse(#"{"ts":1,"status":200,"ratelimit_reset_requests":2.5}"#)
    #expect(seconds.rateLimitResetRequestsS == 2.5)
    #expect(throws: RejectReason.self) {
      try CallLogParser().parse(#"{"ts":1,"status":200,"ratelimit_reset_tokens":"whenever"}"#)
    }
  }

  @Test func aFitMergedFromPartsIsTheFitOfTheWhole() {
    var random = SeededRandom(seed: 3)
    var whole = RateLimitFit()
    var parts = [RateLimitFit](repeating: RateLimitFit(), count: 7)
    let t0: Int64 = 1_795_600_800_000
    for i in 0..<700 {
      let ms = t0 + Int64(i) * 400 + Int64(random.next() % 300)
      let remaining = 500 - Double(i) * 0.6 + Double(random.next() % 20)
      whole.add(remaining: remaining, atMs: ms, limit: 600, resetS: 42)
      parts[i * 7 / 700].add(remaining: remaining, atMs: ms, limit: 600, resetS: 42)
    }
    var merged = RateLimitFit()
    for p in parts.reversed() { merged.merge(p) }
    let a = whole.burnPerSecond()!
    let b = merged.burnPerSecond()!
    // About 1.5 a second: 0.6 per call, a call every 0.4 s.
    #expect(abs(a - 1.5) < 0.05 && abs(a - b) < 1e-6 * abs(a))
    #expect(merged.n == 700 && merged.minRemaining == whole.minRemaining && merged.limit == 600)
    let end = t0 + 280_000
    #expect(abs(whole.secondsToExhaustion(atMs: end)! - merged.secondsToExhaustion(atMs: end)!) < 1e-3)
    #expect(whole.utilisation! > 0.85 && !whole.isLongHorizon)
    // Stored and read back, as a rollup's blob.
    var rl = RateLimits()
    rl.requests = merged
    #expect(RateLimits(encoded: rl.encoded()!) == rl)
  }

  @Test func aCountThatDoesNotFallHasNoForecast() {
    var fit = RateLimitFit()
    for i in 0..<100 {
      fit.add(remaining: 300 + Double(i % 5), atMs: Int64(i) * 1000, limit: 600, resetS: 3600 * 20)
    }
    #expect(fit.secondsToExhaustion(atMs: 100_000) == nil)
    #expect(fit.isLongHorizon && fit.utilisation == 0.5)
    var rollup = Rollup()
    rollup.rateLimits.requests = fit
    #expect(MetricKind.rateLimitExhaustion(.any).value(of: rollup) == nil)
    #expect(MetricKind.rateLimitExhaustion(.short).value(of: rollup) == nil)
    #expect(MetricKind.rateLimitUtilisation.value(of: rollup) == 0.5)
    #expect(MetricKind.rateLimitExhaustion(.short).format(65_400) == "1m5s")
  }
}
