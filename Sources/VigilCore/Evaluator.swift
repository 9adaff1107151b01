/// One stored rollup: a bucket of one series.
public struct RollupRow: Sendable {
  public var bucketMs: Int64
  public var series: SeriesKey
  public var rollup: Rollup

  public init(bucketMs: Int64, series: SeriesKey, rollup: Rollup) {
    self.bucketMs = bucketMs
    self.series = series
    self.rollup = rollup
  }
}

/// Where the evaluator reads data: rollups per bucket and series.
public protocol RollupSource {
  /// Rollups of the buckets that start in `[fromMs, toMs)`, one row per bucket and series. Latency
  /// histograms are only needed (and decoded) when `latency` is true.
  func rollupRows(fromMs: Int64, toMs: Int64, latency: Bool) throws -> [RollupRow]

  /// Latency histograms merged per series over `[start, toMs)`, for each of `starts`. A source
  /// can add stored histograms straight into these, without one histogram per bucket between.
  func latencyWindows(starts: [Int64], toMs: Int64) throws -> [Int64: [SeriesKey: LatencyHistogram]]
}

extension RollupSource {
  public func latencyWindows(starts: [Int64], toMs: Int64) throws -> [Int64: [SeriesKey: LatencyHistogram]] {
    guard let earliest = starts.min() else { return [:] }
    var out: [Int64: [SeriesKey: LatencyHistogram]] = [:]
    for row in try rollupRows(fromMs: earliest, toMs: toMs, latency: true) {
      for start in starts where row.bucketMs >= start {
        out[start, default: [:]][row.series, default: LatencyHistogram()].merge(row.rollup.latency)
      }
    }
    return out
  }

  /// Rollups of the buckets that start in `[fromMs, toMs)`, merged per series.
  public func rollups(fromMs: Int64, toMs: Int64, latency: Bool) throws -> [SeriesKey: Rollup] {
    var out: [SeriesKey: Rollup] = [:]
    for row in try rollupRows(fromMs: fromMs, toMs: toMs, latency: latency) {
      out[row.series, default: Rollup()].merge(row.rollup, latency: latency)
    }
    return out
  }
}

/// Where an alert of one rule and label set stands.
public enum AlertPhase: String, Sendable, Codable {
  case inactive, pending, firing
}

/// Identifies an alert: its rule and the values of the rule's `group_by` dimensions.
public struct AlertKey: Sendable, Hashable, Comparable {
  public var rule: String
  /// `provider=openai,model=gpt-4o`, in `group_by` order; empty without `group_by`.
  public var group: String

  public init(rule: String, group: String) {
    self.rule = rule
    self.group = group
  }

  public static func < (a: AlertKey, b: AlertKey) -> Bool { (a.rule, a.group) < (b.rule, b.group) }
}

/// The remembered state of one alert, persisted between evaluations (and processes).
public struct AlertState: Sendable, Equatable {
  public var phase: AlertPhase = .inactive
  /// The group's labels (`group_by` dimensions).
  public var groupLabels: [String: String] = [:]
  /// When the condition became true (pending or firing).
  public var activeSinceMs: Int64?
  public var firedAtMs: Int64?
  /// When a firing alert's condition stopped holding (for `keep_firing_for`).
  public var resolvingSinceMs: Int64?
  public var lastValue: Double?
  public var lastEvaluationMs: Int64 = 0

  public init() {}
}

/// A change of an alert's phase. `firing` and `resolved` are announced; `pending` and a pending
/// alert going back to inactive are recorded only.
public struct AlertTransition: Sendable, Equatable {
  public enum Kind: String, Sendable, Codable {
    case pending, firing, resolved
    /// Pending, but the condition stopped before `for` elapsed.
    case cancelled
  }

  public var atMs: Int64
  public var key: AlertKey
  public var kind: Kind
  public var metric: String
  public var value: Double?
  public var threshold: Double
  /// Every label: `alertname`, `severity`, the rule's labels and the group's.
  public var labels: [String: String]
  public var summary: String
  public var description: String
  public var receivers: [String]
  /// For `resolved`: when the alert had fired.
  public var firedAtMs: Int64?

