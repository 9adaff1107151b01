import VigilCore
import Yams

/// Rollups built from described traffic, for rule tests.
final class TrafficSource: RollupSource {
  var buckets: [Int64: [SeriesKey: Rollup]] = [:]

  func add(_ record: CallRecord) {
    buckets[RollupKey.bucket(of: record.timestampMs), default: [:]][record.series, default: Rollup()].add(
      record)
  }

  func rollupRows(fromMs: Int64, toMs: Int64, latency: Bool) throws -> [RollupRow] {
    var out: [RollupRow] = []
    for (bucket, series) in buckets where bucket >= fromMs && bucket < toMs {
      for (key, r) in series { out.append(RollupRow(bucketMs: bucket, series: key, rollup: r)) }
    }
    return out
  }

}

/// Unit tests for rules, in the spirit of `promtool test rules`: traffic described compactly over
/// time, and the alerts expected to be firing at given instants. The same evaluator as `check`.
public enum RuleTestRunner {
  public struct Outcome: Sendable {
    public var passedCases = 0
    /// One line per failed expectation.
    public var failures: [String] = []
  }

  struct Segment {
    var series: SeriesKey
    var fromMs: Int64
    var toMs: Int64
    var perSecond: Double
    var statuses: [(Int, Double)]
    var latencies: [(Double, Double)]
    var exhausted: Double
    var errorCode: String?
  }

  struct Expectation {
    var atMs: Int64
    var firing: [(String, [String: String])]
    var line: Int
  }

  struct Case {
    var name: String
    var startMs: Int64
    var segments: [Segment] = []
    var expectations: [Expectation] = []
  }

  public static func run(path: String) throws -> Outcome {
    let text: String
    switch readTextFile(path) {
    case .success(let t): text = t
    case .failure(let problem):
      throw RulesErrors(errors: [RulesError(file: path, line: 0, column: 0, message: problem.description)])
    }
    var parser = TestFileParser(file: path)
    let (ruleFiles, cases) = parser.parse(text)
    guard parser.loader.errors.isEmpty else { throw RulesErrors(errors: parser.loader.errors) }
    let directory = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) + "/" : ""
    var rules = RuleSet()
    for file in ruleFiles {
      let set = try RulesLoader.load(path: file.hasPrefix("/") ? file : directory + file)
      rules.rules += set.rules
      rules.evaluationIntervalMs = set.evaluationIntervalMs
      rules.evaluationDelayMs = set.evaluationDelayMs
      rules.receivers = set.receivers
    }
    var outcome = Outcome()
    for c in cases {
      let failures = try runCase(c, rules: rules, file: path)
      if failures.isEmpty { outcome.passedCases += 1 }
      outcome.failures += failures
    }
    return outcome
  }

  static func runCase(_ c: Case, rules: RuleSet, file: String) throws -> [String] {
    let source = TrafficSource()
    for segment in c.segments { generate(segment, start: c.startMs, into: source) }
    let step = rules.evaluationIntervalMs
    let lastAt = c.expectations.map(\.atMs).max() ?? 0
    var times = Set(stride(from: step, through: lastAt, by: Int64.Stride(step)))
    for e in c.expectations { times.insert(e.atMs) }
    var states: [AlertKey: AlertState] = [:]
    var failures: [String] = []
    for t in times.sorted() {
      let evaluation = try Evaluator.evaluate(rules, source: source, atMs: c.startMs + t, previous: states)
      states = evaluation.states
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
    return failures
  }

  static func describe(_ name: String, _ labels: [String: String]) -> String {
    let shown = labels.filter { $0.key != "alertname" && $0.key != "severity" }.sorted { $0.key < $1.key }
    return name + "{" + shown.map { "\($0.key)=\($0.value)" }.joined(separator: ",") + "}"
  }

  /// Calls spread evenly over the segment, with statuses and latencies in the stated proportions
  /// (each next call takes the category furthest behind its share), so results are exact.
  static func generate(_ s: Segment, start: Int64, into source: TrafficSource) {
    let total = Int((Double(s.toMs - s.fromMs) / 1000 * s.perSecond).rounded())
    guard total > 0 else { return }
    var statusCounts = [Int](repeating: 0, count: s.statuses.count)
    var latencyCounts = [Int](repeating: 0, count: s.latencies.count)
    var exhaustedCount = 0
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
    for n in 0..<total {
      let ts = start + s.fromMs + Int64(Double(n) * Double(s.toMs - s.fromMs) / Double(total))
      let status = s.statuses[pick(s.statuses.map(\.1), &statusCounts, n)].0
      let latency = s.latencies[pick(s.latencies.map(\.1), &latencyCounts, n)].0
      var exhausted = false
      if s.exhausted > 0, s.exhausted * Double(n + 1) - Double(exhaustedCount) >= 1 {
        exhausted = true
        exhaustedCount += 1
      }
      source.add(
        CallRecord(
          timestampMs: ts, status: status, provider: s.series.provider, model: s.series.model,
          latencyMs: latency,
          retriesExhausted: exhausted, errorCode: status == 429 ? s.errorCode : nil,
          app: s.series.app.isEmpty ? nil : s.series.app, env: s.series.env.isEmpty ? nil : s.series.env,
          endpoint: s.series.endpoint.isEmpty ? nil : s.series.endpoint))
    }
  }
}

