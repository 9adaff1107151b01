/// How an SMTP connection is secured.
package enum SMTPSecurity: String, Sendable, CaseIterable {
  /// Plain TCP, then `STARTTLS` before anything else is sent (port 587). Refused if the server
  /// does not offer it.
  case starttls
  /// TLS from the first byte (port 465).
  case tls
  /// No TLS at all: only for a relay on the same host. Credentials are never sent this way.
  case none
}
/// An email receiver: an SMTP server, credentials, sender and recipients.
package struct EmailReceiver: Sendable, Equatable {
  package var host: String
  package var port: Int
  package var security: SMTPSecurity = .starttls
  package var username: String?
  package var password: SecretValue?
  /// `PLAIN` or `LOGIN`; `nil` picks the first of those the server offers.
  package var authMechanism: String?
  package var from: String
  package var to: [String]
  /// A PEM file of certificates to trust (a private CA or a self-signed server).
  package var caFile: String?
  /// The name sent with EHLO.
  package var helloName = "localhost"
  package var timeoutMs: Int64 = 30_000

  package init(host: String, port: Int, from: String, to: [String]) {
    self.host = host
    self.port = port
    self.from = from
    self.to = to
  }
}
