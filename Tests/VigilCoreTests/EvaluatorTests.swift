import Testing

@testable import VigilCore

/// Rollups in memory, filled call by call.
final class Calls: RollupSource {
  var source = InMemoryRollups()

  func add(
    _ ms: Int64, _ status: Int, provider: String = "openai", latency: Double = 500, exhausted: Bool = false
  ) {
    source.add(
      CallRecord(
        timestampMs: ms, status: status, provider: provider, model: "m", latencyMs: latency,
        retriesExhausted: exhausted))
  }

  /// `perSecond` calls each second in [from, to) seconds, `failing` of them with `status`.
  func traffic(
    _ from: Int64, _ to: Int64, perSecond: Int, failing: Int = 0, status: Int = 500,
    provider: String = "openai"
  ) {
    for s in from..<to {
      for i in 0..<perSecond { add(s * 1000 + Int64(i), i < failing ? status : 200, provider: provider) }
    }
  }

  func rollupRows(fromMs: Int64, toMs: Int64, latency: Bool) throws -> [RollupRow] {
    try source.rollupRows(fromMs: fromMs, toMs: toMs, latency: latency)
  }

  func sourceActivity(fromMs: Int64, toMs: Int64) throws -> [SourceActivity] {
    try source.sourceActivity(fromMs: fromMs, toMs: toMs)
  }
}

@Suite struct EvaluatorTests {
  func rule(
    _ metric: MetricKind = .errorRate, threshold: Double = 0.05, window: Int64 = 60_000, for f: Int64 = 0
  )
    -> AlertRule
  {
    var r = AlertRule(name: "R", metric: metric, threshold: threshold, windowMs: window)
    r.forMs = f
    r.groupBy = [.provider]
    r.minRequests = 20
    return r
  }

  /// Evaluates every 15 s from `from` to `to` seconds; returns the announced transitions.
  func run(_ rules: [AlertRule], _ data: Calls, from: Int64, to: Int64, states: inout [AlertKey: AlertState])
    throws
    -> [AlertTransition]
  {
    var set = RuleSet(rules: rules)
    set.evaluationIntervalMs = 15_000
    var out: [AlertTransition] = []
    for t in stride(from: from * 1000, through: to * 1000, by: 15_000) {
      let e = try Evaluator.evaluate(set, source: data, atMs: t, previous: states)
      states = e.states
      out += e.transitions.filter(\.isAnnounced)
    }
    return out
  }

  @Test func firesWithinOneIntervalOfTheForDurationAndResolves() throws {
    let data = Calls()
    data.traffic(0, 1200, perSecond: 2)
    data.traffic(300, 900, perSecond: 1, failing: 1)  // a third of attempts fail from 300 s to 900 s
    var states: [AlertKey: AlertState] = [:]
    let t = try run([rule(for: 120_000)], data, from: 0, to: 1200, states: &states)
    #expect(t.map(\.kind) == [.firing, .resolved])
    // The 1m window passes 5% a few seconds after 300 s; `for` 2m; so firing at 435 s at the latest.
    #expect(t[0].atMs >= 420_000 && t[0].atMs <= 435_000)
    #expect(t[0].labels["provider"] == "openai" && t[0].labels["alertname"] == "R")
    #expect(t[1].atMs > 900_000 && t[1].atMs <= 975_000)
    #expect(t[1].firedAtMs == t[0].atMs)
  }

  /// Two series whose names make one group name (a comma inside a name) give the group the labels
  /// of the least of them, in every evaluation, whatever order their calls come in.
  @Test func aGroupNamedByTwoSeriesTakesTheLabelsOfTheLeast() throws {
    // provider "x,model=y" with model "z", and provider "x" with model "y,model=z": one group.
    let least = (provider: "x", model: "y,model=z")
    let other = (provider: "x,model=y", model: "z")
    for order in [[least, other], [other, least]] {
      let data = Calls()
      for s in Int64(0)..<120 {
        for (i, series) in order.enumerated() {
          data.source.add(
            CallRecord(
              timestampMs: s * 1000 + Int64(i), status: 200, provider: series.provider, model: series.model,
              latencyMs: 100))
        }
      }
      var r = rule(.requestCount, threshold: 1e9)
      r.groupBy = [.provider, .model]
      let set = RuleSet(rules: [r])
      for at in stride(from: Int64(60_000), through: 120_000, by: 5_000) {
        let e = try Evaluator.evaluate(set, source: data, atMs: at, previous: [:])
        #expect(e.groups.count == 1 && e.groups.first?.attempts == 120)
        #expect(e.groups.first?.labels["provider"] == "x" && e.groups.first?.labels["model"] == "y,model=z")
      }
    }
  }

