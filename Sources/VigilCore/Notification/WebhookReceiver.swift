/// How a webhook's body is shaped.
package enum PayloadFormat: String, Sendable, CaseIterable {
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
package struct WebhookReceiver: Sendable, Equatable {
  package var url: SecretValue
  package var format: PayloadFormat = .alertmanager
  /// Extra request headers, in order; values may be secrets.
  package var headers: [Header] = []
  /// How long one request may take, connect to last byte.
  package var timeoutMs: Int64 = 10_000
  /// With a secret, each request carries `X-Vigil-Signature: sha256=<HMAC-SHA256 of the body>`.
  package var signingSecret: SecretValue?
  /// The body template for `format: template` (Mustache, values JSON-escaped unless
  /// `content_type` is not JSON).
  package var template: String?
  package var contentType = "application/json"
  /// At most this many alerts in one message (0: no limit); the rest are counted as truncated.
  package var maxAlerts = 0

  package struct Header: Sendable, Equatable {
    package var name: String
    package var value: SecretValue

    package init(name: String, value: SecretValue) {
      self.name = name
      self.value = value
    }
  }

  package init(url: SecretValue) { self.url = url }
}
