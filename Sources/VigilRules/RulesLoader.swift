public import VigilCore
import Yams

#if canImport(Glibc)
  import Glibc
#endif

/// A problem in a rules file, with its place: `alerts.yaml:12:5: unknown key 'treshold' (did you
/// mean 'threshold'?)`.
public struct RulesError: Error, CustomStringConvertible, Sendable, Equatable {
  public var file: String
  public var line: Int
  public var column: Int
  public var message: String

  public var description: String { "\(file):\(line):\(column): \(message)" }
}

/// All problems found in a rules file (every one is reported, not just the first).
public struct RulesErrors: Error, CustomStringConvertible, Sendable {
  public var errors: [RulesError]
  public var description: String { errors.map(\.description).joined(separator: "\n") }
}

/// Reads alerts.yaml into a ``RuleSet``, refusing the whole file on any error.
public struct RulesLoader {
  /// The file name used in messages.
  let file: String
  var errors: [RulesError] = []

  public static let supportedVersion = 1

  /// Parses rules from YAML text; `file` names it in messages.
  public static func load(yaml: String, file: String) throws(RulesErrors) -> RuleSet {
    var loader = RulesLoader(file: file)
    let set = loader.parse(yaml)
    guard loader.errors.isEmpty, let set else {
      throw RulesErrors(errors: loader.errors.sorted { ($0.line, $0.column) < ($1.line, $1.column) })
    }
    return set
  }

  /// Reads and parses a rules file.
  public static func load(path: String) throws(RulesErrors) -> RuleSet {
    guard let text = readTextFile(path) else {
      throw RulesErrors(errors: [RulesError(file: path, line: 0, column: 0, message: "cannot read the file")])
    }
    return try load(yaml: text, file: path)
  }

  init(file: String) { self.file = file }

  mutating func fail(_ node: Node?, _ message: String) {
    errors.append(
      RulesError(file: file, line: node?.mark?.line ?? 1, column: node?.mark?.column ?? 1, message: message))
  }

  // MARK: Structure

  static let topKeys = ["version", "defaults", "receivers", "rules"]
  static let defaultKeys = [
    "evaluation_interval", "evaluation_delay", "window", "for", "min_requests", "severity", "group_by",
    "receivers",
    "keep_firing_for",
  ]
  static let ruleKeys = [
    "alert", "metric", "class", "percentile", "op", "threshold", "window", "for", "min_requests",
    "resolve_threshold", "keep_firing_for", "filters", "group_by", "severity", "labels", "summary",
    "description",
    "receivers",
  ]
  static let receiverKeys = ["name", "type"]
  static let metricNames = [
    "error_rate", "rate_429", "rate_5xx", "p99_latency", "retry_exhaustion_rate", "auth_failure_rate",
    "class_rate",
    "latency_percentile", "request_count", "logical_request_count", "error_count", "auth_failures",
    "class_count",
  ]

  /// The mapping's entries by key, reporting unknown keys with the nearest known one.
  mutating func entries(_ node: Node, known: [String], what: String) -> [String: Node] {
    guard let mapping = node.mapping else {
      fail(node, "\(what) must be a mapping of keys to values")
      return [:]
    }
    var out: [String: Node] = [:]
    for (k, v) in mapping {
      guard let key = k.string else {
        fail(k, "keys must be strings")
        continue
      }
      if !known.contains(key) {
        let hint = nearest(key, known).map { " (did you mean '\($0)'?)" } ?? ""
        fail(k, "unknown key '\(key)' in \(what)\(hint)")
        continue
      }
      if out[key] != nil { fail(k, "duplicate key '\(key)' in \(what)") }
      out[key] = v
    }
    return out
  }