  @Test func anEvaluationReadsNothingAfterItsInstant() throws {
    let data = Calls()
    data.traffic(0, 600, perSecond: 2)
    // Every call fails from 300.5 s on: the bucket [300, 310) holds them, after 300.1 s.
    for ms in stride(from: Int64(300_500), to: 310_000, by: 250) { data.add(ms, 401) }
    var set = RuleSet(rules: [rule(.authFailures, threshold: 1)])
    set.evaluationIntervalMs = 15_000
    for at: Int64 in [300_100, 305_000, 309_999] {
      let e = try Evaluator.evaluate(set, source: data, atMs: at, previous: [:])
      #expect(e.firing.isEmpty, "at \(at) ms it saw calls from its future")
    }
    // Once their bucket is complete, they count.
    #expect(try Evaluator.evaluate(set, source: data, atMs: 310_000, previous: [:]).firing.count == 1)
  }

  @Test func aWindowCoversExactlyItsLength() throws {
    let data = Calls()
    // One call every 10 s, each in a bucket of its own.
    for s in stride(from: Int64(0), to: 600, by: 10) { data.add(s * 1000 + 1000, 200) }
    var set = RuleSet(rules: [rule(.requestCount, threshold: 0, window: 120_000)])
    set.rules[0].comparison = .greater
    // At :15 and :45 steps, a 2m window is 12 buckets, not 13.
    for at: Int64 in [300_000, 315_000, 345_000, 359_999] {
      let e = try Evaluator.evaluate(set, source: data, atMs: at, previous: [:])
      #expect(e.groups.first?.value == 12, "at \(at) ms")
    }
  }

  @Test func silenceInTheMiddleOfAnIncidentIsNotARecovery() throws {
    // A third of calls fail from 300 s; the logs stop from 600 s to 900 s; the failures go on
    // when they come back, until 1200 s.
    let data = Calls()
    data.traffic(0, 600, perSecond: 3, failing: 1)
    data.traffic(900, 1200, perSecond: 3, failing: 1)
    data.traffic(1200, 1800, perSecond: 3)
    var states: [AlertKey: AlertState] = [:]
    var kept = try run([rule()], data, from: 0, to: 800, states: &states)
    #expect(kept.map(\.kind) == [.firing])
    let key = try #require(states.keys.first)
    #expect(states[key]?.phase == .firing && states[key]?.noDataSinceMs != nil)
    kept += try run([rule()], data, from: 815, to: 1800, states: &states)
    #expect(kept.map(\.kind) == [.firing, .resolved], "one page, one all-clear")
    #expect(kept[1].atMs > 1_200_000)
    // The same with no_data: resolve, as Prometheus does: a false all-clear and a second page.
    var resolving = rule()
    resolving.noData = .resolve
    states = [:]
    let twice = try run([resolving], data, from: 0, to: 1800, states: &states)
    #expect(twice.map(\.kind) == [.firing, .resolved, .firing, .resolved])
  }

  @Test func noDataAlertingFiresOnAWindowWithTooFewCalls() throws {
    let data = Calls()
    data.traffic(0, 600, perSecond: 1)
    data.traffic(600, 1200, perSecond: 0)
    for s in stride(from: Int64(600), to: 1200, by: 30) { data.add(s * 1000, 200) }
    var r = rule(window: 60_000)
    r.noData = .alerting
    var states: [AlertKey: AlertState] = [:]
    let t = try run([r], data, from: 60, to: 1200, states: &states)
    #expect(t.map(\.kind) == [.firing])
    #expect(t.first.map { $0.atMs > 600_000 } == true)
  }

