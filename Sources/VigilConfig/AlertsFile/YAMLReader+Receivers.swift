import VigilCore
import Yams

#if canImport(Glibc)
  import Glibc
#endif

/// alerts.yaml's receivers: stdout, webhooks, email and Alertmanagers, with their secrets named,
/// never written.
extension YAMLReader {
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
      case "alertmanager": known = Self.alertmanagerKeys
      default:
        let types = ["stdout", "webhook", "email", "alertmanager"]
        let hint = nearest(type, types).map { " (did you mean '\($0)'?)" } ?? ""
        fail(
          mapping["type"] ?? item,
          "receiver '\(mapping["name"]?.string ?? "?")': unknown type '\(type)' (one of \(types.joined(separator: ", ")))\(hint)"
        )
        continue
      }
      let e = entries(
        item, known: known,
        what: ["email", "alertmanager"].contains(type) ? "an \(type) receiver" : "a \(type) receiver")
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
      case "alertmanager": kind = parseAlertmanager(e, item, name: name).map(ReceiverKind.alertmanager)
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
    w.headers = parseHeaders(e, what: what)
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

  /// `headers` (literal values) and `header_env` (values from environment variables), in order.
  mutating func parseHeaders(_ e: [String: Node], what: String) -> [WebhookReceiver.Header] {
    var headers: [WebhookReceiver.Header] = []
    if let n = e["headers"] {
      for (k, v) in n.mapping ?? [:] {
        guard let key = k.string, isHeaderName(key), let value = v.string, !value.contains(where: \.isNewline)
        else {
          fail(k, "\(what): headers must be name: value pairs without line breaks")
          continue
        }
        headers.append(.init(name: key, value: .literal(value)))
      }
      if n.mapping == nil { fail(n, "\(what): headers must be a mapping") }
    }
    if let n = e["header_env"] {
      for (k, v) in n.mapping ?? [:] {
        guard let key = k.string, isHeaderName(key), let variable = v.string, isEnvName(variable) else {
          fail(k, "\(what): header_env maps header names to environment variable names")
          continue
        }
        headers.append(.init(name: key, value: .environment(variable)))
      }
      if n.mapping == nil { fail(n, "\(what): header_env must be a mapping") }
    }
    return headers
  }

  /// An Alertmanager to push to: `urls` (each replica's base URL) or `url_env` (one, from the
  /// environment), `resend_delay`, `timeout`, headers.
  mutating func parseAlertmanager(_ e: [String: Node], _ item: Node, name: String) -> AlertmanagerReceiver? {
    let what = "receiver '\(name)'"
    var urls: [SecretValue] = []
    if let n = e["urls"] {
      let list = strings(n)
      if list.isEmpty { fail(n, "\(what): urls must list each Alertmanager replica's URL") }
      for u in list {
        if URLParts(u) == nil {
          fail(n, "\(what): '\(u)' is not an http:// or https:// URL with a host")
        } else {
          urls.append(.literal(u))
        }
      }
    }
    if let n = e["url_env"], let variable = string(n) {
      if isEnvName(variable) {
        urls.append(.environment(variable))
      } else {
        fail(n, "\(what): '\(variable)' is not an environment variable name")
      }
    }
    guard !urls.isEmpty else {
      if e["urls"] == nil && e["url_env"] == nil {
        fail(
          item, "\(what) needs 'urls' (each Alertmanager replica, e.g. [http://127.0.0.1:9093]) or 'url_env'")
      }
      return nil
    }
    var a = AlertmanagerReceiver(urls: urls)
    a.headers = parseHeaders(e, what: what)
    if let n = e["timeout"], let ms = duration(n, positive: true) { a.timeoutMs = ms }
    if let n = e["resend_delay"], let ms = duration(n, positive: true) { a.resendDelayMs = ms }
    return a
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

  func isHeaderName(_ s: String) -> Bool {
    !s.isEmpty && s.unicodeScalars.allSatisfy { $0.isASCII && $0.value > 32 && $0.value < 127 && $0 != ":" }
  }

  /// `a@b.c` or `Name <a@b.c>`, with no line breaks: enough to refuse a typo and header injection.
  func isAddress(_ s: String) -> Bool {
    guard !s.contains(where: { $0.isNewline }), s.contains("@") else { return false }
    if let open = s.lastIndex(of: "<") { return s.hasSuffix(">") && s[open...].contains("@") }
    return !s.contains(" ")
  }
}
