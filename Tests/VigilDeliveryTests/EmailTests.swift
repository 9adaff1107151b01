import AsyncHTTPClient
import Foundation
import Testing
import VigilAlerting
import VigilCore
import VigilDelivery
import VigilStore
import VigilTestPeers
import VigilTestSupport

/// Email through a real SMTP server (aiosmtpd): STARTTLS and implicit TLS with a self-signed
/// certificate, AUTH PLAIN and LOGIN, and the exact headers and bodies.
@Suite(.serialized) struct EmailTests {
  static let now = DeliveryTests.now

  func receiver(
    _ peer: SMTPPeer, security: SMTPSecurity, auth: String? = nil, trust: Bool = true,
    to: [String] = ["oncall@example.com", "ml@example.com"]
  )
    -> Receiver
  {
    var e = EmailReceiver(host: "127.0.0.1", port: peer.port, from: "Vigil <vigil@example.com>", to: to)
    e.security = security
    e.caFile = trust ? peer.certificate : nil
    // Generous: these tests are about what is sent, not how fast. On two cores, Swift Testing
    // runs CPU-bound tests on the same two threads that resume this conversation, and a 10 s
    // limit was once passed while they held both (CI, a fresh build).
    e.timeoutMs = 60_000
    if auth != nil {
      e.username = "alerts"
      e.password = .environment("SMTP_PASSWORD")
      e.authMechanism = auth
    }
    var r = Receiver(name: "mail", kind: .email(e))
    r.routing = .immediate
    return r
  }

  /// Queues one notification for `receiver` and delivers it once.
  func deliver(
    _ r: Receiver, _ dir: TemporaryDirectory, password: String = "pa55", alerts: [NotifiedAlert]? = nil
  )
    async throws -> (DeliveryReport, OutboxEntry)
  {
    var rules = RuleSet()
    rules.receivers = [.stdout, r]
    let store = try Store(path: dir.file("v.db"))
    let n = AlertFixtures.notification(alerts ?? [AlertFixtures.alert("HighErrorRate")], receiver: "mail")
    try store.enqueue(
      [try MessageRenderer(externalURL: "http://vigil.test", nowMs: Self.now).render(n, for: r)],
      nowMs: Self.now)
    let http = OutboxSender.makeHTTPClient()
    let sender = try OutboxSender(
      databasePath: dir.file("v.db"), rules: rules, environment: ["SMTP_PASSWORD": password], http: http,
      stdout: { _ in })
    let report = try await sender.deliverDue(nowMs: Self.now)
    try await http.shutdown()
    return (report, try store.outbox(states: OutboxEntry.State.allCases)[0])
  }

  /// The headers (unfolded) and the decoded text and HTML parts of a received message.
  func parse(_ data: String) throws -> (headers: [String: String], text: String, html: String) {
    let normalized = data.replacingOccurrences(of: "\r\n", with: "\n")
    let split = try #require(normalized.range(of: "\n\n"))
    var headers: [String: String] = [:]
    for line in normalized[..<split.lowerBound].replacingOccurrences(of: "\n ", with: " ").split(
      separator: "\n")
    {
      let colon = try #require(line.firstIndex(of: ":"))
      headers[String(line[..<colon])] = String(line[line.index(after: colon)...]).trimmingCharacters(
        in: .whitespaces)
    }
    let boundary = try #require(
      headers["Content-Type"]?.components(separatedBy: "boundary=\"").last?.dropLast())
    var parts: [String: String] = [:]
    for part in normalized.components(separatedBy: "--\(boundary)").dropFirst() where !part.hasPrefix("--") {
      let sections = part.components(separatedBy: "\n\n")
      let type = sections[0].contains("text/html") ? "html" : "text"
      let body = sections.dropFirst().joined().replacingOccurrences(of: "\n", with: "")
      parts[type] = String(decoding: try #require(Data(base64Encoded: body)), as: UTF8.self)
    }
    return (headers, parts["text"] ?? "", parts["html"] ?? "")
  }

