import VigilCore
import Yams

/// Rule test files: the rules under test, then cases of described traffic and the alerts
/// expected to be firing at given instants. Problems are reported with their line and column.
extension YAMLReader {
  static let testFileKeys = ["rule_files", "tests"]
  static let testCaseKeys = ["name", "start", "traffic", "expect", "messages"]
  static let trafficKeys = [
    "provider", "model", "app", "env", "endpoint", "from", "to", "rate", "status", "latency_ms", "exhausted",
    "error_code", "source", "max_attempts", "stream_outcome", "stream_error_type", "ttft_ms",
  ]
  static let messageKeys = ["at", "status", "alerts"]
  static let expectKeys = ["at", "firing"]
  static let alertKeys = ["alert", "labels"]

  mutating func parseRuleTestFile(_ text: String) -> (ruleFiles: [String], cases: [RuleTest.Case])? {
    guard let root = compose(text) else {
      if errors.isEmpty { fail(nil, "the file is empty") }
      return nil
    }
    let top = entries(root, known: Self.testFileKeys, what: "a rule test file")
    let files = top["rule_files"].map { strings($0) } ?? []
    if files.isEmpty { fail(root, "name the rules under test: 'rule_files: [alerts.yaml]'") }
    var cases: [RuleTest.Case] = []
    for item in top["tests"]?.sequence ?? [] {
      let e = entries(item, known: Self.testCaseKeys, what: "a test case")
      var c = RuleTest.Case(
        name: e["name"].flatMap { $0.string } ?? "unnamed", startMs: 1_767_225_600_000)
      if let s = e["start"] {
        if let ms = s.string.flatMap(Timestamp.parseRFC3339) {
          c.startMs = ms
        } else {
          fail(s, "start must be an RFC 3339 time")
        }
      }
      for t in e["traffic"]?.sequence ?? [] { if let seg = segment(t) { c.segments.append(seg) } }
      for x in e["expect"]?.sequence ?? [] { if let exp = expectation(x) { c.expectations.append(exp) } }
      if c.expectations.isEmpty { fail(item, "case '\(c.name)' expects nothing: add 'expect:'") }
      if let m = e["messages"] { c.messages = messages(m) }
      cases.append(c)
    }
    return (files, cases)
  }

  mutating func segment(_ node: Node) -> RuleTest.Segment? {
    let e = entries(node, known: Self.trafficKeys, what: "a traffic segment")
    func label(_ k: String) -> String { e[k].flatMap { $0.string } ?? "" }
    guard let fromNode = e["from"], let from = duration(fromNode, positive: false),
      let toNode = e["to"], let to = duration(toNode, positive: true), to > from
    else {
      fail(node, "a traffic segment needs 'from' and 'to' (durations from the start, to after from)")
      return nil
    }
    guard let rateNode = e["rate"], let rate = perSecond(rateNode) else {
      fail(e["rate"] ?? node, "a traffic segment needs 'rate', such as 5/s or 120/m")
      return nil
    }
    // The calls are made in memory, one by one: a segment holds what a test needs, and no more
    // than a count can (a rate of 1e300/s is refused here, not trapped on).
    guard Double(to - from) / 1000 * rate <= Double(RuleTest.maxCallsPerSegment) else {
      fail(rateNode, "a traffic segment makes at most 10,000,000 calls: lower 'rate' or shorten the segment")
      return nil
    }
    let statuses = e["status"].map { mix($0) { Int($0) } } ?? [(200, 1)]
    let latencies: [(Double, Double)] =
      if let n = e["latency_ms"] { n.scalar != nil ? [(n.float ?? 500, 1)] : mix(n) { Double($0) } } else {
        [(500, 1)]
      }
    var exhausted = 0.0
    if let n = e["exhausted"] { exhausted = share(n) ?? 0 }
    var segment = RuleTest.Segment(
      series: SeriesKey(
        provider: label("provider").isEmpty ? "unknown" : label("provider"),
        model: label("model").isEmpty ? "unknown" : label("model"), app: label("app"), env: label("env"),
        endpoint: label("endpoint")),
      fromMs: from, toMs: to, perSecond: rate, statuses: statuses, latencies: latencies, exhausted: exhausted,
      errorCode: e["error_code"].flatMap { $0.string }, source: e["source"].flatMap { $0.string },
      maxAttempts: e["max_attempts"].flatMap { count($0) }.map(Int.init))
    // Streams: `stream_outcome: {completed: 60%, error_event: 40%}`, `ttft_ms: 600` (or a mix).
    if let n = e["stream_outcome"] { segment.streamOutcomes = mix(n) { StreamOutcome(rawValue: $0) } }
    segment.streamErrorType = e["stream_error_type"].flatMap { $0.string }
    if let n = e["ttft_ms"] {
      segment.ttfts = n.scalar != nil ? [(n.float ?? 500, 1)] : mix(n) { Double($0) }
    }
    if !segment.ttfts.isEmpty && segment.streamOutcomes.isEmpty { segment.streamOutcomes = [(.completed, 1)] }
    return segment
  }

