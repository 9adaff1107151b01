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