  mutating func parse(_ yaml: String) -> RuleSet? {
    let root: Node?
    do {
      root = try Yams.compose(yaml: yaml)
    } catch let error as YamlError {
      errors.append(yamlError(error))
      return nil
    } catch {
      errors.append(RulesError(file: file, line: 1, column: 1, message: "\(error)"))
      return nil
    }
    guard let root else {
      fail(nil, "the file is empty: it needs at least 'version: 1' and 'rules:'")
      return nil
    }
    let top = entries(root, known: Self.topKeys, what: "the top level")
    guard errors.isEmpty || !top.isEmpty else { return nil }
    if let v = top["version"] {
      if v.int != Self.supportedVersion {
        fail(
          v, "version \(v.string ?? "?") is not supported; this vigil reads version \(Self.supportedVersion)")
      }
    } else {
      fail(root, "missing 'version: \(Self.supportedVersion)'")
    }
    var set = RuleSet()
    var defaults = Defaults()
    if let d = top["defaults"] { defaults = parseDefaults(d, &set) }
    if let r = top["receivers"] { set.receivers = parseReceivers(r) }
    guard let rulesNode = top["rules"] else {
      fail(root, "missing 'rules:'")
      return nil
    }
    guard let list = rulesNode.sequence else {
      fail(rulesNode, "'rules' must be a list of rules")
      return nil
    }
    var names: Set<String> = []
    for item in list {
      guard let rule = parseRule(item, defaults, receivers: set.receivers) else { continue }
      if !names.insert(rule.name).inserted {
        fail(item, "two rules are named '\(rule.name)'; names must be unique")
      }
      set.rules.append(rule)
    }
    return set
  }

  func yamlError(_ error: YamlError) -> RulesError {
    switch error {
    case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
      .composer(let context, let problem, let mark, _):
      let detail = context.map { " \($0.text)" } ?? ""
      return RulesError(
        file: file, line: mark.line, column: mark.column, message: "YAML syntax: \(problem)\(detail)")
    case .duplicatedKeysInMapping(let duplicates, let context):
      return RulesError(
        file: file, line: context.mark.line, column: context.mark.column,
        message: "duplicate keys \(duplicates.joined(separator: ", "))")
    default:
      return RulesError(file: file, line: 1, column: 1, message: "YAML: \(error)")
    }
  }

  // MARK: Defaults and receivers

  struct Defaults {
    var windowMs: Int64 = 300_000
    var forMs: Int64 = 0
    var keepFiringForMs: Int64 = 0
    var minRequests: Int64 = 20
    var severity = "warning"
    var groupBy: [Dimension] = []
    var receivers = ["stdout"]
  }

  mutating func parseDefaults(_ node: Node, _ set: inout RuleSet) -> Defaults {
    var d = Defaults()
    let e = entries(node, known: Self.defaultKeys, what: "defaults")
    if let n = e["evaluation_interval"], let ms = duration(n, positive: true) {
      set.evaluationIntervalMs = ms
    }
    if let n = e["evaluation_delay"], let ms = duration(n, positive: false) { set.evaluationDelayMs = ms }
    if let n = e["window"], let ms = duration(n, positive: true) { d.windowMs = ms }
    if let n = e["for"], let ms = duration(n, positive: false) { d.forMs = ms }
    if let n = e["keep_firing_for"], let ms = duration(n, positive: false) { d.keepFiringForMs = ms }
    if let n = e["min_requests"], let v = count(n) { d.minRequests = v }
    if let n = e["severity"], let s = string(n) { d.severity = s }
    if let n = e["group_by"] { d.groupBy = dimensions(n) }
    if let n = e["receivers"] { d.receivers = strings(n) }
    return d
  }

  mutating func parseReceivers(_ node: Node) -> [String] {
    var names = ["stdout"]
    guard let list = node.sequence else {
      fail(node, "'receivers' must be a list of receivers, each with a name and a type")
      return names
    }
    for item in list {
      let e = entries(item, known: Self.receiverKeys, what: "a receiver")
      guard let nameNode = e["name"], let name = string(nameNode) else {
        fail(item, "a receiver needs a 'name'")
        continue
      }
      let type = e["type"].flatMap { $0.string } ?? ""
      if type != "stdout" {
        fail(e["type"] ?? item, "receiver '\(name)': unknown type '\(type)' (this version supports: stdout)")
      }
      if name != "stdout" { names.append(name) }
    }
    return names
  }

