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