  @Test func callsThatStopArrivingAreToldApartFromQuietProviders() throws {
    let data = Calls()
    data.traffic(0, 1800, perSecond: 2, provider: "openai")
    data.traffic(0, 600, perSecond: 2, provider: "anthropic")  // stops at 600 s
    // A trickle, too little to say it stopped.
    for s in stride(from: Int64(0), to: 1800, by: 300) { data.add(s * 1000, 200, provider: "gemini") }
    var stopped = rule(.timeSinceLastCall, threshold: 300_000, window: 1_800_000)
    stopped.minRequests = 30
    var states: [AlertKey: AlertState] = [:]
    let t = try run([stopped], data, from: 0, to: 1800, states: &states)
    #expect(t.map(\.kind) == [.firing])
    #expect(t.first?.labels["provider"] == "anthropic")
    // It fires once the last call is more than 5 minutes old, within a step.
    #expect((t.first?.atMs ?? 0) > 900_000 && (t.first?.atMs ?? 0) <= 915_000, "\(t.first?.atMs ?? 0)")
    #expect(t.first.map { stopped.metric.format($0.value) }?.hasPrefix("5m") == true)
    // Calls come back: resolved.
    data.traffic(2000, 2100, perSecond: 2, provider: "anthropic")
    let back = try run([stopped], data, from: 1815, to: 2100, states: &states)
    #expect(back.map(\.kind) == [.resolved])
  }

  @Test func aLogSourceThatGoesQuietAlertsAndItsRotatedCopiesAreIt() throws {
    let data = Calls()
    data.traffic(0, 1800, perSecond: 2)
    // Writes of two sources: the log (rotated at 300 s) stops at 900 s; UDP goes on.
    for s in stride(from: Int64(0), to: 1800, by: 10) {
      let log = s < 300 ? "/var/log/app.jsonl.1" : "/var/log/app.jsonl"
      if s < 900 { data.source.noteWrite(source: log, calls: 20, firstMs: s * 1000, lastMs: s * 1000 + 9999) }
      data.source.noteWrite(
        source: "udp:127.0.0.1:9515", calls: 20, firstMs: s * 1000, lastMs: s * 1000 + 9999)
    }
    var quiet = AlertRule(
      name: "SourceQuiet", metric: .sourceTimeSinceLastCall, threshold: 300_000, windowMs: 1_800_000)
    quiet.minRequests = 30
    var states: [AlertKey: AlertState] = [:]
    let t = try run([quiet], data, from: 0, to: 1800, states: &states)
    #expect(t.map(\.kind) == [.firing])
    #expect(t.first?.labels["source"] == "/var/log/app.jsonl")
    #expect((t.first?.atMs ?? 0) >= 1_200_000 && (t.first?.atMs ?? 0) <= 1_215_000, "\(t.first?.atMs ?? 0)")
  }

  @Test func aBlipShorterThanForNeverFires() throws {
    let data = Calls()
    data.traffic(0, 1200, perSecond: 2)
    data.traffic(300, 330, perSecond: 2, failing: 2)
    var states: [AlertKey: AlertState] = [:]
    #expect(try run([rule(for: 120_000)], data, from: 0, to: 1200, states: &states).isEmpty)
  }

  @Test func theFloorKeepsLowTrafficQuiet() throws {
    let data = Calls()
    for s in stride(from: Int64(0), to: 600, by: 10) { data.add(s * 1000, s % 20 == 0 ? 500 : 200) }
    var states: [AlertKey: AlertState] = [:]
    #expect(try run([rule()], data, from: 0, to: 600, states: &states).isEmpty)
  }

  @Test func oneProviderDownAlertsForThatProviderOnly() throws {
    let data = Calls()
    data.traffic(0, 600, perSecond: 2, provider: "openai")
    data.traffic(0, 600, perSecond: 2, failing: 1, provider: "anthropic")
    var states: [AlertKey: AlertState] = [:]
    let t = try run([rule()], data, from: 0, to: 600, states: &states)
    #expect(t.count == 1)
    #expect(t.first?.labels["provider"] == "anthropic")
    #expect(t.first?.key.group == "provider=anthropic")
  }