  // MARK: Rules

  mutating func parseRule(_ node: Node, _ d: Defaults, receivers: [String]) -> AlertRule? {
    let before = errors.count
    let e = entries(node, known: Self.ruleKeys, what: "a rule")
    guard let nameNode = e["alert"], let name = string(nameNode), !name.isEmpty else {
      fail(node, "a rule needs a name: 'alert: SomeName'")
      return nil
    }
    guard let metricNode = e["metric"], let metricName = string(metricNode) else {
      fail(node, "rule '\(name)' needs a 'metric' (one of \(Self.metricNames.joined(separator: ", ")))")
      return nil
    }
    guard let metric = metricKind(metricName, metricNode, e, rule: name) else { return nil }
    guard let thresholdNode = e["threshold"] else {
      fail(node, "rule '\(name)' needs a 'threshold'")
      return nil
    }
    let threshold = self.threshold(thresholdNode, metric, rule: name) ?? 0
    var rule = AlertRule(name: name, metric: metric, threshold: threshold, windowMs: d.windowMs)
    rule.forMs = d.forMs
    rule.keepFiringForMs = d.keepFiringForMs
    rule.minRequests = d.minRequests
    rule.severity = d.severity
    rule.groupBy = d.groupBy
    rule.receivers = d.receivers
    if let n = e["op"] {
      if let op = n.string.flatMap(Comparison.init(rawValue:)) {
        rule.comparison = op
      } else {
        fail(n, "rule '\(name)': op must be one of >, >=, <, <=")
      }
    }
    if let n = e["window"], let ms = duration(n, positive: true) { rule.windowMs = ms }
    if let n = e["for"], let ms = duration(n, positive: false) { rule.forMs = ms }
    if let n = e["keep_firing_for"], let ms = duration(n, positive: false) { rule.keepFiringForMs = ms }
    if let n = e["min_requests"], let v = count(n) { rule.minRequests = v }
    if let n = e["resolve_threshold"], let v = self.threshold(n, metric, rule: name) {
      rule.resolveThreshold = v
      let below = rule.comparison == .greater || rule.comparison == .greaterOrEqual
      if below ? v > threshold : v < threshold {
        fail(
          n,
          "rule '\(name)': resolve_threshold must be on the quiet side of the threshold (\(below ? "at most" : "at least") it)"
        )
      }
    }
    if let n = e["filters"] {
      let f = entries(n, known: Dimension.allCases.map(\.rawValue), what: "filters")
      for (key, value) in f {
        let values = value.sequence != nil ? strings(value) : string(value).map { [$0] } ?? []
        if values.isEmpty { fail(value, "filter '\(key)' needs a value or a list of values") }
        rule.filters[Dimension(rawValue: key)!] = values
      }
    }
    if let n = e["group_by"] { rule.groupBy = dimensions(n) }
    if let n = e["severity"], let s = string(n) { rule.severity = s }
    if let n = e["labels"] {
      if let mapping = n.mapping {
        for (k, v) in mapping {
          guard let key = k.string, let value = v.string, isLabelName(key) else {
            fail(k, "labels must be name: value pairs, names of letters, digits and _")
            continue
          }
          if ["alertname", "severity"].contains(key) || Dimension(rawValue: key) != nil {
            fail(k, "label '\(key)' is set by vigil; choose another name")
          }
          rule.labels[key] = value
        }
      } else {
        fail(n, "labels must be a mapping")
      }
    }
    if let n = e["receivers"] { rule.receivers = strings(n) }
    for receiver in rule.receivers where !receivers.contains(receiver) {
      let hint = nearest(receiver, receivers).map { " (did you mean '\($0)'?)" } ?? ""
      fail(e["receivers"] ?? node, "rule '\(name)': receiver '\(receiver)' is not declared\(hint)")
    }
    rule.summary =
      e["summary"].flatMap { string($0) }
      ?? "{{ alertname }}: {{ metric }} is {{ value }} (threshold {{ threshold }})"
    rule.description = e["description"].flatMap { string($0) } ?? "{{ advice }}"
    // Templates may only name what exists for this rule.
    var known = Set(rule.labels.keys).union(rule.groupBy.map(\.rawValue)).union(["alertname", "severity"])
    for (dim, values) in rule.filters where values.count == 1 { known.insert(dim.rawValue) }
    for key in ["summary", "description"] {
      guard let n = e[key], let text = n.string else { continue }
      for ref in Template.references(text) {
        if Template.builtins.contains(ref) { continue }
        if ref.hasPrefix("labels."), known.contains(String(ref.dropFirst(7))) { continue }
        let candidates = Array(Template.builtins) + known.map { "labels.\($0)" }
        let hint = nearest(ref, candidates).map { " (did you mean '{{ \($0) }}'?)" } ?? ""
        fail(n, "rule '\(name)': \(key) refers to '{{ \(ref) }}', which this rule does not have\(hint)")
      }
    }
    return errors.count == before ? rule : nil
  }

