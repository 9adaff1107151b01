import Testing
import VigilCore
import VigilTestSupport

@testable import VigilConfig

/// Every metric kind, over rollups whose counts, latencies and rate-limit fits sit at the edges
/// (and thresholds of any size alerts.yaml accepts), through evaluation and the formatting of
/// values, thresholds and templates: nothing traps, and each text is what its kind shows.
@Suite struct ExtremeValueTests {
  /// Whether `text` is how `kind` shows a value: `-` for none, `inf` or `nan` as Swift writes a
  /// value that is no number, else a percentage, seconds, a duration (`1h30m`, or whole weeks past
  /// 292 million years), a burn (`14.4x`) or a plain number.
  static func isValueText(_ text: String, _ kind: MetricKind, _ value: Double?) -> Bool {
    guard let value else { return text == "-" }
    guard value.isFinite else { return text == "\(value)" }
    func number(_ s: Substring) -> Bool { Double(s) != nil && !s.contains(" ") }
    if kind.isRate { return text.hasSuffix("%") && number(text.dropLast()) }
    if kind.isLatency { return text.hasSuffix("s") && number(text.dropLast()) }
    if kind.isDuration {
      if abs(value) >= 0x1p63 { return text.hasSuffix("w") && number(text.dropLast()) }
      let magnitude = text.hasPrefix("-") ? String(text.dropFirst()) : text
      // Within the durations a file may write, the text reads back as the value, to the second.
      if abs(value) <= Double(DurationText.maxMs) {
        return DurationText.parseMs(magnitude) == Int64(abs(value)) / 1000 * 1000
      }
      return magnitude.allSatisfy { $0.isNumber || "wdhms".contains($0) } && !magnitude.isEmpty
    }
    if kind == .burnRate { return text.hasSuffix("x") && number(text.dropLast()) }
    return number(Substring(text))
  }

  @Test(arguments: 0..<3 as Range<UInt64>)
  func everyMetricKindEvaluatesAndFormatsAtTheEdges(seed: UInt64) throws {
    let (set, evaluations) = try ExtremeValues.evaluations(seed: seed)
    let rules = Dictionary(uniqueKeysWithValues: set.rules.map { ($0.name, $0) })
    var valued: Set<String> = []
    var announced = 0
    for evaluation in evaluations {
      for g in evaluation.groups {
        let rule = try #require(rules[g.key.rule])
        let text = rule.metric.format(g.value)
        #expect(
          Self.isValueText(text, rule.metric, g.value),
          "\(rule.metric.name) \(String(describing: g.value)): \(text)")
        #expect(Self.isValueText(rule.metric.format(rule.threshold), rule.metric, rule.threshold))
        if g.value != nil { valued.insert(rule.metric.name) }
      }
      for t in evaluation.transitions {
        let rule = try #require(rules[t.key.rule])
        // Every name of the summary rendered: none left in braces, the value as the metric shows it.
        #expect(!t.summary.contains("{{") && t.summary.contains("value=\(rule.metric.messageText(t.value)) "))
        #expect(t.summary.contains("threshold=\(rule.metric.format(rule.threshold)) "))
        if t.isAnnounced { announced += 1 }
      }
    }
    // The generator reaches values and messages of most kinds, not just "no data".
    #expect(valued.count >= ExtremeValues.metricKinds.count * 2 / 3, "\(valued.sorted())")
    #expect(announced > 20)
  }

  /// Thresholds as large as alerts.yaml takes them (any finite number, or 36500d), on every kind.
  @Test func thresholdsOfAnySizeLoadAndShow() throws {
    for kind in ExtremeValues.metricKinds where kind != .burnRate {
      let base = kind.name.prefix { $0 != "{" }
      var extra = ""
      if case .classRate(let c) = kind { extra = ", class: \(c.rawValue)" }
      if case .classCount(let c) = kind { extra = ", class: \(c.rawValue)" }
      if case .latencyQuantile(let q) = kind, q != 0.99 { extra = ", percentile: \(q * 100)" }
      if case .rateLimitExhaustion(let h) = kind { extra = ", horizon: \(h.rawValue)" }
      for threshold in ["1e300", "1.7976931348623157e308", "9223372036854775807", "36500d", "0", "100%", "1"]
      {
        let yaml =
          "version: 1\nrules:\n  - {alert: X, metric: \(base)\(extra), threshold: \"\(threshold)\"}\n"
        guard let set = try? RulesLoader.load(yaml: yaml, file: "a.yaml"), let rule = set.rules.first else {
          continue
        }
        #expect(
          Self.isValueText(rule.metric.format(rule.threshold), kind, rule.threshold),
          "\(kind.name) \(threshold)")
      }
    }
  }

  /// A rule test's traffic is made call by call in memory: a rate no count can hold is refused
  /// with its place, not trapped on.
  @Test(arguments: ["1e300/s", "1.7976931348623157e308/m", "3000/s"])
  func aRuleTestSegmentOfMoreCallsThanCanBeMadeIsRefused(rate: String) throws {
    let dir = TemporaryDirectory()
    LogFile.write(dir.file("r.yaml"), "version: 1\nrules: []\n")
    LogFile.write(
      dir.file("r.test.yaml"),
      """
      rule_files: [r.yaml]
      tests:
        - name: flood
          traffic:
            - {provider: p, model: m, from: 0m, to: 1h, rate: \(rate)}
          expect:
            - {at: 1m, firing: []}

      """)
    let error = #expect(throws: ConfigErrors.self) { try RuleTest.load(path: dir.file("r.test.yaml")) }
    #expect(
      error?.description.contains(
        "r.test.yaml:5:57: a traffic segment makes at most 10,000,000 calls: lower 'rate' or shorten the segment"
      )
        == true, "\(String(describing: error))")
  }
}