/// Reads a rule test file, reporting problems with their line and column.
struct TestFileParser {
  var loader: RulesLoader

  init(file: String) { loader = RulesLoader(file: file) }

  static let topKeys = ["rule_files", "tests"]
  static let caseKeys = ["name", "start", "traffic", "expect"]
  static let trafficKeys = [
    "provider", "model", "app", "env", "endpoint", "from", "to", "rate", "status", "latency_ms", "exhausted",
    "error_code",
  ]
  static let expectKeys = ["at", "firing"]
  static let alertKeys = ["alert", "labels"]

  mutating func parse(_ text: String) -> ([String], [RuleTestRunner.Case]) {
    let root: Node?
    do {
      root = try Yams.compose(yaml: text)
    } catch let error as YamlError {
      loader.errors.append(loader.yamlError(error))
      return ([], [])
    } catch {
      loader.fail(nil, "\(error)")
      return ([], [])
    }
    guard let root else {
      loader.fail(nil, "the file is empty")
      return ([], [])
    }
    let top = loader.entries(root, known: Self.topKeys, what: "a rule test file")
    let files = top["rule_files"].map { loader.strings($0) } ?? []
    if files.isEmpty { loader.fail(root, "name the rules under test: 'rule_files: [alerts.yaml]'") }
    var cases: [RuleTestRunner.Case] = []
    for item in top["tests"]?.sequence ?? [] {
      let e = loader.entries(item, known: Self.caseKeys, what: "a test case")
      var c = RuleTestRunner.Case(
        name: e["name"].flatMap { $0.string } ?? "unnamed", startMs: 1_767_225_600_000)
      if let s = e["start"] {
        if let ms = s.string.flatMap(Timestamp.parseRFC3339) {
          c.startMs = ms
        } else {
          loader.fail(s, "start must be an RFC 3339 time")
        }
      }
      for t in e["traffic"]?.sequence ?? [] { if let seg = segment(t) { c.segments.append(seg) } }
      for x in e["expect"]?.sequence ?? [] { if let exp = expectation(x) { c.expectations.append(exp) } }
      if c.expectations.isEmpty { loader.fail(item, "case '\(c.name)' expects nothing: add 'expect:'") }
      cases.append(c)
    }
    return (files, cases)
  }

