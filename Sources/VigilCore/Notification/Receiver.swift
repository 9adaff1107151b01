/// What a receiver is.
package enum ReceiverKind: Sendable, Equatable {
  /// Lines on standard output; `json` for one JSON object per alert.
  case stdout(json: Bool)
  case webhook(WebhookReceiver)
  case email(EmailReceiver)
  /// Alerts pushed to an existing Alertmanager's API, which groups and notifies.
  case alertmanager(AlertmanagerReceiver)

  package var typeName: String {
    switch self {
    case .stdout: "stdout"
    case .webhook: "webhook"
    case .email: "email"
    case .alertmanager: "alertmanager"
    }
  }
}
/// A named destination for notifications, declared in alerts.yaml.
package struct Receiver: Sendable, Equatable {
  package var name: String
  package var kind: ReceiverKind
  /// Whether to send a message when alerts resolve (on by default, as in Alertmanager).
  package var sendResolved = true
  package var routing: Routing

  package init(name: String, kind: ReceiverKind, routing: Routing = Routing()) {
    self.name = name
    self.kind = kind
    self.routing = routing
  }

  /// The receiver that always exists: human-readable lines on stdout.
  package static let stdout = Receiver(name: "stdout", kind: .stdout(json: false), routing: .immediate)

  /// The receiver's settings with every secret redacted, for `vigil receivers` and errors.
  package var redactedDescription: String {
    var parts = ["\(name): \(kind.typeName)"]
    switch kind {
    case .stdout(let json): parts.append("format=\(json ? "json" : "text")")
    case .webhook(let w):
      parts.append("payload=\(w.format.rawValue)")
      parts.append("url=\(Self.redactedURL(w.url))")
      if !w.headers.isEmpty { parts.append("headers=\(w.headers.map(\.name).joined(separator: ","))") }
      if let s = w.signingSecret { parts.append("signed with \(s)") }
      parts.append("timeout=\(DurationText.format(w.timeoutMs))")
    case .email(let e):
      parts.append("smtp=\(e.host):\(e.port) security=\(e.security.rawValue)")
      if let u = e.username { parts.append("user=\(u) password=\(e.password?.description ?? "none")") }
      parts.append("from=\(e.from) to=\(e.to.joined(separator: ","))")
    case .alertmanager(let a):
      parts.append("urls=\(a.urls.map(Self.redactedURL).joined(separator: ","))")
      if !a.headers.isEmpty { parts.append("headers=\(a.headers.map(\.name).joined(separator: ","))") }
      parts.append(
        "resend_delay=\(DurationText.format(a.resendDelayMs)) timeout=\(DurationText.format(a.timeoutMs))")
      return parts.joined(separator: " ")
    }
    parts.append("group_by=[\(routing.groupBy.joined(separator: ","))]")
    parts.append(
      "group_wait=\(DurationText.format(routing.groupWaitMs)) group_interval=\(DurationText.format(routing.groupIntervalMs)) repeat_interval=\(DurationText.format(routing.repeatIntervalMs))"
    )
    parts.append("send_resolved=\(sendResolved)")
    return parts.joined(separator: " ")
  }

  /// A URL reduced to what is safe to print: scheme, host and port of a literal, or the
  /// variable's name. Webhook URLs carry their token in the path, so the path is never shown.
  package static func redactedURL(_ url: SecretValue) -> String {
    switch url {
    case .environment: return url.description
    case .literal(let text): return URLParts(text).map { "\($0.scheme)://\($0.hostPort)/…" } ?? "<redacted>"
    }
  }
}