  mutating func metricKind(_ name: String, _ node: Node, _ e: [String: Node], rule: String) -> MetricKind? {
    func statusClass() -> StatusClass? {
      guard let n = e["class"], let raw = n.string else {
        fail(
          node,
          "rule '\(rule)': metric \(name) needs 'class' (one of \(StatusClass.allCases.map(\.rawValue).joined(separator: ", ")))"
        )
        return nil
      }
      guard let c = StatusClass(rawValue: raw) else {
        let hint = nearest(raw, StatusClass.allCases.map(\.rawValue)).map { " (did you mean '\($0)'?)" } ?? ""
        fail(n, "rule '\(rule)': unknown class '\(raw)'\(hint)")
        return nil
      }
      return c
    }
    switch name {
    case "error_rate": return .errorRate
    case "rate_429": return .rate429
    case "rate_5xx": return .rate5xx
    case "p99_latency": return .latencyQuantile(0.99)
    case "retry_exhaustion_rate": return .retryExhaustionRate
    case "auth_failure_rate": return .authFailureRate
    case "request_count": return .requestCount
    case "logical_request_count": return .logicalRequestCount
    case "error_count": return .errorCount
    case "auth_failures": return .authFailures
    case "class_rate": return statusClass().map { .classRate($0) }
    case "class_count": return statusClass().map { .classCount($0) }
    case "latency_percentile":
      guard let n = e["percentile"], let p = n.float, p > 0, p < 100 else {
        fail(
          e["percentile"] ?? node,
          "rule '\(rule)': latency_percentile needs 'percentile' between 0 and 100 (e.g. 95)")
        return nil
      }
      return .latencyQuantile(p / 100)
    default:
      let hint = nearest(name, Self.metricNames).map { " (did you mean '\($0)'?)" } ?? ""
      fail(node, "rule '\(rule)': unknown metric '\(name)'\(hint)")
      return nil
    }
  }