  @Test func resolveThresholdStopsFlappingAtTheThreshold() throws {
    // A rate hovering around 5%: 1 error in 18 (5.6%) and 1 in 22 (4.5%) alternately each minute.
    let data = Calls()
    for minute in Int64(0)..<20 {
      let n: Int64 = minute % 2 == 0 ? 18 : 22
      for i in 0..<n { data.add(minute * 60_000 + i * (60_000 / n), i == 0 ? 500 : 200) }
    }
    var plain = rule()
    plain.minRequests = 0
    var damped = plain
    damped.resolveThreshold = 0.03
    var s1: [AlertKey: AlertState] = [:]
    var s2: [AlertKey: AlertState] = [:]
    let flapping = try run([plain], data, from: 60, to: 1200, states: &s1).filter { $0.kind == .firing }.count
    let steady = try run([damped], data, from: 60, to: 1200, states: &s2).filter { $0.kind == .firing }.count
    #expect(flapping > 3)
    #expect(steady == 1)
  }

  @Test func keepFiringForHoldsAnAlertThroughAShortDip() throws {
    let data = Calls()
    data.traffic(0, 900, perSecond: 2)
    data.traffic(0, 300, perSecond: 1, failing: 1)
    data.traffic(400, 900, perSecond: 1, failing: 1)
    var r = rule()
    r.keepFiringForMs = 180_000
    var states: [AlertKey: AlertState] = [:]
    let t = try run([r], data, from: 0, to: 900, states: &states)
    #expect(t.map(\.kind) == [.firing])
  }

  @Test func trafficStoppedFiresForTheGroupThatWentQuiet() throws {
    let data = Calls()
    data.traffic(0, 600, perSecond: 1, provider: "openai")
    data.traffic(0, 300, perSecond: 1, provider: "anthropic")
    var r = rule(.requestCount, threshold: 1)
    r.comparison = .less
    var states: [AlertKey: AlertState] = [:]
    let t = try run([r], data, from: 60, to: 600, states: &states)
    #expect(t.map(\.kind) == [.firing])
    #expect(t.first?.labels["provider"] == "anthropic")
    #expect(t.first.map { $0.atMs >= 360_000 && $0.atMs <= 375_000 } == true)
  }

  @Test func templatesRenderValueThresholdAndLabels() throws {
    let data = Calls()
    data.traffic(0, 120, perSecond: 4, failing: 1, status: 429)
    var r = rule(.rate429, threshold: 0.1)
    r.summary = "{{ labels.provider }}: {{ value }} > {{ threshold }} ({{ metric }}, {{ window }})"
    r.description = "{{ advice }}"
    var states: [AlertKey: AlertState] = [:]
    let t = try run([r], data, from: 60, to: 60, states: &states)
    #expect(t.first?.summary == "openai: 25.00% > 10.00% (rate_429, 1m)")
    #expect(t.first?.description.contains("back off") == true)
  }

  @Test func stateCarriesAcrossSeparateEvaluationsLikeCronRuns() throws {
    let data = Calls()
    data.traffic(0, 600, perSecond: 2, failing: 1)
    var set = RuleSet(rules: [rule(for: 120_000)])
    set.evaluationIntervalMs = 60_000
    // Evaluations a minute apart (cron): pending at 60 s, firing once 120 s later, then nothing new.
    var states: [AlertKey: AlertState] = [:]
    var kinds: [AlertTransition.Kind] = []
    for t in stride(from: Int64(60_000), through: 300_000, by: 60_000) {
      let e = try Evaluator.evaluate(set, source: data, atMs: t, previous: states)
      states = e.states
      kinds += e.transitions.map(\.kind)
      let again = try Evaluator.evaluate(set, source: data, atMs: t, previous: states)
      #expect(again.transitions.isEmpty, "the same instant twice announces nothing twice")
    }
    #expect(kinds == [.pending, .firing])
  }
}