  /// `{stdout: [{status: firing, alerts: [HighRateLimitRate]}, ...]}`: every message each named
  /// receiver gets over the case, in order.
  mutating func messages(_ node: Node) -> [String: [RuleTest.ExpectedMessage]] {
    guard let mapping = node.mapping else {
      fail(
        node,
        "messages must map receivers to the messages they get: {stdout: [{status: firing, alerts: [A]}]}")
      return [:]
    }
    var out: [String: [RuleTest.ExpectedMessage]] = [:]
    for (k, v) in mapping {
      guard let receiver = k.string else { continue }
      var list: [RuleTest.ExpectedMessage] = []
      for item in v.sequence ?? [] {
        let e = entries(item, known: Self.messageKeys, what: "an expected message")
        let status = e["status"].flatMap { $0.string } ?? ""
        guard status == "firing" || status == "resolved" else {
          fail(e["status"] ?? item, "an expected message needs 'status: firing' or 'status: resolved'")
          continue
        }
        let at = e["at"].flatMap { duration($0, positive: true) }
        list.append(
          .init(
            atMs: at, status: status, alerts: (e["alerts"].map { strings($0) } ?? []).sorted(),
            line: item.mark?.line ?? 0))
      }
      if v.sequence == nil { fail(v, "receiver '\(receiver)': expected a list of messages (empty: [])") }
      out[receiver] = list
    }
    return out
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
    fail(node, "'\(text)' is not a share such as 15% or 0.15")
    return nil
  }

  /// `{200: 85%, 429: 15%}`: values with shares that add up to 100%.
  mutating func mix<T>(_ node: Node, _ convert: (String) -> T?) -> [(T, Double)] {
    guard let mapping = node.mapping else {
      fail(node, "expected a mix such as {200: 90%, 429: 10%}")
      return []
    }
    var out: [(T, Double)] = []
    for (k, v) in mapping {
      guard let key = k.string.flatMap(convert), let s = share(v) else {
        fail(k, "expected value: share pairs such as 429: 10%")
        continue
      }
      out.append((key, s))
    }
    let total = out.reduce(0) { $0 + $1.1 }
    if abs(total - 1) > 1e-9 {
      fail(node, "the shares add up to \(formatPlain(total * 100))%, not 100%")
    }
    return out
  }

  mutating func expectation(_ node: Node) -> RuleTest.Expectation? {
    let e = entries(node, known: Self.expectKeys, what: "an expectation")
    guard let atNode = e["at"], let at = duration(atNode, positive: true) else {
      fail(node, "an expectation needs 'at' (a duration from the start)")
      return nil
    }
    var firing: [(String, [String: String])] = []
    for a in e["firing"]?.sequence ?? [] {
      let f = entries(a, known: Self.alertKeys, what: "an expected alert")
      guard let name = f["alert"]?.string else {
        fail(a, "an expected alert needs 'alert'")
        continue
      }
      var labels: [String: String] = [:]
      for (k, v) in f["labels"]?.mapping ?? [:] { if let k = k.string, let v = v.string { labels[k] = v } }
      firing.append((name, labels))
    }
    return RuleTest.Expectation(atMs: at, firing: firing, line: node.mark?.line ?? 0)
  }
}
