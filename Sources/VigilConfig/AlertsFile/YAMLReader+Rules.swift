import VigilCore
import Yams

#if canImport(Glibc)
  import Glibc
#endif

/// alerts.yaml's rules: metric, threshold, windows, filters and grouping.
extension YAMLReader {
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
    rule.noData = d.noData
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
    if let n = e["window"], let ms = window(n) { rule.windowMs = ms }
    if let n = e["for"], let ms = duration(n, positive: false) { rule.forMs = ms }
    if let n = e["keep_firing_for"], let ms = duration(n, positive: false) { rule.keepFiringForMs = ms }
    if let n = e["no_data"], let v = noDataPolicy(n) { rule.noData = v }
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
    if rule.metric == .sourceTimeSinceLastCall {
      // Sources are not series: such a rule has one alert per source, labelled `source`.
      if let n = e["group_by"] ?? e["filters"] {
        fail(
          n, "rule '\(name)': source_time_since_last_call groups by source; it takes no group_by or filters")
      }
      rule.groupBy = []
      rule.filters = [:]
    }
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
    if rule.metric == .sourceTimeSinceLastCall { known.insert("source") }
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
    // `stream: true|false` narrows a latency percentile to the streamed calls or the others.
    var streamed: Bool?
    if let n = e["stream"] {
      guard name == "p99_latency" || name == "latency_percentile", let b = n.bool else {
        fail(n, "rule '\(rule)': 'stream' (true or false) applies to p99_latency and latency_percentile only")
        return nil
      }
      streamed = b
    }
    func latency(_ q: Double) -> MetricKind {
      streamed.map { .streamLatencyQuantile(q, streamed: $0) } ?? .latencyQuantile(q)
    }
    switch name {
    case "error_rate": return .errorRate
    case "stream_failure_rate":
      guard e["class"] != nil else { return .streamFailureRate(nil) }
      return statusClass().map { .streamFailureRate($0) }
    case "ttft_p50": return .ttftQuantile(0.5)
    case "ttft_p95": return .ttftQuantile(0.95)
    case "ttft_p99": return .ttftQuantile(0.99)
    case "rate_429": return .rate429
    case "rate_5xx": return .rate5xx
    case "p99_latency": return latency(0.99)
    case "retry_exhaustion_rate": return .retryExhaustionRate
    case "auth_failure_rate": return .authFailureRate
    case "time_since_last_call": return .timeSinceLastCall
    case "source_time_since_last_call": return .sourceTimeSinceLastCall
    case "request_count": return .requestCount
    case "logical_request_count": return .logicalRequestCount
    case "error_count": return .errorCount
    case "auth_failures": return .authFailures
    case "class_rate": return statusClass().map { .classRate($0) }
    case "class_count": return statusClass().map { .classCount($0) }
    case "ratelimit_utilisation": return .rateLimitUtilisation
    case "ratelimit_time_to_exhaustion":
      guard let n = e["horizon"] else { return .rateLimitExhaustion(.any) }
      guard let text = n.string, let h = RateLimitHorizon(rawValue: text) else {
        fail(
          n,
          "rule '\(rule)': horizon must be short (limits that reset within the hour), long (daily quotas) or any"
        )
        return nil
      }
      return .rateLimitExhaustion(h)
    case "latency_percentile":
      guard let n = e["percentile"], let p = n.float, p > 0, p < 100 else {
        fail(
          e["percentile"] ?? node,
          "rule '\(rule)': latency_percentile needs 'percentile' between 0 and 100 (e.g. 95)")
        return nil
      }
      return latency(p / 100)
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
    if metric.isLatency || metric.isDuration {
      if let v = Double(text), v >= 0, v.isFinite { return v }
      if let ms = DurationText.parseMs(text) { return Double(ms) }
      let what = metric.isLatency ? "latency" : "duration"
      fail(node, "rule '\(rule)': \(what) threshold '\(text)' is not milliseconds or a duration such as 30s")
      return nil
    }
    guard let v = Double(text), v >= 0, v.isFinite else {
      fail(node, "rule '\(rule)': threshold '\(text)' for a count must be a number of 0 or more")
      return nil
    }
    return v
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

  /// A window: a positive duration made of whole rollup buckets (10 s), so that it covers
  /// exactly its stated length.
  mutating func window(_ node: Node) -> Int64? {
    guard let ms = duration(node, positive: true) else { return nil }
    guard ms % rollupBucketMs == 0 else {
      fail(node, "a window must be a whole number of 10s buckets (\(DurationText.format(ms)) is not)")
      return nil
    }
    return ms
  }

  /// `no_data: keep | resolve | alerting`.
  mutating func noDataPolicy(_ node: Node) -> NoDataPolicy? {
    guard let text = string(node) else { return nil }
    guard let policy = NoDataPolicy(rawValue: text) else {
      let all = NoDataPolicy.allCases.map(\.rawValue)
      let hint = nearest(text, all).map { " (did you mean '\($0)'?)" } ?? ""
      fail(node, "no_data must be one of \(all.joined(separator: ", "))\(hint)")
      return nil
    }
    return policy
  }
}