  /// Rates as `5%` or `0.05`; latencies as milliseconds or a duration (`30s`); counts as numbers.
  mutating func threshold(_ node: Node, _ metric: MetricKind, rule: String) -> Double? {
    guard let text = node.scalar?.string.trimmingCharacters(" "), !text.isEmpty else {
      fail(node, "rule '\(rule)': the threshold must be a number")
      return nil
    }
    if metric.isRate {
      if text.hasSuffix("%") {
        guard let v = Double(text.dropLast().trimmingCharacters(" ")), v >= 0, v <= 100 else {
          fail(node, "rule '\(rule)': '\(text)' is not a percentage between 0% and 100%")
          return nil
        }
        return v / 100
      }
      guard let v = Double(text), v >= 0 else {
        fail(node, "rule '\(rule)': threshold '\(text)' is not a rate (write 5% or 0.05)")
        return nil
      }
      guard v <= 1 else {
        fail(
          node,
          "rule '\(rule)': threshold \(text) for a rate is above 1: write \(text)% or \(formatPlain(v / 100))"
        )
        return nil
      }
      return v
    }
    if metric.isLatency {
      if let v = Double(text), v >= 0 { return v }
      if let ms = DurationText.parseMs(text) { return Double(ms) }
      fail(node, "rule '\(rule)': latency threshold '\(text)' is not milliseconds or a duration such as 30s")
      return nil
    }
    guard let v = Double(text), v >= 0 else {
      fail(node, "rule '\(rule)': threshold '\(text)' for a count must be a number of 0 or more")
      return nil
    }
    return v
  }

  // MARK: Scalars

  mutating func string(_ node: Node) -> String? {
    guard let s = node.scalar?.string else {
      fail(node, "expected a string")
      return nil
    }
    return s
  }

  mutating func strings(_ node: Node) -> [String] {
    if let s = node.scalar?.string { return [s] }
    guard let list = node.sequence else {
      fail(node, "expected a list of strings")
      return []
    }
    return list.compactMap { string($0) }
  }

  mutating func dimensions(_ node: Node) -> [Dimension] {
    var out: [Dimension] = []
    let list = node.sequence.map(Array.init) ?? [node]
    for item in list {
      guard let name = item.string, let d = Dimension(rawValue: name) else {
        let hint =
          item.string.flatMap { nearest($0, Dimension.allCases.map(\.rawValue)) }.map {
            " (did you mean '\($0)'?)"
          } ?? ""
        fail(
          item, "cannot group by '\(item.string ?? "?")': one of provider, model, app, env, endpoint\(hint)")
        continue
      }
      out.append(d)
    }
    return out
  }

  mutating func duration(_ node: Node, positive: Bool) -> Int64? {
    guard let text = node.scalar?.string, let ms = DurationText.parseMs(text) else {
      let text = node.scalar?.string ?? "?"
      let sign = text.hasPrefix("-") ? " (durations cannot be negative)" : ""
      fail(node, "'\(text)' is not a duration such as 30s, 5m or 1h\(sign)")
      return nil
    }
    if positive && ms == 0 {
      fail(node, "the duration must be more than 0")
      return nil
    }
    return ms
  }

  mutating func count(_ node: Node) -> Int64? {
    guard let v = node.int, v >= 0 else {
      fail(node, "expected a whole number of 0 or more")
      return nil
    }
    return Int64(v)
  }

  func isLabelName(_ s: String) -> Bool {
    !s.isEmpty
      && s.unicodeScalars.allSatisfy {
        $0 == "_" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0)))
      }
  }
}

/// The known word closest to `word` by edit distance, if it is close enough to be a typo.
func nearest(_ word: String, _ known: [String]) -> String? {
  let best = known.map { ($0, editDistance(word, $0)) }.min { $0.1 < $1.1 }
  guard let best, best.1 <= max(2, word.count / 3) else { return nil }
  return best.0
}

func editDistance(_ a: String, _ b: String) -> Int {
  let a = Array(a)
  let b = Array(b)
  if a.isEmpty { return b.count }
  var previous = Array(0...b.count)
  for i in 1...a.count {
    var current = [i] + [Int](repeating: 0, count: b.count)
    for j in 1...max(b.count, 1) where j <= b.count {
      current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
    }
    previous = current
  }
  return previous[b.count]
}

extension StringProtocol {
  func trimmingCharacters(_ c: Character) -> String {
    String(drop { $0 == c }.reversed().drop { $0 == c }.reversed())
  }
}

/// Reads a whole text file; nil if it cannot be read.
func readTextFile(_ path: String) -> String? {
  FileContents.read(path).map { String(decoding: $0, as: UTF8.self) }
}
