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
  /// The file name used in messages (the included file while one is read).
  var file: String
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
    switch readTextFile(path) {
    case .success(let text): return try load(yaml: text, file: path)
    case .failure(let problem):
      throw RulesErrors(errors: [RulesError(file: path, line: 0, column: 0, message: problem.description)])
    }
  }

  init(file: String) { self.file = file }

  mutating func fail(_ node: Node?, _ message: String) {
    errors.append(
      RulesError(file: file, line: node?.mark?.line ?? 1, column: node?.mark?.column ?? 1, message: message))
  }

  // MARK: Structure

  static let topKeys = [
    "version", "defaults", "receivers", "rules", "routing", "delivery", "external_url", "include",
  ]
  static let includedKeys = ["receivers", "rules"]
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
  static let routingKeys = ["group_by", "group_wait", "group_interval", "repeat_interval"]
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
  static let deliveryKeys = ["max_attempts", "initial_backoff", "max_backoff"]
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
        // A secret given in the file where only its variable's name is accepted: say so.
        let suggestion = known.contains(key + "_env") ? key + "_env" : nearest(key, known)
        let hint = suggestion.map { " (did you mean '\($0)'?)" } ?? ""
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
    var routing = Routing()
    if let r = top["routing"] {
      routing = parseRouting(entries(r, known: Self.routingKeys, what: "routing"), routing)
    }
    if let d = top["delivery"] { set.delivery = parseDelivery(d) }
    if let u = top["external_url"], let text = string(u) {
      if URLParts(text) == nil { fail(u, "external_url '\(text)' is not an http(s) URL") }
      set.externalURL = text.hasSuffix("/") ? String(text.dropLast()) : text
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
        if let node = compose(text) {
          included.append((resolved, entries(node, known: Self.includedKeys, what: "an included file")))
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
    guard let rulesNode = top["rules"] else {
      fail(root, "missing 'rules:'")
      return nil
    }
    var names: Set<String> = []
    let receiverNames = set.receivers.map(\.name)
    for (source, node) in [(topFile, rulesNode)]
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
    return set
  }

  /// The YAML document of `text`, or nil after reporting its syntax error.
  mutating func compose(_ text: String) -> Node? {
    do {
      guard let node = try Yams.compose(yaml: text) else {
        fail(nil, "the file is empty")
        return nil
      }
      return node
    } catch let error as YamlError {
      errors.append(yamlError(error))
    } catch {
      errors.append(RulesError(file: file, line: 1, column: 1, message: "\(error)"))
    }
    return nil
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
    case .reader(let problem, let offset, _, _):
      // Never the text around it: it could be anything the file holds.
      return RulesError(file: file, line: 1, column: 1, message: "YAML: \(problem) (byte \(offset))")
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
    return r
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

  mutating func parseReceivers(_ node: Node, routing: Routing, into receivers: inout [Receiver]) {
    guard let list = node.sequence else {
      fail(node, "'receivers' must be a list of receivers, each with a name and a type")
      return
    }
    for item in list {
      guard let mapping = item.mapping else {
        fail(item, "a receiver must be a mapping with a name and a type")
        continue
      }
      let type = mapping["type"]?.string ?? ""
      let known: [String]
      switch type {
      case "stdout": known = Self.stdoutKeys
      case "webhook": known = Self.webhookKeys
      case "email": known = Self.emailKeys
      default:
        let hint = nearest(type, ["stdout", "webhook", "email"]).map { " (did you mean '\($0)'?)" } ?? ""
        fail(
          mapping["type"] ?? item,
          "receiver '\(mapping["name"]?.string ?? "?")': unknown type '\(type)' (one of stdout, webhook, email)\(hint)"
        )
        continue
      }
      let e = entries(item, known: known, what: type == "email" ? "an email receiver" : "a \(type) receiver")
      guard let nameNode = e["name"], let name = string(nameNode), !name.isEmpty else {
        fail(item, "a receiver needs a 'name'")
        continue
      }
      if receivers.contains(where: { $0.name == name }), name != "stdout" {
        fail(nameNode, "two receivers are named '\(name)'; names must be unique")
        continue
      }
      let kind: ReceiverKind?
      switch type {
      case "stdout":
        let format = e["format"].flatMap { string($0) } ?? "text"
        if format != "text" && format != "json" { fail(e["format"]!, "format must be text or json") }
        kind = .stdout(json: format == "json")
      case "webhook": kind = parseWebhook(e, item, name: name).map(ReceiverKind.webhook)
      default: kind = parseEmail(e, item, name: name).map(ReceiverKind.email)
      }
      guard let kind else { continue }
      // stdout is a log: every change as it happens, unless the receiver says otherwise.
      let base = type == "stdout" ? Routing.immediate : routing
      var receiver = Receiver(name: name, kind: kind, routing: parseRouting(e, base))
      if let n = e["send_resolved"] {
        if let b = n.bool {
          receiver.sendResolved = b
        } else {
          fail(n, "send_resolved must be true or false")
        }
      }
      if let i = receivers.firstIndex(where: { $0.name == name }) {
        receivers[i] = receiver  // a declared `stdout` replaces the built-in one
      } else {
        receivers.append(receiver)
      }
    }
  }

  /// A secret from `KEY_env` (an environment variable's name), or a literal from `KEY` where one
  /// is allowed. Exactly one of the two.
  mutating func secret(_ e: [String: Node], _ key: String, literalAllowed: Bool, in item: Node, what: String)
    -> SecretValue?
  {
    let literal = literalAllowed ? e[key] : nil
    let env = e[key + "_env"]
    if literal != nil && env != nil {
      fail(env!, "\(what): give '\(key)' or '\(key)_env', not both")
      return nil
    }
    if let env, let name = string(env) {
      guard isEnvName(name) else {
        fail(env, "\(what): '\(name)' is not an environment variable name")
        return nil
      }
      return .environment(name)
    }
    if let literal, let value = string(literal) { return .literal(value) }
    return nil
  }

  mutating func parseWebhook(_ e: [String: Node], _ item: Node, name: String) -> WebhookReceiver? {
    let what = "receiver '\(name)'"
    guard let url = secret(e, "url", literalAllowed: true, in: item, what: what) else {
      if e["url"] == nil && e["url_env"] == nil {
        fail(item, "\(what) needs 'url_env' (the environment variable holding the URL) or 'url'")
      }
      return nil
    }
    if case .literal(let text) = url, URLParts(text) == nil {
      fail(e["url"]!, "\(what): url must be an http:// or https:// URL with a host")
    }
    var w = WebhookReceiver(url: url)
    if let n = e["payload"], let text = string(n) {
      if let f = PayloadFormat(rawValue: text) {
        w.format = f
      } else {
        let all = PayloadFormat.allCases.map(\.rawValue)
        let hint = nearest(text, all).map { " (did you mean '\($0)'?)" } ?? ""
        fail(n, "\(what): unknown payload '\(text)' (one of \(all.joined(separator: ", ")))\(hint)")
      }
    }
    if let n = e["headers"] {
      for (k, v) in n.mapping ?? [:] {
        guard let key = k.string, isHeaderName(key), let value = v.string, !value.contains(where: \.isNewline)
        else {
          fail(k, "\(what): headers must be name: value pairs without line breaks")
          continue
        }
        w.headers.append(.init(name: key, value: .literal(value)))
      }
      if n.mapping == nil { fail(n, "\(what): headers must be a mapping") }
    }
    if let n = e["header_env"] {
      for (k, v) in n.mapping ?? [:] {
        guard let key = k.string, isHeaderName(key), let variable = v.string, isEnvName(variable) else {
          fail(k, "\(what): header_env maps header names to environment variable names")
          continue
        }
        w.headers.append(.init(name: key, value: .environment(variable)))
      }
      if n.mapping == nil { fail(n, "\(what): header_env must be a mapping") }
    }
    w.signingSecret = secret(e, "signing_secret", literalAllowed: false, in: item, what: what)
    if let n = e["timeout"], let ms = duration(n, positive: true) { w.timeoutMs = ms }
    if let n = e["max_alerts"], let v = count(n) { w.maxAlerts = Int(v) }
    if let n = e["content_type"], let v = string(n) { w.contentType = v }
    if let n = e["template"], let text = string(n) {
      if w.format != .template { fail(n, "\(what): 'template' needs 'payload: template'") }
      if let problem = MessageTemplate.problem(in: text) { fail(n, "\(what): template: \(problem)") }
      w.template = text
    } else if w.format == .template {
      fail(item, "\(what): payload template needs a 'template'")
    }
    return w
  }

  mutating func parseEmail(_ e: [String: Node], _ item: Node, name: String) -> EmailReceiver? {
    let what = "receiver '\(name)'"
    guard let smtpNode = e["smtp"], let smtp = string(smtpNode) else {
      fail(item, "\(what) needs 'smtp: host:port'")
      return nil
    }
    guard let colon = smtp.lastIndex(of: ":"), let port = Int(smtp[smtp.index(after: colon)...]),
      (1...65535).contains(port), colon > smtp.startIndex
    else {
      fail(smtpNode, "\(what): smtp must be host:port, e.g. smtp.example.com:587")
      return nil
    }
    guard let fromNode = e["from"], let from = string(fromNode) else {
      fail(item, "\(what) needs 'from: address'")
      return nil
    }
    let to = e["to"].map { strings($0) } ?? []
    if to.isEmpty { fail(e["to"] ?? item, "\(what) needs 'to:' with at least one address") }
    for (address, node) in [(from, fromNode)] + to.map({ ($0, e["to"]!) }) where !isAddress(address) {
      fail(node, "\(what): '\(address)' is not an email address")
    }
    var m = EmailReceiver(
      host: String(smtp[..<colon]).trimmingCharacters("[").trimmingCharacters("]"), port: port, from: from,
      to: to)
    if let n = e["security"], let text = string(n) {
      if let s = SMTPSecurity(rawValue: text) {
        m.security = s
      } else {
        fail(n, "\(what): security must be starttls, tls or none")
      }
    }
    m.username = e["username"].flatMap { string($0) }
    m.password = secret(e, "password", literalAllowed: false, in: item, what: what)
    if m.username != nil && m.password == nil {
      fail(
        e["username"]!,
        "\(what): a username needs 'password_env' (the environment variable holding the password)")
    }
    if m.username != nil && m.security == .none {
      fail(
        e["security"] ?? item,
        "\(what): credentials are never sent without TLS; use security: starttls or tls")
    }
    if let n = e["auth"], let text = string(n) {
      if ["plain", "login"].contains(text.lowercased()) {
        m.authMechanism = text.uppercased()
      } else {
        fail(n, "\(what): auth must be plain or login")
      }
    }
    m.caFile = e["ca_file"].flatMap { string($0) }
    if let n = e["hello"], let v = string(n) { m.helloName = v }
    if let n = e["timeout"], let ms = duration(n, positive: true) { m.timeoutMs = ms }
    return m
  }

  func isEnvName(_ s: String) -> Bool {
    !s.isEmpty && s.first.map { !$0.isNumber } == true
      && s.unicodeScalars.allSatisfy {
        $0 == "_" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0)))
      }
  }

  func isHeaderName(_ s: String) -> Bool {
    !s.isEmpty && s.unicodeScalars.allSatisfy { $0.isASCII && $0.value > 32 && $0.value < 127 && $0 != ":" }
  }

  /// `a@b.c` or `Name <a@b.c>`, with no line breaks: enough to refuse a typo and header injection.
  func isAddress(_ s: String) -> Bool {
    guard !s.contains(where: { $0.isNewline }), s.contains("@") else { return false }
    if let open = s.lastIndex(of: "<") { return s.hasSuffix(">") && s[open...].contains("@") }
    return !s.contains(" ")
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
      if let v = Double(text), v >= 0, v.isFinite { return v }
      if let ms = DurationText.parseMs(text) { return Double(ms) }
      fail(node, "rule '\(rule)': latency threshold '\(text)' is not milliseconds or a duration such as 30s")
      return nil
    }
    guard let v = Double(text), v >= 0, v.isFinite else {
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
      fail(node, (DurationText.problem(text) ?? "'\(text)' is not a duration") + sign)
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
/// A configuration file's text, or why it cannot be one. Only a regular file of at most
/// `maxBytes` is read (not a device such as /dev/zero, not a file of /proc or /sys such as
/// /proc/self/environ), and it must be text: no error can then quote what such a file holds.
func readTextFile(_ path: String, maxBytes: Int = 4 << 20) -> Result<String, TextFileProblem> {
  let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
  guard fd >= 0 else { return .failure(.cannotOpen(String(cString: strerror(errno)))) }
  defer { close(fd) }
  var st = stat()
  guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return .failure(.notRegular) }
  guard st.st_size <= maxBytes else { return .failure(.tooLarge(maxBytes)) }
  var bytes: [UInt8] = []
  var buffer = [UInt8](repeating: 0, count: 1 << 16)
  while true {
    let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
    if n < 0 && errno == EINTR { continue }
    guard n >= 0 else { return .failure(.cannotOpen(String(cString: strerror(errno)))) }
    if n == 0 { break }
    bytes.append(contentsOf: buffer[..<n])
    guard bytes.count <= maxBytes else { return .failure(.tooLarge(maxBytes)) }
    // A "regular" file that says it is empty yet has content is made up by the kernel as it is
    // read (/proc/self/environ, /sys/...): not a configuration file.
    if st.st_size == 0 { return .failure(.pseudo) }
  }
  guard !bytes.contains(0), let text = String(validating: bytes, as: UTF8.self) else {
    return .failure(.notText)
  }
  return .success(text)
}

/// Why a configuration file was not read.
enum TextFileProblem: Error, CustomStringConvertible {
  case cannotOpen(String)
  case notRegular
  case pseudo
  case tooLarge(Int)
  case notText

  var description: String {
    switch self {
    case .cannotOpen(let reason): "cannot read the file: \(reason)"
    case .notRegular: "not a regular file"
    case .pseudo: "a file of /proc or /sys, not a configuration file"
    case .tooLarge(let max): "larger than \(max >> 20) MiB, too large for a configuration file"
    case .notText: "not a text file (UTF-8, without NUL bytes)"
    }
  }
}