  mutating func segment(_ node: Node) -> RuleTestRunner.Segment? {
    let e = loader.entries(node, known: Self.trafficKeys, what: "a traffic segment")
    func label(_ k: String) -> String { e[k].flatMap { $0.string } ?? "" }
    guard let fromNode = e["from"], let from = loader.duration(fromNode, positive: false),
      let toNode = e["to"], let to = loader.duration(toNode, positive: true), to > from
    else {
      loader.fail(node, "a traffic segment needs 'from' and 'to' (durations from the start, to after from)")
      return nil
    }
    guard let rateNode = e["rate"], let rate = perSecond(rateNode) else {
      loader.fail(e["rate"] ?? node, "a traffic segment needs 'rate', such as 5/s or 120/m")
      return nil
    }
    let statuses = e["status"].map { mix($0) { Int($0) } } ?? [(200, 1)]
    let latencies: [(Double, Double)] =
      if let n = e["latency_ms"] { n.scalar != nil ? [(n.float ?? 500, 1)] : mix(n) { Double($0) } } else {
        [(500, 1)]
      }
    var exhausted = 0.0
    if let n = e["exhausted"] { exhausted = share(n) ?? 0 }
    return RuleTestRunner.Segment(
      series: SeriesKey(
        provider: label("provider").isEmpty ? "unknown" : label("provider"),
        model: label("model").isEmpty ? "unknown" : label("model"), app: label("app"), env: label("env"),
        endpoint: label("endpoint")),
      fromMs: from, toMs: to, perSecond: rate, statuses: statuses, latencies: latencies, exhausted: exhausted,
      errorCode: e["error_code"].flatMap { $0.string })
  }

  mutating func perSecond(_ node: Node) -> Double? {
    guard let text = node.string else { return nil }
    let parts = text.split(separator: "/")
    guard parts.count == 2, let n = Double(parts[0]), n >= 0 else { return nil }
    switch parts[1] {
    case "s": return n
    case "m": return n / 60
    case "h": return n / 3600
    default: return nil
    }
  }

  mutating func share(_ node: Node) -> Double? {
    guard let text = node.string else { return nil }
    if text.hasSuffix("%"), let v = Double(text.dropLast()) { return v / 100 }
    if let v = Double(text), v <= 1 { return v }
    loader.fail(node, "'\(text)' is not a share such as 15% or 0.15")
    return nil
  }

  /// `{200: 85%, 429: 15%}`: values with shares that add up to 100%.
  mutating func mix<T>(_ node: Node, _ convert: (String) -> T?) -> [(T, Double)] {
    guard let mapping = node.mapping else {
      loader.fail(node, "expected a mix such as {200: 90%, 429: 10%}")
      return []
    }
    var out: [(T, Double)] = []
    for (k, v) in mapping {
      guard let key = k.string.flatMap(convert), let s = share(v) else {
        loader.fail(k, "expected value: share pairs such as 429: 10%")
        continue
      }
      out.append((key, s))
    }
    let total = out.reduce(0) { $0 + $1.1 }
    if abs(total - 1) > 1e-9 {
      loader.fail(node, "the shares add up to \(formatPlain(total * 100))%, not 100%")
    }
    return out
  }

  mutating func expectation(_ node: Node) -> RuleTestRunner.Expectation? {
    let e = loader.entries(node, known: Self.expectKeys, what: "an expectation")
    guard let atNode = e["at"], let at = loader.duration(atNode, positive: true) else {
      loader.fail(node, "an expectation needs 'at' (a duration from the start)")
      return nil
    }
    var firing: [(String, [String: String])] = []
    for a in e["firing"]?.sequence ?? [] {
      let f = loader.entries(a, known: Self.alertKeys, what: "an expected alert")
      guard let name = f["alert"]?.string else {
        loader.fail(a, "an expected alert needs 'alert'")
        continue
      }
      var labels: [String: String] = [:]
      for (k, v) in f["labels"]?.mapping ?? [:] { if let k = k.string, let v = v.string { labels[k] = v } }
      firing.append((name, labels))
    }
    return RuleTestRunner.Expectation(atMs: at, firing: firing, line: node.mark?.line ?? 0)
  }
}