  public var isAnnounced: Bool { kind == .firing || kind == .resolved }

  public init(
    atMs: Int64, key: AlertKey, kind: Kind, metric: String, value: Double?, threshold: Double,
    labels: [String: String], summary: String, description: String, receivers: [String], firedAtMs: Int64?
  ) {
    self.atMs = atMs
    self.key = key
    self.kind = kind
    self.metric = metric
    self.value = value
    self.threshold = threshold
    self.labels = labels
    self.summary = summary
    self.description = description
    self.receivers = receivers
    self.firedAtMs = firedAtMs
  }
}

/// One group's outcome of an evaluation, for status tables.
public struct GroupResult: Sendable, Equatable {
  public var key: AlertKey
  public var labels: [String: String]
  public var value: Double?
  public var attempts: Int64
  public var phase: AlertPhase
}

/// What an evaluation returns: the new states, the transitions, and every group's value.
public struct Evaluation: Sendable {
  public var states: [AlertKey: AlertState]
  public var transitions: [AlertTransition]
  public var groups: [GroupResult]

  /// Alerts firing after this evaluation.
  public var firing: [AlertKey] { states.filter { $0.value.phase == .firing }.map(\.key).sorted() }
}

/// The rolling-window evaluator: a pure function of (rules, stored data, evaluation time, previous
/// states). Live mode calls it with the clock's now, `check` once, backtests and rule tests with
/// each step of event time: one implementation for all.
public enum Evaluator {
  public static func evaluate(
    _ set: RuleSet, source: any RollupSource, atMs: Int64, previous: [AlertKey: AlertState]
  ) throws -> Evaluation {
    var states = previous
    var transitions: [AlertTransition] = []
    var groups: [GroupResult] = []
    // One read for every rule: the longest window, by bucket; each rule merges its own part.
    let to = atMs - set.evaluationDelayMs
    let earliest = set.rules.map { RollupKey.bucket(of: to - $0.windowMs) }.min() ?? to
    let fetched = try source.rollupRows(fromMs: earliest, toMs: to, latency: false)
    let latencyStarts = Set(
      set.rules.filter { $0.metric.isLatency }.map { RollupKey.bucket(of: to - $0.windowMs) })
    let latencies = try source.latencyWindows(starts: Array(latencyStarts), toMs: to)
    var before: [RollupRow]?
    // Series by index and rows as (bucket, series index), so that each rule's window is a pass
    // over an array with no hashing.
    var seriesList: [SeriesKey] = []
    var seriesIndex: [SeriesKey: Int] = [:]
    var rows: [(bucket: Int64, series: Int, rollup: Rollup)] = []
    rows.reserveCapacity(fetched.count)
    for row in fetched {
      let i =
        seriesIndex[row.series]
        ?? {
          seriesList.append(row.series)
          seriesIndex[row.series] = seriesList.count - 1
          return seriesList.count - 1
        }()
      rows.append((row.bucketMs, i, row.rollup))
    }
    for rule in set.rules {
      let from = RollupKey.bucket(of: to - rule.windowMs)
      // Each series' group (or -1 when the rule's filters leave it out), then one pass over the
      // rows adds each into its group: no per-rule dictionaries of series.
      var groupOfSeries = [Int](repeating: -1, count: seriesList.count)
      var groupNames: [String] = []
      var groupLabels: [[String: String]] = []
      var groupIndex: [String: Int] = [:]
      for (i, series) in seriesList.enumerated() where rule.matches(series) {
        let (group, labels) = groupOf(series, rule)
        if let g = groupIndex[group] {
          groupOfSeries[i] = g
        } else {
          groupIndex[group] = groupNames.count
          groupOfSeries[i] = groupNames.count
          groupNames.append(group)
          groupLabels.append(labels)
        }
      }
      var sums = [Rollup](repeating: Rollup(), count: groupNames.count)
      var seen = [Bool](repeating: false, count: groupNames.count)
      for row in rows where row.bucket >= from {
        let g = groupOfSeries[row.series]
        guard g >= 0 else { continue }
        sums[g].merge(row.rollup, latency: false)
        seen[g] = true
      }
      if rule.metric.isLatency, let histograms = latencies[from] {
        for (i, series) in seriesList.enumerated() where groupOfSeries[i] >= 0 {
          if let h = histograms[series] { sums[groupOfSeries[i]].latency.merge(h) }
        }
      }
      var merged: [String: (labels: [String: String], rollup: Rollup)] = [:]
      for g in groupNames.indices where seen[g] { merged[groupNames[g]] = (groupLabels[g], sums[g]) }
      if rule.groupBy.isEmpty && merged.isEmpty { merged[""] = ([:], Rollup()) }
      // "Traffic stopped" needs the groups that had traffic just before, at zero now.
      if rule.metric.isCount && (rule.comparison == .less || rule.comparison == .lessOrEqual) {
        if before == nil {
          before = try source.rollupRows(
            fromMs: RollupKey.bucket(of: earliest - set.rules.map(\.windowMs).max()!), toMs: earliest,
            latency: false)
        }
        var earlier: Set<SeriesKey> = []
        for row in fetched + before!
        where row.bucketMs >= RollupKey.bucket(of: from - rule.windowMs) && row.bucketMs < from {
          earlier.insert(row.series)
        }
        for series in earlier where rule.matches(series) {
          let (group, labels) = groupOf(series, rule)
          if merged[group] == nil { merged[group] = (labels, Rollup()) }
        }
      }
      // Alerts that are active but whose group has no data now are evaluated as "no value".
      for (key, state) in previous
      where key.rule == rule.name && state.phase != .inactive && merged[key.group] == nil {
        merged[key.group] = (state.groupLabels, Rollup())
      }
      for (group, entry) in merged.sorted(by: { $0.key < $1.key }) {
        let key = AlertKey(rule: rule.name, group: group)
        var value = rule.metric.value(of: entry.rollup)
        if !rule.metric.isCount && entry.rollup.attempts < rule.minRequests { value = nil }
        var state = states[key] ?? AlertState()
        state.groupLabels = entry.labels
        let before = state
        let kind = step(&state, rule: rule, value: value, atMs: atMs)
        state.lastValue = value
        state.lastEvaluationMs = atMs
        if let kind {
          transitions.append(
            transition(
              kind, key: key, rule: rule, value: value, labels: entry.labels, atMs: atMs,
              firedAtMs: before.firedAtMs))
        }
        if state.phase == .inactive && state.activeSinceMs == nil {
          states[key] = nil  // nothing to remember
        } else {
          states[key] = state
        }
        groups.append(
          GroupResult(
            key: key, labels: allLabels(rule, entry.labels), value: value, attempts: entry.rollup.attempts,
            phase: state.phase))
      }
    }
    // Rules that no longer exist leave no state behind.
    let names = Set(set.rules.map(\.name))
    for key in states.keys where !names.contains(key.rule) { states[key] = nil }
    return Evaluation(states: states, transitions: transitions, groups: groups)
  }

