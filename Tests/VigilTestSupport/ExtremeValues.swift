package import VigilCore

/// Values at the ends of what Vigil accepts and past them, for the property tests that drive
/// every metric kind through evaluation, formatting and every renderer: nothing may trap, and
/// what comes out must be well formed. Counts near `Int64.max` cannot come from calls one by one;
/// they stand for a store that nobody vouches for (a hand-edited or damaged database).
package enum ExtremeValues {
  /// Every metric kind: each class, a few percentiles, each forecast horizon.
  package static let metricKinds: [MetricKind] =
    [
      .errorRate, .rate429, .rate5xx, .retryExhaustionRate, .authFailureRate, .latencyQuantile(0.5),
      .latencyQuantile(0.99), .latencyQuantile(0.999), .requestCount, .logicalRequestCount, .errorCount,
      .authFailures, .timeSinceLastCall, .sourceTimeSinceLastCall, .burnRate, .rateLimitUtilisation,
    ] + StatusClass.allCases.flatMap { [MetricKind.classRate($0), .classCount($0)] }
    + RateLimitHorizon.allCases.map { MetricKind.rateLimitExhaustion($0) }
    + [
      .streamFailureRate(nil), .streamFailureRate(.capacity), .ttftQuantile(0.5), .ttftQuantile(0.99),
      .streamLatencyQuantile(0.99, streamed: true), .streamLatencyQuantile(0.95, streamed: false),
    ]

  /// Names every case, so that a new kind does not compile until ``metricKinds`` lists it.
  static func listed(_ kind: MetricKind) {
    switch kind {
    case .errorRate, .rate429, .rate5xx, .retryExhaustionRate, .authFailureRate, .classRate, .latencyQuantile,
      .requestCount, .logicalRequestCount, .errorCount, .authFailures, .classCount, .timeSinceLastCall,
      .sourceTimeSinceLastCall, .burnRate, .rateLimitUtilisation, .rateLimitExhaustion, .streamFailureRate,
      .ttftQuantile, .streamLatencyQuantile:
      break
    }
  }

  /// Doubles at the edges: zero, the smallest, those around 2^53, 2^63 and 2^64, the largest,
  /// and the ones that are not numbers.
  package static let doubles: [Double] = [
    0, -0.0, 1, -1, 0.05, 0.999_999, 1e-300, .leastNonzeroMagnitude, 604_800_000, 1e15, 9e15, 0x1p53, 9.2e18,
    0x1p63, 1e19, 0x1p64, 1e300, .greatestFiniteMagnitude, -.greatestFiniteMagnitude, .infinity, -.infinity,
    .nan,
  ]

  /// Thresholds as alerts.yaml accepts them: finite and not negative, of any size.
  package static let thresholds: [Double] = doubles.filter { $0.isFinite && $0 >= 0 }

  /// Counts from none to `Int64.max`.
  package static let counts: [Int64] = [0, 1, 2, 1 << 40, 9_000_000_000_000_000, .max - 1, .max]

  /// Evaluation times: the start of the epoch, now-ish, and the contract's last millisecond.
  package static let times: [Int64] = [10_000, 1_795_600_800_000, Timestamp.maxMs]

  /// Labels that must not break a line, a JSON document, an HTML page or a header.
  package static let labels = [
    "openai", "", "a\u{0}b", "m\n2026-01-01T00:00:00Z RESOLVED X", "\u{1B}[2J", #"<script>"x"</script>"#,
    "\r\n\r\nX-Injected: 1", String(repeating: "é", count: 300),
  ]

  /// A rollup whose every count, sum, latency and rate-limit fit is drawn from the edges.
  package static func rollup(_ r: inout SeededRandom) -> Rollup {
    var x = Rollup()
    func count() -> Int64 { counts.randomElement(using: &r)! }
    let fields: [WritableKeyPath<Rollup, Int64>] = [
      \.attempts, \.requests, \.errors, \.status429, \.status5xx, \.auth, \.exhausted, \.unavailable,
      \.promptTokens, \.completionTokens, \.failedTokens, \.retryTokens, \.streams, \.streamFailures,
    ]
    for field in fields { x[keyPath: field] = count() }
    for i in x.classes.indices { x.classes[i] = count() }
    x.latencySumMs = doubles.randomElement(using: &r)!
    for _ in 0..<Int(r.next() % 4) {
      let latency = [0, 0.000_1, 0.001, 1, 30_000, 604_800_000, .infinity, .nan].randomElement(
        using: &r)!
      x.latency.record(latency, count: [1, 1 << 40, UInt64.max / 2, .max].randomElement(using: &r)!)
    }
    for _ in 0..<Int(r.next() % 4) {
      x.codes.add([0, 200, 429, 500, 599, 999].randomElement(using: &r)!, count())
    }
    for _ in 0..<Int(r.next() % 3) {
      x.streamFailureClasses.add(Int(r.next() % 9), count())
      let ms = [0, 0.001, 250, 604_800_000, .infinity].randomElement(using: &r)!
      x.ttft.record(ms, count: [1, 1 << 40, .max].randomElement(using: &r)!)
      x.streamLatency.record(ms, count: [1, UInt64.max / 2].randomElement(using: &r)!)
    }
    if r.next() % 4 != 0 { x.rateLimits.requests = fit(&r) }
    if r.next() % 2 == 0 { x.rateLimits.tokens = fit(&r) }
    return x
  }

  /// A rate-limit fit: a count (up to 2^63) that falls by anything from nothing to a lot, over
  /// calls anywhere in the contract's time range; or sums no observation could make.
  package static func fit(_ r: inout SeededRandom) -> RateLimitFit {
    var f = RateLimitFit()
    if r.next() % 5 == 0 {
      f.n = count(&r, [1, 12, .max])
      f.refMs = times.randomElement(using: &r)!
      f.sumT = doubles.randomElement(using: &r)!
      f.sumV = doubles.randomElement(using: &r)!
      f.sumTT = doubles.randomElement(using: &r)!
      f.sumTV = doubles.randomElement(using: &r)!
      f.minRemaining = doubles.randomElement(using: &r)!
      f.lastMs = times.randomElement(using: &r)!
      f.limit = doubles.randomElement(using: &r)!
      f.maxResetS = doubles.randomElement(using: &r)!
      return f
    }
    let start = [0, 1_795_600_800_000, Timestamp.maxMs - 120_000].randomElement(using: &r)!
    let remaining = [0, 1, 600, 9e15, 0x1p63].randomElement(using: &r)!
    let fall = [0, 1e-9, 1, 1e15].randomElement(using: &r)!
    let limit = ([nil, 0, 600, 0x1p63] as [Double?]).randomElement(using: &r)!
    let reset = ([nil, 0, 60, 86_400, 31 * 86_400] as [Double?]).randomElement(using: &r)!
    for k in 0..<12 {
      f.add(
        remaining: max(0, remaining - Double(k) * fall), atMs: start + Int64(k) * 10_000, limit: limit,
        resetS: reset)
    }
    return f
  }

  static func count(_ r: inout SeededRandom, _ among: [Int64]) -> Int64 { among.randomElement(using: &r)! }

  /// Every template name (and a label), so that rendering a summary formats all of them.
  package static let summary =
    Template.builtins.sorted().map { "\($0)={{ \($0) }}" }.joined(separator: " ")
    + " model={{ labels.model }}"

  /// A rule of `kind` with a threshold at the edges, which fires through no data or on any value.
  package static func rule(_ kind: MetricKind, _ r: inout SeededRandom) -> AlertRule {
    var rule = AlertRule(
      name: "X_" + kind.name.filter { $0.isLetter || $0.isNumber || $0 == "_" },
      metric: kind, threshold: thresholds.randomElement(using: &r)!,
      windowMs: [10_000, 300_000, 3_600_000, DurationText.maxMs].randomElement(using: &r)!, summary: summary,
      description: summary)
    rule.comparison = Comparison.allCases.randomElement(using: &r)!
    rule.noData = [NoDataPolicy.alerting, .keep, .resolve].randomElement(using: &r)!
    rule.minRequests = count(&r, [0, 1, .max])
    rule.groupBy = r.next() % 2 == 0 ? [.provider, .model] : []
    if r.next() % 3 == 0 { rule.resolveThreshold = thresholds.randomElement(using: &r)! }
    if kind == .burnRate {
      let objective = [0.5, 0.999, 1 - 1e-15, 1].randomElement(using: &r)!
      let periodMs = ([3_600_000, 30 * 86_400_000, DurationText.maxMs] as [Int64]).randomElement(using: &r)!
      rule.burn = BurnRate(
        slo: "S", objective: objective, periodMs: periodMs,
        pairs: BurnRate.workbookPairs(periodMs: periodMs, page: r.next() % 2 == 0),
        minTotal: count(&r, [0, 1, .max]), minBad: count(&r, [0, 1, .max]))
    }
    return rule
  }

  /// A rule of every metric kind (see ``rule(_:_:)``), evaluated every 10 s.
  package static func rules(_ r: inout SeededRandom) -> RuleSet {
    var set = RuleSet(rules: metricKinds.map { rule($0, &r) })
    set.evaluationIntervalMs = 10_000
    return set
  }

  /// Calls at the contract's edges, as the intake accepts them, for a store: every label above,
  /// 2^40 tokens each way, latencies of nothing and of a week, each status class, a Retry-After
  /// of 1e300 s, and rate-limit counts near 9e15 and the largest the contract takes (10^18)
  /// falling by one every 3 s (a forecast of hundreds of millions of years). They end at `endMs`.
  package static func calls(endingAt endMs: Int64) -> [CallRecord] {
    var out: [CallRecord] = []
    for (i, provider) in labels.enumerated() {
      for k in 0..<40 {
        var c = CallRecord(
          timestampMs: endMs - Int64(39 - k) * 3000, status: [200, 429, 500, 0, 401][(i + k) % 5],
          provider: provider, model: labels[k % labels.count], latencyMs: k % 2 == 0 ? 604_800_000 : 0)
        c.attempt = k % 3 + 1
        c.maxAttempts = 3
        c.promptTokens = CallLimits.maxTokens
        c.completionTokens = CallLimits.maxTokens
        c.retryAfterS = 1e300
        c.rateLimitRemainingRequests = 9_000_000_000_000_000 - Int64(k)
        c.rateLimitLimitRequests = 10_000_000_000_000_000
        c.rateLimitResetRequestsS = 60
        c.rateLimitRemainingTokens = CallLimits.maxRateLimitCount - Int64(k)
        c.rateLimitLimitTokens = CallLimits.maxRateLimitCount
        c.rateLimitResetTokensS = 31 * 86_400
        out.append(c)
      }
    }
    return out
  }

  /// The rules, the data and the evaluations of one seed: every metric kind evaluated at each
  /// time of ``times`` over extreme rollups (two buckets of every series, labels at the edges),
  /// then again with no data after it, so that alerts fire, hold through no data and resolve.
  package static func evaluations(seed: UInt64) throws -> (RuleSet, [Evaluation]) {
    var r = SeededRandom(seed: seed)
    let set = rules(&r)
    var out: [Evaluation] = []
    for at in times {
      let source = InMemoryRollups()
      for _ in 0..<3 {
        let series = SeriesKey(
          provider: labels.randomElement(using: &r)!, model: labels.randomElement(using: &r)!,
          app: labels.randomElement(using: &r)!)
        for back in [10_000, 20_000] as [Int64] {
          source.merge(rollup(&r), at: RollupKey(bucketMs: RollupKey.bucket(of: at - back), series: series))
        }
        source.noteWrite(
          source: labels.randomElement(using: &r)!, calls: counts.randomElement(using: &r)!,
          firstMs: at - 15_000,
          lastMs: at - 12_000)
      }
      var states: [AlertKey: AlertState] = [:]
      for step in [at, at + 10_000, at + 600_000] where step <= Timestamp.maxMs {
        let e = try Evaluator.evaluate(
          set, source: step == at ? source : InMemoryRollups(), atMs: step, previous: states)
        states = e.states
        out.append(e)
      }
    }
    return (set, out)
  }
}
