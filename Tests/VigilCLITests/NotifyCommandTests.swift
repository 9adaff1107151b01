import Foundation
import Testing
import VigilCore
import VigilStore
import VigilTestPeers
import VigilTestSupport

/// Notifications end to end with real `vigil` processes and a real HTTP receiver: the outbox
/// across restarts, `notify test`, silences.
@Suite(.serialized) struct NotifyCommandTests {
  /// 2026-11-25T10:00:00Z. openai answers 500 to every other call from 10:05 to 10:20.
  static let start = 1_795_600_800

  static func writeIncident(_ path: String) {
    var text = ""
    for s in stride(from: 0, to: 1800, by: 2) {
      let failing = s >= 300 && s < 1200 && s % 4 == 0
      text +=
        #"{"ts":\#(start + s),"status":\#(failing ? 500 : 200),"provider":"openai","model":"m","request_id":"r\#(s)"}"#
        + "\n"
    }
    LogFile.write(path, text)
  }

  static func writeRules(_ path: String) {
    LogFile.write(
      path,
      """
      version: 1
      receivers:
        - {name: hook, type: webhook, url_env: HOOK_URL, payload: alertmanager, timeout: 2s}
      rules:
        - {alert: ServerErrors, metric: rate_5xx, threshold: 2%, window: 1m, min_requests: 5, group_by: [provider], receivers: [hook]}

      """)
  }

  @Test func aMessageForAReceiverThatIsDownWaitsAndARestartDeliversItExactlyOnce() async throws {
    let dir = TemporaryDirectory()
    let (db, log, rules) = (dir.file("v.db"), dir.file("app.log"), dir.file("alerts.yaml"))
    Self.writeIncident(log)
    Self.writeRules(rules)
    let down = try await RecordingHTTPServer()
    let downURL = down.url()
    await down.close()
    let base = ["check", "--db", db, "--rules", rules, "--send-timeout", "0s", "--quiet"]
    var (status, _, err) = try await VigilProcess.run(
      base + ["--at", "2026-11-25T10:08:00Z", log], environment: ["HOOK_URL": downURL])
    #expect(status == 1, "\(err)")
    #expect(
      err.contains("delivery #1 to hook: http://127.0.0.1:\(down.port): connection refused (attempt 1 of 10"),
      "\(err)")
    var out: String
    (status, out, _) = try await VigilProcess.run(["outbox", "--db", db])
    #expect(status == 0 && out.hasPrefix("pending: 1, delivered: 0, dead: 0"))
    #expect(out.contains("[FIRING:1] ServerErrors (provider=openai)") && out.contains("connection refused"))