  static func groupOf(_ series: SeriesKey, _ rule: AlertRule) -> (String, [String: String]) {
    var labels: [String: String] = [:]
    var parts: [String] = []
    for d in rule.groupBy {
      let v = d.value(of: series)
      labels[d.rawValue] = v
      parts.append("\(d.rawValue)=\(v)")
    }
    return (parts.joined(separator: ","), labels)
  }

  /// The state machine: inactive → pending → firing → (resolved) inactive. Returns the transition.
  public static func step(_ s: inout AlertState, rule: AlertRule, value: Double?, atMs: Int64)
    -> AlertTransition.Kind?
  {
    let active = value.map { rule.comparison.holds($0, rule.threshold) } ?? false
    switch s.phase {
    case .inactive:
      guard active else {
        s.activeSinceMs = nil
        return nil
      }
      s.activeSinceMs = atMs
      if rule.forMs == 0 {
        s.phase = .firing
        s.firedAtMs = atMs
        return .firing
      }
      s.phase = .pending
      return .pending
    case .pending:
      guard active else {
        s.phase = .inactive
        s.activeSinceMs = nil
        return .cancelled
      }
      if atMs - (s.activeSinceMs ?? atMs) >= rule.forMs {
        s.phase = .firing
        s.firedAtMs = atMs
        return .firing
      }
      return nil
    case .firing:
      let stillFiring = value.map { rule.comparison.holds($0, rule.effectiveResolveThreshold) } ?? false
      if stillFiring {
        s.resolvingSinceMs = nil
        return nil
      }
      let since = s.resolvingSinceMs ?? atMs
      s.resolvingSinceMs = since
      guard atMs - since >= rule.keepFiringForMs else { return nil }
      s = AlertState()
      return .resolved
    }
  }