  @Test func starttlsWithAuthPlainDeliversBothBodiesWithTheRightHeaders() async throws {
    let dir = TemporaryDirectory()
    let peer = try await SMTPPeer.started(directory: dir.path, mode: .starttls, auth: "alerts:pa55")
    defer { peer.stop() }
    let (report, entry) = try await deliver(receiver(peer, security: .starttls, auth: "PLAIN"), dir)
    #expect(report.delivered == 1, "\(report.problems)")
    #expect(entry.state == .delivered)
    let message = try #require(peer.messages.first)
    #expect(message.tls && message.authUser == "alerts")
    #expect(
      message.mailFrom == "vigil@example.com" && message.rcptTos == ["oncall@example.com", "ml@example.com"])
    let (headers, text, html) = try parse(message.data)
    #expect(headers["Subject"] == "[FIRING:1] HighErrorRate (provider=openai)")
    #expect(
      headers["From"] == "Vigil <vigil@example.com>" && headers["To"] == "oncall@example.com, ml@example.com")
    #expect(headers["Date"] == "Wed, 25 Nov 2026 10:00:00 +0000" && headers["MIME-Version"] == "1.0")
    #expect(headers["Message-ID"]?.hasSuffix("@vigil>") == true)
    #expect(headers["Content-Type"]?.hasPrefix("multipart/alternative; boundary=") == true)
    #expect(
      text.hasPrefix(
        "[FIRING:1] HighErrorRate (provider=openai)\r\n\r\nFIRING: HighErrorRate\r\n  openai: error rate 12.50% over 2m"
      ))
    #expect(text.contains("value: 12.50%   threshold: 5.00%") && text.contains("Vigil: http://vigil.test"))
    #expect(
      html.contains(
        "<h2 style=\"color:#E01E5A;margin-bottom:4px\">[FIRING:1] HighErrorRate (provider=openai)</h2>"))
    #expect(html.contains("<td style=\"padding:4px\">openai: error rate 12.50% over 2m</td>"))
  }

  @Test func implicitTLSWithAuthLogin() async throws {
    let dir = TemporaryDirectory()
    let peer = try await SMTPPeer.started(directory: dir.path, mode: .tls, auth: "alerts:pa55")
    defer { peer.stop() }
    let (report, _) = try await deliver(receiver(peer, security: .tls, auth: "LOGIN"), dir)
    #expect(report.delivered == 1, "\(report.problems)")
    #expect(peer.messages.first?.tls == true && peer.messages.first?.authUser == "alerts")
  }

  @Test func aLabelCannotInjectAHeaderAndHTMLIsEscaped() async throws {
    let dir = TemporaryDirectory()
    let peer = try await SMTPPeer.started(directory: dir.path, mode: .starttls)
    defer { peer.stop() }
    let hostile = AlertFixtures.alert(
      "HighErrorRate", model: "x\r\nBcc: attacker@evil.test\r\n\r\nbody",
      summary: "<script>alert(1)</script> 日本語")
    var n = hostile
    n.labels["alertname"] = "High\r\nBcc: attacker@evil.test"
    let (report, _) = try await deliver(receiver(peer, security: .starttls), dir, alerts: [n])
    #expect(report.delivered == 1, "\(report.problems)")
    let message = try #require(peer.messages.first)
    #expect(message.rcptTos == ["oncall@example.com", "ml@example.com"])
    let (headers, text, html) = try parse(message.data)
    #expect(headers["Bcc"] == nil)
    #expect(headers["Subject"] == "[FIRING:1] High Bcc: attacker@evil.test (provider=openai)")
    #expect(!message.data.contains("\r\nBcc:"))
    #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; 日本語") && !html.contains("<script>"))
    #expect(text.contains("<script>alert(1)</script> 日本語"))
  }

  @Test func aNonASCIISubjectIsEncodedAsRFC2047Words() async throws {
    let dir = TemporaryDirectory()
    let peer = try await SMTPPeer.started(directory: dir.path, mode: .starttls)
    defer { peer.stop() }
    var a = AlertFixtures.alert("Überlast")
    a.labels["provider"] = "openai"
    let (report, _) = try await deliver(receiver(peer, security: .starttls), dir, alerts: [a])
    #expect(report.delivered == 1)
    let (headers, _, _) = try parse(try #require(peer.messages.first).data)
    let subject = try #require(headers["Subject"])
    #expect(subject.hasPrefix("=?UTF-8?B?") && !subject.contains("Ü"))
    let decoded = subject.split(separator: " ").map { word -> String in
      let b64 = word.dropFirst(10).dropLast(2)
      return String(decoding: Data(base64Encoded: String(b64)) ?? Data(), as: UTF8.self)
    }.joined()
    #expect(decoded == "[FIRING:1] Überlast (provider=openai)")
  }

  @Test func starttlsRequiredButNotOfferedSendsNothingAndRetries() async throws {
    let dir = TemporaryDirectory()
    let peer = try await SMTPPeer.started(directory: dir.path, mode: .plain)
    defer { peer.stop() }
    let (report, entry) = try await deliver(receiver(peer, security: .starttls), dir)
    #expect(report.retried == 1)
    #expect(entry.lastError?.contains("does not offer STARTTLS") == true)
    #expect(peer.messages.isEmpty)
  }

  @Test func anUntrustedCertificateIsRefused() async throws {
    let dir = TemporaryDirectory()
    let peer = try await SMTPPeer.started(directory: dir.path, mode: .starttls)
    defer { peer.stop() }
    let (report, entry) = try await deliver(receiver(peer, security: .starttls, trust: false), dir)
    #expect(report.retried == 1)
    #expect(entry.lastError?.contains("TLS") == true, "\(entry.lastError ?? "")")
    #expect(peer.messages.isEmpty)
  }

  @Test func aWrongPasswordIsADeadLetterAndThePasswordIsNotInTheError() async throws {
    let dir = TemporaryDirectory()
    let peer = try await SMTPPeer.started(directory: dir.path, mode: .starttls, auth: "alerts:pa55")
    defer { peer.stop() }
    let (report, entry) = try await deliver(
      receiver(peer, security: .starttls, auth: "PLAIN"), dir, password: "wrong-pw")
    #expect(report.dead == 1, "\(report.problems)")
    let error = try #require(entry.lastError)
    #expect(error.contains("535") && error.contains("AUTH PLAIN …"))
    #expect(
      !error.contains("wrong-pw")
        && !error.contains(Data("\u{0}alerts\u{0}wrong-pw".utf8).base64EncodedString()))
    #expect(peer.messages.isEmpty)
  }
}
