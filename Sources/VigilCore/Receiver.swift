/// A setting that may be secret: written in the file, or named as an environment variable that
/// holds it. Printing one never shows a value: only the variable's name, or that it is set.
///
/// ```yaml
/// url_env: VIGIL_SLACK_URL      # .environment("VIGIL_SLACK_URL")
/// url: http://127.0.0.1:8080/   # .literal(...), for URLs that hold no token
/// ```
public enum SecretValue: Sendable, Equatable, CustomStringConvertible {
  case literal(String)
  case environment(String)

  /// The value, from `environment` when it names a variable; `nil` when that variable is unset.
  public func resolve(_ environment: [String: String]) -> String? {
    switch self {
    case .literal(let v): v
    case .environment(let name): environment[name]
    }
  }

  /// Redacted: `$NAME` for a variable, `<redacted>` for a literal.
  public var description: String {
    switch self {
    case .literal: "<redacted>"
    case .environment(let name): "$\(name)"
    }
  }
}

/// How a webhook's body is shaped.
public enum PayloadFormat: String, Sendable, CaseIterable {
  /// Alertmanager's webhook payload, version 4: every Alertmanager webhook receiver works.
  case alertmanager
  /// A Slack incoming webhook: blocks in an attachment coloured by severity.
  case slack
  /// A Discord webhook: content and embeds within Discord's limits.
  case discord
  /// A Microsoft Teams workflow webhook: an Adaptive Card.
  case teams
  /// The receiver's own Mustache template (Mattermost, Google Chat, ntfy, ...).
  case template
}

/// A webhook receiver: where to POST, in which shape, and how to sign it.
public struct WebhookReceiver: Sendable, Equatable {
  public var url: SecretValue
  public var format: PayloadFormat = .alertmanager
  /// Extra request headers, in order; values may be secrets.
  public var headers: [Header] = []
  /// How long one request may take, connect to last byte.
  public var timeoutMs: Int64 = 10_000
  /// With a secret, each request carries `X-Vigil-Signature: sha256=<HMAC-SHA256 of the body>`.
  public var signingSecret: SecretValue?
  /// The body template for `format: template` (Mustache, values JSON-escaped unless
  /// `content_type` is not JSON).
  public var template: String?
  public var contentType = "application/json"
  /// At most this many alerts in one message (0: no limit); the rest are counted as truncated.
  public var maxAlerts = 0

  public struct Header: Sendable, Equatable {
    public var name: String
    public var value: SecretValue

    public init(name: String, value: SecretValue) {
      self.name = name
      self.value = value
    }
  }

  public init(url: SecretValue) { self.url = url }
}

/// How an SMTP connection is secured.
public enum SMTPSecurity: String, Sendable, CaseIterable {
  /// Plain TCP, then `STARTTLS` before anything else is sent (port 587). Refused if the server
  /// does not offer it.
  case starttls
  /// TLS from the first byte (port 465).
  case tls
  /// No TLS at all: only for a relay on the same host. Credentials are never sent this way.
  case none
}

/// An email receiver: an SMTP server, credentials, sender and recipients.
public struct EmailReceiver: Sendable, Equatable {
  public var host: String
  public var port: Int
  public var security: SMTPSecurity = .starttls
  public var username: String?
  public var password: SecretValue?
  /// `PLAIN` or `LOGIN`; `nil` picks the first of those the server offers.
  public var authMechanism: String?
  public var from: String
  public var to: [String]
  /// A PEM file of certificates to trust (a private CA or a self-signed server).
  public var caFile: String?
  /// The name sent with EHLO.
  public var helloName = "localhost"
  public var timeoutMs: Int64 = 30_000

  public init(host: String, port: Int, from: String, to: [String]) {
    self.host = host
    self.port = port
    self.from = from
    self.to = to
  }
}

/// How alerts are batched into messages, in the manner of Alertmanager's route.
public struct Routing: Sendable, Equatable {
  /// Alerts with the same values of these labels go into one message.
  public var groupBy: [String] = ["alertname", "provider"]
  /// How long a new group waits for more alerts before its first message.
  public var groupWaitMs: Int64 = 30_000
  /// How long after a message a group waits before sending what changed.
  public var groupIntervalMs: Int64 = 300_000
  /// How long before a still-firing group is sent again; 0 never repeats.
  public var repeatIntervalMs: Int64 = 14_400_000