  static func allLabels(_ rule: AlertRule, _ group: [String: String]) -> [String: String] {
    var labels = rule.labels
    for (d, values) in rule.filters where values.count == 1 { labels[d.rawValue] = values[0] }
    labels.merge(group) { _, g in g }
    labels["alertname"] = rule.name
    labels["severity"] = rule.severity
    return labels
  }

  static func transition(
    _ kind: AlertTransition.Kind, key: AlertKey, rule: AlertRule, value: Double?,
    labels group: [String: String],
    atMs: Int64, firedAtMs: Int64?
  ) -> AlertTransition {
    let labels = allLabels(rule, group)
    let context = TemplateContext(rule: rule, value: value, labels: labels)
    return AlertTransition(
      atMs: atMs, key: key, kind: kind, metric: rule.metric.name, value: value, threshold: rule.threshold,
      labels: labels, summary: Template.render(rule.summary, context),
      description: Template.render(rule.description, context),
      receivers: rule.receivers, firedAtMs: kind == .resolved ? firedAtMs : nil)
  }
}

/// What templates can refer to.
public struct TemplateContext {
  public var rule: AlertRule
  public var value: Double?
  public var labels: [String: String]

  public init(rule: AlertRule, value: Double?, labels: [String: String]) {
    self.rule = rule
    self.value = value
    self.labels = labels
  }

  public func lookup(_ name: String) -> String? {
    switch name {
    case "value": return rule.metric.format(value)
    case "threshold": return rule.metric.format(rule.threshold)
    case "metric": return rule.metric.name
    case "window": return DurationText.format(rule.windowMs)
    case "for": return DurationText.format(rule.forMs)
    case "advice": return rule.metric.advice
    case "alertname": return rule.name
    case "severity": return rule.severity
    default:
      if name.hasPrefix("labels.") { return labels[String(name.dropFirst(7))] }
      return nil
    }
  }
}

/// `{{ name }}` templates for alert text.
public enum Template {
  /// The names a template refers to, in order.
  public static func references(_ text: String) -> [String] {
    var names: [String] = []
    var rest = Substring(text)
    while let open = rest.range(of: "{{") {
      guard let close = rest[open.upperBound...].range(of: "}}") else { break }
      names.append(rest[open.upperBound..<close.lowerBound].trimmingSpaces())
      rest = rest[close.upperBound...]
    }
    return names
  }

  /// Replaces each `{{ name }}`; a name without a value renders empty.
  public static func render(_ text: String, _ context: TemplateContext) -> String {
    var out = ""
    var rest = Substring(text)
    while let open = rest.range(of: "{{") {
      guard let close = rest[open.upperBound...].range(of: "}}") else { break }
      out += rest[..<open.lowerBound]
      out += context.lookup(rest[open.upperBound..<close.lowerBound].trimmingSpaces()) ?? ""
      rest = rest[close.upperBound...]
    }
    return out + rest
  }

  /// The names that are always defined, beside `labels.NAME`.
  public static let builtins: Set<String> = [
    "value", "threshold", "metric", "window", "for", "advice", "alertname", "severity",
  ]
}

extension Substring {
  func trimmingSpaces() -> String {
    String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
  }

  func range(of needle: String) -> Range<Index>? {
    guard !needle.isEmpty else { return nil }
    var i = startIndex
    while i < endIndex {
      if self[i...].hasPrefix(needle) { return i..<index(i, offsetBy: needle.count) }
      i = index(after: i)
    }
    return nil
  }
}
