package import VigilCore
import Yams

#if canImport(Glibc)
  import Glibc
#endif

/// Reads alerts.yaml into a ``RuleSet``, refusing the whole file on any error.
package enum RulesLoader {
  package static let supportedVersion = 1

  /// Parses rules from YAML text; `file` names it in messages.
  package static func load(yaml: String, file: String) throws(ConfigErrors) -> RuleSet {
    try YAMLReader.load(yaml: yaml, file: file) { $0.parseAlertsFile($1) }
  }

  /// Reads and parses a rules file.
  package static func load(path: String) throws(ConfigErrors) -> RuleSet {
    try YAMLReader.load(path: path) { $0.parseAlertsFile($1) }
  }
}

extension YAMLReader {
  static let topKeys = [
    "version", "defaults", "receivers", "rules", "routing", "delivery", "external_url", "include",
    "inhibit_rules", "slos",
  ]

  static let includedKeys = ["receivers", "rules"]

  static let defaultKeys = [
    "evaluation_interval", "evaluation_delay", "window", "for", "min_requests", "severity", "group_by",
    "no_data",
    "receivers",
    "keep_firing_for",
  ]

  static let ruleKeys = [
    "alert", "metric", "class", "percentile", "horizon", "stream", "op", "threshold", "window", "for",
    "min_requests",
    "no_data",
    "resolve_threshold", "keep_firing_for", "filters", "group_by", "severity", "labels", "summary",
    "description",
    "receivers",
  ]

  static let routingKeys = ["group_by", "group_wait", "group_interval", "repeat_interval", "fold"]
  static let inhibitKeys = ["source_matchers", "target_matchers", "equal", "hold"]

  static let receiverCommonKeys = ["name", "type", "send_resolved"] + routingKeys

  static let stdoutKeys = receiverCommonKeys + ["format"]

  static let webhookKeys =
    receiverCommonKeys + [
      "payload", "url", "url_env", "headers", "header_env", "signing_secret_env", "timeout", "max_alerts",
      "template", "content_type",
    ]

  static let emailKeys =
    receiverCommonKeys + [
      "smtp", "security", "username", "password_env", "auth", "from", "to", "ca_file", "hello", "timeout",
    ]

  /// An Alertmanager groups and routes by itself: no routing keys here.
  static let alertmanagerKeys = [
    "name", "type", "send_resolved", "urls", "url_env", "headers", "header_env", "timeout", "resend_delay",
  ]

  static let deliveryKeys = ["max_attempts", "initial_backoff", "max_backoff"]

  static let metricNames = [
    "error_rate", "rate_429", "rate_5xx", "p99_latency", "retry_exhaustion_rate", "auth_failure_rate",
    "class_rate", "latency_percentile", "request_count", "logical_request_count", "error_count",
    "auth_failures", "class_count", "time_since_last_call", "source_time_since_last_call",
    "ratelimit_utilisation",
    "ratelimit_time_to_exhaustion", "stream_failure_rate", "ttft_p50", "ttft_p95", "ttft_p99",
  ]

