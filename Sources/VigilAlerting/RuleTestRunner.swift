import VigilConfig
import VigilCore

/// Unit tests for rules, in the spirit of `promtool test rules`: traffic described compactly over
/// time, and the alerts expected to be firing at given instants. The same evaluator as `check`.
package enum RuleTestRunner {
  package struct Outcome: Sendable {
    package var passedCases = 0
    /// One line per failed expectation.
    package var failures: [String] = []
  }

  package static func run(path: String) throws -> Outcome {
    let (rules, cases) = try RuleTest.load(path: path)
    var outcome = Outcome()
    for c in cases {
      let failures = try runCase(c, rules: rules, file: path)
      if failures.isEmpty { outcome.passedCases += 1 }
      outcome.failures += failures
    }
    return outcome
  }

  static func runCase(_ c: RuleTest.Case, rules: RuleSet, file: String) throws -> [String] {
    let source = InMemoryRollups()
    for segment in c.segments { generate(segment, start: c.startMs, into: source) }
    let step = rules.evaluationIntervalMs
    let lastAt = c.horizonMs
    var times = Set(stride(from: step, through: lastAt, by: Int64.Stride(step)))
    for e in c.expectations { times.insert(e.atMs) }
    var failures: [String] = []
    for receiver in c.messages.keys where rules.receiver(named: receiver) == nil {
      failures.append("\(file): case '\(c.name)': messages for '\(receiver)', which the rules do not declare")
    }
    var routing = NotificationReplay(rules: rules)
    var sent: [AlertNotification] = []
    try Replay(rules: rules, source: source).run(at: times.sorted().map { c.startMs + $0 }) {
      at, evaluation in
      let t = at - c.startMs
      sent += routing.step(evaluation, atMs: at)
      for e in c.expectations where e.atMs == t {
        let firing: [(String, [String: String])] = evaluation.groups.filter { $0.phase == AlertPhase.firing }
          .map { ($0.key.rule, $0.labels) }
        var unmatched = firing
        var missing: [String] = []
        for (name, labels) in e.firing {
          if let i = unmatched.firstIndex(where: { candidate in
            candidate.0 == name && labels.allSatisfy { k, v in candidate.1[k] == v }
          }) {
            unmatched.remove(at: i)
          } else {
            missing.append(describe(name, labels))
          }
        }
        if !missing.isEmpty || !unmatched.isEmpty {
          var message = "\(file):\(e.line): case '\(c.name)' at \(DurationText.format(t)):"
          if !missing.isEmpty { message += " expected firing but not: \(missing.joined(separator: ", "));" }
          if !unmatched.isEmpty {
            message +=
              " firing but not expected: \(unmatched.map { describe($0.0, $0.1) }.joined(separator: ", "));"
          }
          failures.append(String(message.dropLast()))
        }
      }
    }
    for (receiver, expected) in c.messages.sorted(by: { $0.key < $1.key }) {
      let got = sent.filter { $0.receiver == receiver }.map {
        RuleTest.ExpectedMessage(
          atMs: $0.atMs - c.startMs, status: $0.status.rawValue,
          alerts: $0.alerts.map { $0.labels["alertname"] ?? "" }.sorted(), line: 0)
      }
      let matches =
        got.count == expected.count
        && zip(got, expected).allSatisfy { g, e in
          g.status == e.status && g.alerts == e.alerts && (e.atMs == nil || e.atMs == g.atMs)
        }
      if !matches {
        let line = expected.first?.line ?? 0
        failures.append(
          "\(file):\(line): case '\(c.name)': receiver '\(receiver)' got \(got.count) message(s): "
            + (got.isEmpty ? "none" : got.map(describe).joined(separator: "; "))
            + "; expected \(expected.count): "
            + (expected.isEmpty ? "none" : expected.map(describe).joined(separator: "; ")))
      }
    }
    return failures
  }

  static func describe(_ m: RuleTest.ExpectedMessage) -> String {
    (m.atMs.map { "at \(DurationText.format($0)) " } ?? "")
      + "\(m.status) [\(m.alerts.joined(separator: ", "))]"
  }

  static func describe(_ name: String, _ labels: [String: String]) -> String {
    let shown = labels.filter { $0.key != "alertname" && $0.key != "severity" }.sorted { $0.key < $1.key }
    return name + "{" + shown.map { "\($0.key)=\($0.value)" }.joined(separator: ",") + "}"
  }

  /// Calls spread evenly over the segment, with statuses and latencies in the stated proportions
  /// (each next call takes the category furthest behind its share), so results are exact.
  static func generate(_ s: RuleTest.Segment, start: Int64, into source: InMemoryRollups) {
    let total = Int((Double(s.toMs - s.fromMs) / 1000 * s.perSecond).rounded())
    guard total > 0 else { return }
    var statusCounts = [Int](repeating: 0, count: s.statuses.count)
    var latencyCounts = [Int](repeating: 0, count: s.latencies.count)
    var exhaustedCount = 0
    var outcomeCounts = [Int](repeating: 0, count: s.streamOutcomes.count)
    var ttftCounts = [Int](repeating: 0, count: s.ttfts.count)
    func pick(_ shares: [Double], _ counts: inout [Int], _ n: Int) -> Int {
      var best = 0
      var bestLag = -Double.infinity
      for (i, share) in shares.enumerated() {
        let lag = share * Double(n + 1) - Double(counts[i])
        if lag > bestLag {
          bestLag = lag
          best = i
        }
      }
      counts[best] += 1
      return best
    }
    // A source's writes, one per 10 s bucket, as a follower's batches would note them.
    var written: (bucket: Int64, calls: Int64, first: Int64, last: Int64)?
    func noteWritten() {
      if let w = written, let name = s.source {
        source.noteWrite(source: name, calls: w.calls, firstMs: w.first, lastMs: w.last)
      }
    }
    for n in 0..<total {
      let ts = start + s.fromMs + Int64(Double(n) * Double(s.toMs - s.fromMs) / Double(total))
      if s.source != nil {
        if let w = written, w.bucket == RollupKey.bucket(of: ts) {
          written = (w.bucket, w.calls + 1, w.first, ts)
        } else {
          noteWritten()
          written = (RollupKey.bucket(of: ts), 1, ts, ts)
        }
      }
      let status = s.statuses[pick(s.statuses.map(\.1), &statusCounts, n)].0
      let latency = s.latencies[pick(s.latencies.map(\.1), &latencyCounts, n)].0
      // Only a retryable failure can exhaust retries: the share falls on those, the next one
      // taking a mark that fell on a call of another class.
      let code = (400..<500).contains(status) ? s.errorCode : nil
      var exhausted = false
      if s.exhausted > 0,
        StatusClass.exhausts(classIndex: StatusClass(status: status, errorCode: code).index),
        s.exhausted * Double(n + 1) - Double(exhaustedCount) >= 1
      {
        exhausted = true
        exhaustedCount += 1
      }
      var call = CallRecord(
        timestampMs: ts, status: status, provider: s.series.provider, model: s.series.model,
        latencyMs: latency, maxAttempts: s.maxAttempts,
        retriesExhausted: exhausted, errorCode: code,
        app: s.series.app.isEmpty ? nil : s.series.app, env: s.series.env.isEmpty ? nil : s.series.env,
        endpoint: s.series.endpoint.isEmpty ? nil : s.series.endpoint)
      if !s.streamOutcomes.isEmpty {
        let outcome = s.streamOutcomes[pick(s.streamOutcomes.map(\.1), &outcomeCounts, n)].0
        call.stream = true
        call.streamOutcome = outcome
        if outcome == .errorEvent { call.streamErrorType = s.streamErrorType }
        if !s.ttfts.isEmpty { call.ttftMs = s.ttfts[pick(s.ttfts.map(\.1), &ttftCounts, n)].0 }
      }
      source.add(call)
      // With `max_attempts`, a failure not marked exhausted is retried: the retry is not described
      // (it would change the rates), but it came, so the request is not one whose retry never
      // arrived (``RequestCounts/orphaned(since:)``).
      if let max = s.maxAttempts,
        Rollup.awaitsRetry(
          classIndex: call.statusClass.index, attempt: 1, maxAttempts: max, exhausted: exhausted)
      {
        var retry = Rollup()
        retry.retries = 1
        source.merge(retry, at: RollupKey(bucketMs: RollupKey.bucket(of: ts), series: call.series))
      }
    }
    noteWritten()
  }
}