  public init() {}

  /// The stdout receiver's defaults: a log line per change as it happens, never repeated.
  public static let immediate: Routing = {
    var r = Routing()
    r.groupWaitMs = 0
    r.groupIntervalMs = 0
    r.repeatIntervalMs = 0
    return r
  }()
}

/// Retries of failed deliveries: exponential backoff with full jitter and a cap.
public struct DeliveryPolicy: Sendable, Equatable {
  /// Attempts before a message becomes a dead letter.
  public var maxAttempts = 10
  public var initialBackoffMs: Int64 = 1000
  public var maxBackoffMs: Int64 = 300_000

  public init() {}

  /// The wait before the attempt after `attempts` failed ones: uniform in
  /// `[0, min(cap, initial * 2^(attempts-1))]` ("full jitter"), and never shorter than the
  /// receiver's `Retry-After`, which is honoured up to the cap (`max_backoff`).
  public func backoffMs(
    afterAttempts attempts: Int, retryAfterMs: Int64?, using random: inout some RandomNumberGenerator
  ) -> Int64 {
    let exponent = min(max(attempts - 1, 0), 40)
    let ceiling = min(maxBackoffMs, initialBackoffMs.multipliedReportingOverflow(by: 1 << exponent).0)
    let bound = max(ceiling, 0)
    let jittered = bound == 0 ? 0 : Int64.random(in: 0...bound, using: &random)
    guard let retryAfterMs else { return jittered }
    return max(jittered, min(max(retryAfterMs, 0), max(maxBackoffMs, 0)))
  }
}

/// What a receiver is.
public enum ReceiverKind: Sendable, Equatable {
  /// Lines on standard output; `json` for one JSON object per alert.
  case stdout(json: Bool)
  case webhook(WebhookReceiver)
  case email(EmailReceiver)

  public var typeName: String {
    switch self {
    case .stdout: "stdout"
    case .webhook: "webhook"
    case .email: "email"
    }
  }
}

/// A named destination for notifications, declared in alerts.yaml.
public struct Receiver: Sendable, Equatable {
  public var name: String
  public var kind: ReceiverKind
  /// Whether to send a message when alerts resolve (on by default, as in Alertmanager).
  public var sendResolved = true
  public var routing: Routing

  public init(name: String, kind: ReceiverKind, routing: Routing = Routing()) {
    self.name = name
    self.kind = kind
    self.routing = routing
  }

  /// The receiver that always exists: human-readable lines on stdout.
  public static let stdout = Receiver(name: "stdout", kind: .stdout(json: false), routing: .immediate)

  /// The receiver's settings with every secret redacted, for `vigil receivers` and errors.
  public var redactedDescription: String {
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
  public static func redactedURL(_ url: SecretValue) -> String {
    switch url {
    case .environment: return url.description
    case .literal(let text): return URLParts(text).map { "\($0.scheme)://\($0.hostPort)/…" } ?? "<redacted>"
    }
  }
}

/// The parts of an http(s) URL that Vigil needs, parsed without Foundation.
public struct URLParts: Sendable, Equatable {
  public var scheme: String
  public var host: String
  public var port: Int

  public var hostPort: String {
    let defaultPort = scheme == "https" ? 443 : 80
    return port == defaultPort ? host : "\(host):\(port)"
  }

  /// `nil` unless `text` is an absolute http or https URL with a host.
  public init?(_ text: String) {
    let lower = text.lowercased()
    let rest: Substring
    if lower.hasPrefix("https://") {
      scheme = "https"
      rest = text.dropFirst(8)
    } else if lower.hasPrefix("http://") {
      scheme = "http"
      rest = text.dropFirst(7)
    } else {
      return nil
    }
    let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
    var authority = rest[..<authorityEnd]
    if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
    if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
      host = String(authority[authority.index(after: authority.startIndex)..<close])
      let after = authority[authority.index(after: close)...]
      port = after.hasPrefix(":") ? Int(after.dropFirst()) ?? -1 : (scheme == "https" ? 443 : 80)
    } else if let colon = authority.lastIndex(of: ":") {
      host = String(authority[..<colon])
      port = Int(authority[authority.index(after: colon)...]) ?? -1
    } else {
      host = String(authority)
      port = scheme == "https" ? 443 : 80
    }
    guard !host.isEmpty, (1...65535).contains(port) else { return nil }
  }
}