  mutating func parseAlertsFile(_ yaml: String) -> RuleSet? {
    guard let root = compose(yaml, ifEmpty: "the file is empty: it needs at least 'version: 1' and 'rules:'")
    else { return nil }
    let top = entries(root, known: Self.topKeys, what: "the top level")
    guard errors.isEmpty || !top.isEmpty else { return nil }
    if let v = top["version"] {
      if v.int != RulesLoader.supportedVersion {
        fail(
          v,
          "version \(v.string ?? "?") is not supported; this vigil reads version \(RulesLoader.supportedVersion)"
        )
      }
    } else {
      fail(root, "missing 'version: \(RulesLoader.supportedVersion)'")
    }
    var set = RuleSet()
    var defaults = Defaults()
    if let d = top["defaults"] { defaults = parseDefaults(d, &set) }
    var routing = Routing()
    if let r = top["routing"] {
      routing = parseRouting(entries(r, known: Self.routingKeys, what: "routing"), routing)
    }
    if let d = top["delivery"] { set.delivery = parseDelivery(d) }
    if let n = top["inhibit_rules"] { set.inhibitRules = parseInhibitRules(n) }
    if let u = top["external_url"], let text = string(u) {
      if URLParts(text) == nil { fail(u, "external_url '\(text)' is not an http(s) URL") }
      set.externalURL = text.hasSuffix("/") ? String(text.dropLast()) : text
      set.externalURLGiven = true
    }
    // Included files add receivers and rules; their errors name their own file.
    var included: [(file: String, entries: [String: Node])] = []
    if let inc = top["include"] {
      let topFile = file
      for path in strings(inc) {
        let resolved =
          path.hasPrefix("/") || !topFile.contains("/")
          ? path : String(topFile[...topFile.lastIndex(of: "/")!]) + path
        let text: String
        switch readTextFile(resolved) {
        case .success(let t): text = t
        case .failure(let problem):
          fail(inc, "included file '\(resolved)': \(problem)")
          continue
        }
        file = resolved
        // A file that is no configuration (/etc/shadow reads as a YAML mapping of its lines) is
        // refused as such, with no word of what it holds: its keys are not quoted as unknown.
        if let node = compose(text, quotingContent: false) {
          if node.mapping?.contains(where: { k, _ in Self.includedKeys.contains(k.string ?? "") }) == true {
            included.append((resolved, entries(node, known: Self.includedKeys, what: "an included file")))
          } else {
            fail(
              node,
              "not a configuration file: an included file is a YAML mapping with 'receivers:' or 'rules:'")
          }
        }
        file = topFile
      }
    }
    let topFile = file
    if let r = top["receivers"] { parseReceivers(r, routing: routing, into: &set.receivers) }
    for inc in included {
      file = inc.file
      if let r = inc.entries["receivers"] { parseReceivers(r, routing: routing, into: &set.receivers) }
    }
    file = topFile
    guard top["rules"] != nil || top["slos"] != nil else {
      fail(root, "missing 'rules:' (or 'slos:')")
      return nil
    }
    var names: Set<String> = []
    let receiverNames = set.receivers.map(\.name)
    for (source, node) in [(topFile, top["rules"])].compactMap({ f, n in n.map { (f, $0) } })
      + included.compactMap({ i in i.entries["rules"].map { (i.file, $0) } })
    {
      file = source
      guard let list = node.sequence else {
        fail(node, "'rules' must be a list of rules")
        continue
      }
      for item in list {
        guard let rule = parseRule(item, defaults, receivers: receiverNames) else { continue }
        if !names.insert(rule.name).inserted {
          fail(item, "two rules are named '\(rule.name)'; names must be unique")
        }
        set.rules.append(rule)
      }
    }
    file = topFile
    if let n = top["slos"] {
      for rule in parseSLOs(n, defaults, receivers: receiverNames, warnings: &set.warnings) {
        if !names.insert(rule.name).inserted {
          fail(n, "an SLO's alert '\(rule.name)' has the name of a rule; names must be unique")
        }
        set.rules.append(rule)
      }
    }
    return set
  }

  struct Defaults {
    var windowMs: Int64 = 300_000
    var forMs: Int64 = 0
    var keepFiringForMs: Int64 = 0
    var minRequests: Int64 = 20
    var severity = "warning"
    var groupBy: [Dimension] = []
    var receivers = ["stdout"]
    var noData = NoDataPolicy.keep
  }