    // A new process (a restart) with the receiver up delivers the waiting message once.
    let server = try await RecordingHTTPServer()
    defer { Task { await server.close() } }
    (status, out, err) = try await VigilProcess.run(
      ["outbox", "flush", "--db", db, "--rules", rules], environment: ["HOOK_URL": server.url()])
    #expect(status == 0 && out.contains("delivered 1, to retry 0, dead 0"), "\(err)")
    #expect(server.requests.count == 1)
    #expect(server.requests.first?.json["status"] as? String == "firing")
    // Later runs while it still fires send nothing again (the group interval has not passed).
    for at in ["10:09:00", "10:10:00", "10:11:00"] {
      (status, _, _) = try await VigilProcess.run(
        base + ["--at", "2026-11-25T\(at)Z"], environment: ["HOOK_URL": server.url()])
      #expect(status == 1)
    }
    #expect(server.requests.count == 1)
    // Once it resolves, the resolve is sent, once.
    (status, _, err) = try await VigilProcess.run(
      base + ["--at", "2026-11-25T10:25:00Z"], environment: ["HOOK_URL": server.url()])
    #expect(status == 0, "\(err)")
    (status, _, _) = try await VigilProcess.run(
      base + ["--at", "2026-11-25T10:26:00Z"], environment: ["HOOK_URL": server.url()])
    #expect(server.requests.count == 2)
    let resolved = server.requests.last?.json
    #expect(resolved?["status"] as? String == "resolved")
    #expect(
      ((resolved?["alerts"] as? [[String: Any]])?.first?["endsAt"] as? String)?.hasPrefix("2026-11-25T10:2")
        == true)
    (status, out, _) = try await VigilProcess.run(["outbox", "--db", db, "--state", "delivered"])
    #expect(out.hasPrefix("pending: 0, delivered: 2, dead: 0"))
  }

  @Test func notifyTestSaysWhetherTheMessageArrived() async throws {
    let dir = TemporaryDirectory()
    Self.writeRules(dir.file("alerts.yaml"))
    let server = try await RecordingHTTPServer()
    defer { Task { await server.close() } }
    let args = ["notify", "test", "hook", "--db", dir.file("v.db"), "--rules", dir.file("alerts.yaml")]
    var (status, note, err) = try await VigilProcess.run(args, environment: ["HOOK_URL": server.url()])
    #expect(status == 0 && note == "delivered to hook\n" && err.isEmpty, "\(err)")
    let alert = (server.requests.first?.json["alerts"] as? [[String: Any]])?.first
    #expect((alert?["labels"] as? [String: String])?["alertname"] == "VigilTest")
    server.reply(.status(404, body: "no such hook"))
    (status, _, err) = try await VigilProcess.run(
      args + ["--send-timeout", "0s"], environment: ["HOOK_URL": server.url()])
    #expect(status == 1)
    #expect(err.contains("answered 404: no such hook (not retried)") && err.contains("not delivered to hook"))
    // An unset variable is named, never a value.
    (status, _, err) = try await VigilProcess.run(args + ["--send-timeout", "0s"])
    #expect(status == 1 && err.contains("receiver 'hook': $HOOK_URL is not set"))
    // The failed tests are not in the outbox: a check or serve later sends nothing.
    let (listed, out, _) = try await VigilProcess.run(["outbox", "--db", dir.file("v.db"), "--state", "all"])
    #expect(listed == 0 && out.hasPrefix("pending: 0, delivered: 1, dead: 0"), "\(out)")
    server.reply(.status(200, body: "ok"))
    let before = server.requests.count  // the delivered test and the one answered 404
    (status, _, err) = try await VigilProcess.run(
      ["outbox", "flush", "--db", dir.file("v.db"), "--rules", dir.file("alerts.yaml")],
      environment: ["HOOK_URL": server.url()])
    #expect(status == 0, "\(err)")
    #expect(server.requests.count == before)
  }

  @Test func aSilenceMutesTheMessagesOfAFiringAlertUntilItEnds() async throws {
    let dir = TemporaryDirectory()
    let (db, log, rules) = (dir.file("v.db"), dir.file("app.log"), dir.file("alerts.yaml"))
    Self.writeIncident(log)
    Self.writeRules(rules)
    let server = try await RecordingHTTPServer()
    defer { Task { await server.close() } }
    let env = ["HOOK_URL": server.url()]
    var (status, out, err) = try await VigilProcess.run([
      "silence", "add", "--db", db, "alertname=ServerErrors", #"provider=~"open.*""#, "--start",
      "2026-11-25T10:00:00Z", "--until", "2026-11-25T10:12:00Z", "--comment", "known incident", "--author",
      "ops",
    ])
    #expect(status == 0, "\(err)")
    let id = out.trimmingCharacters(in: .whitespacesAndNewlines)
    #expect(!id.isEmpty)
    (status, out, _) = try await VigilProcess.run(["silence", "list", "--all", "--db", db])
    #expect(
      out.contains(id) && out.contains(#"alertname="ServerErrors",provider=~"open.*""#)
        && out.contains("known incident"))
    let base = ["check", "--db", db, "--rules", rules, "--send-timeout", "0s", "--quiet"]
    (status, _, _) = try await VigilProcess.run(
      base + ["--at", "2026-11-25T10:08:00Z", log], environment: env)
    #expect(status == 1)  // firing all the same: silences mute messages, not alerts
    (status, _, _) = try await VigilProcess.run(base + ["--at", "2026-11-25T10:11:00Z"], environment: env)
    #expect(server.requests.isEmpty)
    // The silence ends at 10:12 while the alert still fires: the alert is sent at its group's
    // next flush (group_interval after the last one, 10:10:45), as Alertmanager does.
    (status, _, _) = try await VigilProcess.run(base + ["--at", "2026-11-25T10:13:00Z"], environment: env)
    #expect(status == 1 && server.requests.isEmpty)
    (status, _, _) = try await VigilProcess.run(base + ["--at", "2026-11-25T10:16:00Z"], environment: env)
    #expect(status == 1)
    #expect(server.requests.count == 1 && server.requests.first?.json["status"] as? String == "firing")
    (status, _, err) = try await VigilProcess.run(["silence", "expire", "--db", db, String(id.prefix(6))])
    #expect(status == 0, "\(err)")
    (status, _, err) = try await VigilProcess.run(["silence", "expire", "--db", db, "nope0000"])
    #expect(status == 1 && err == "vigil: no silence nope0000\n")
    (status, _, err) = try await VigilProcess.run([
      "silence", "add", "--db", db, "provider", "--duration", "1h",
    ])
    #expect(status != 0 && err.contains("'provider' is not a matcher"))
  }

  @Test func receiversArePrintedWithTheirSecretsRedacted() async throws {
    let dir = TemporaryDirectory()
    LogFile.write(
      dir.file("alerts.yaml"),
      """
      version: 1
      receivers:
        - {name: chat, type: webhook, payload: slack, url: "https://hooks.example.com/services/T0/B0/TOKEN123"}
        - {name: mail, type: email, smtp: "smtp.example.com:587", username: vigil, password_env: SMTP_PASS, from: v@example.com, to: [o@example.com]}
      rules:
        - {alert: A, metric: error_rate, threshold: 5%, receivers: [chat, mail]}

      """)
    let (status, out, err) = try await VigilProcess.run(["receivers", "--rules", dir.file("alerts.yaml")])
    #expect(status == 0)
    #expect(out.contains("chat: webhook payload=slack url=https://hooks.example.com/…"))
    #expect(
      out.contains("mail: email smtp=smtp.example.com:587 security=starttls user=vigil password=$SMTP_PASS"))
    #expect(!out.contains("TOKEN123") && !err.contains("TOKEN123"))
    #expect(err.contains("receiver 'mail': $SMTP_PASS is not set"))
  }
}
