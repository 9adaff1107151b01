import Foundation
import Testing
import VigilTestPeers
import VigilTestSupport

/// `vigil report` end to end: formats, a file, and mail through a real SMTP server.
@Suite(.serialized) struct ReportCommandTests {
  @Test func reportsAPeriodInEachFormatAndMailsIt() async throws {
    let dir = TemporaryDirectory()
    let (db, log) = (dir.file("v.db"), dir.file("app.log"))
    NotifyCommandTests.writeIncident(log)
    let peer = try await SMTPPeer.started(directory: dir.path, mode: .starttls)
    defer { peer.stop() }
    LogFile.write(
      dir.file("alerts.yaml"),
      """
      version: 1
      receivers:
        - {name: mail, type: email, smtp: "127.0.0.1:\(peer.port)", ca_file: "\(peer.certificate)", from: vigil@example.com, to: [team@example.com]}
      rules:
        - {alert: ServerErrors, metric: rate_5xx, threshold: 2%, window: 1m, min_requests: 5, group_by: [provider]}

      """)
    let rules = ["--db", db, "--rules", dir.file("alerts.yaml")]
    var (status, out, err) = try await VigilProcess.run(
      ["check"] + rules + ["--at", "2026-11-25T10:30:00Z", "--quiet", log])
    #expect(status == 0, "\(err)")
    let period = ["--from", "2026-11-25T10:00:00Z", "--to", "2026-11-25T10:30:00Z"]
    (status, out, err) = try await VigilProcess.run(["report"] + rules + period + ["--format", "markdown"])
    #expect(status == 0, "\(err)")
    #expect(out.hasPrefix("# Vigil report: 2026-11-25T10:00:00Z to 2026-11-25T10:30:00Z"))
    #expect(out.contains("| ServerErrors | provider=openai |"))
    (status, out, err) = try await VigilProcess.run(
      ["report"] + rules + period + ["--format", "html", "--out", dir.file("r.html")])
    #expect(status == 0, "\(err)")
    // It says what it wrote, as promtool and amtool do.
    #expect(
      out.hasPrefix("wrote \(dir.file("r.html")): the html report of ") && out.contains(" bytes\n"), "\(out)")
    let html = try String(contentsOfFile: dir.file("r.html"), encoding: .utf8)
    #expect(html.hasPrefix("<!DOCTYPE html>") && html.contains("<svg"))
    (status, out, err) = try await VigilProcess.run(["report"] + rules + period + ["--email", "mail"])
    #expect(status == 0 && err.isEmpty && out == "report mailed to mail\n", "\(err)")
    let message = try #require(peer.messages.first)
    #expect(message.rcptTos == ["team@example.com"] && message.tls)
    #expect(
      message.data.contains(
        "Subject: Vigil report 2026-11-25 10:00 to 2026-11-25 10:30 UTC: 1 alert, error rate 25.00%"))
    #expect(message.data.contains("Content-Type: text/html; charset=utf-8"))
    (status, _, err) = try await VigilProcess.run(["report"] + rules + ["--email", "nobody"])
    #expect(status == 2 && err.contains("no email receiver 'nobody'"))
    (status, _, err) = try await VigilProcess.run(
      ["report"] + rules + ["--since", "1h", "--from", "2026-11-25T10:00:00Z"])
    #expect(status != 0 && err.contains("give --since or --from, not both"))
  }
}