  mutating func parseDefaults(_ node: Node, _ set: inout RuleSet) -> Defaults {
    var d = Defaults()
    let e = entries(node, known: Self.defaultKeys, what: "defaults")
    if let n = e["evaluation_interval"], let ms = duration(n, positive: true) {
      set.evaluationIntervalMs = ms
    }
    if let n = e["evaluation_delay"], let ms = duration(n, positive: false) { set.evaluationDelayMs = ms }
    if let n = e["window"], let ms = window(n) { d.windowMs = ms }
    if let n = e["for"], let ms = duration(n, positive: false) { d.forMs = ms }
    if let n = e["keep_firing_for"], let ms = duration(n, positive: false) { d.keepFiringForMs = ms }
    if let n = e["min_requests"], let v = count(n) { d.minRequests = v }
    if let n = e["severity"], let s = string(n) { d.severity = s }
    if let n = e["group_by"] { d.groupBy = dimensions(n) }
    if let n = e["receivers"] { d.receivers = strings(n) }
    if let n = e["no_data"], let v = noDataPolicy(n) { d.noData = v }
    return d
  }

  mutating func parseRouting(_ e: [String: Node], _ base: Routing) -> Routing {
    var r = base
    if let n = e["group_by"] {
      r.groupBy = strings(n)
      for (label, item) in zip(r.groupBy, n.sequence.map(Array.init) ?? [n]) where !isLabelName(label) {
        fail(item, "group_by: '\(label)' is not a label name")
      }
    }
    if let n = e["group_wait"], let ms = duration(n, positive: false) { r.groupWaitMs = ms }
    if let n = e["group_interval"], let ms = duration(n, positive: false) { r.groupIntervalMs = ms }
    if let n = e["repeat_interval"], let ms = duration(n, positive: false) { r.repeatIntervalMs = ms }
    if let n = e["fold"] {
      if let b = n.bool { r.fold = b } else { fail(n, "fold must be true or false") }
    }
    return r
  }

  /// `inhibit_rules`: Alertmanager's `source_matchers`, `target_matchers` and `equal`, and `hold`.
  mutating func parseInhibitRules(_ node: Node) -> [InhibitRule] {
    guard let list = node.sequence else {
      fail(node, "'inhibit_rules' must be a list of rules with source_matchers, target_matchers and equal")
      return []
    }
    var out: [InhibitRule] = []
    for item in list {
      let e = entries(item, known: Self.inhibitKeys, what: "an inhibit rule")
      func matchers(_ key: String) -> [LabelMatcher] {
        guard let n = e[key] else {
          fail(item, "an inhibit rule needs '\(key)', such as [alertname=HighRateLimitRate]")
          return []
        }
        var parsed: [LabelMatcher] = []
        for (text, place) in zip(strings(n), n.sequence.map(Array.init) ?? [n]) {
          do { parsed.append(try LabelMatcher.parse(text)) } catch { fail(place, "\(key): \(error)") }
        }
        if parsed.isEmpty && e[key] != nil { fail(n, "\(key) needs at least one matcher") }
        return parsed
      }
      let source = matchers("source_matchers")
      let target = matchers("target_matchers")
      let equal = e["equal"].map { strings($0) } ?? []
      for (label, place) in zip(equal, e["equal"]?.sequence.map(Array.init) ?? []) where !isLabelName(label) {
        fail(place, "equal: '\(label)' is not a label name")
      }
      let hold = e["hold"].flatMap { duration($0, positive: false) } ?? 0
      out.append(InhibitRule(sourceMatchers: source, targetMatchers: target, equal: equal, holdMs: hold))
    }
    return out
  }

  mutating func parseDelivery(_ node: Node) -> DeliveryPolicy {
    var d = DeliveryPolicy()
    let e = entries(node, known: Self.deliveryKeys, what: "delivery")
    if let n = e["max_attempts"], let v = count(n) {
      if v < 1 { fail(n, "max_attempts must be at least 1") } else { d.maxAttempts = Int(v) }
    }
    if let n = e["initial_backoff"], let ms = duration(n, positive: true) { d.initialBackoffMs = ms }
    if let n = e["max_backoff"], let ms = duration(n, positive: true) { d.maxBackoffMs = ms }
    if d.maxBackoffMs < d.initialBackoffMs, let n = e["max_backoff"] {
      fail(n, "max_backoff must not be shorter than initial_backoff")
    }
    return d
  }
}
