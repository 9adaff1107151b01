import Foundation
import Testing
import VigilTestPeers
import VigilTestSupport

/// The HA pair: two `vigil serve` watching the same traffic push to one real Alertmanager
/// (`type: alertmanager`). Their alerts carry the same labels (Vigil adds no per-instance label),
/// so Alertmanager takes them as one: one notification when the incident starts, one when it ends.
@Suite(.serialized) struct HAPairTests {
  @Test func twoVigilsOnTheSameTrafficGiveOneNotificationPerIncident() async throws {
    let dir = TemporaryDirectory()
    let hook = try await RecordingHTTPServer()
    defer { Task { await hook.close() } }
    let am = try AlertmanagerPushTests.Alertmanager(
      in: dir, name: "am",
      routing: """
        route: {receiver: hook, group_by: [alertname, provider], group_wait: 1s, group_interval: 1s, repeat_interval: 1h}
        receivers:
          - name: hook
            webhook_configs: [{url: '\(hook.url("/am"))', send_resolved: true}]

        """)
    #expect(await am.ready(), "\(am.log)")
    LogFile.write(
      dir.file("alerts.yaml"),
      """
      version: 1
      defaults: {evaluation_interval: 1s, min_requests: 5, group_by: [provider], receivers: [am], no_data: resolve}
      receivers:
        - {name: am, type: alertmanager, urls: ["\(am.url)"], resend_delay: 2s}
      rules:
        - {alert: ServerErrors, metric: rate_5xx, threshold: 2%, window: 10s}

      """)
    var pair: [ServeProcess] = []
    for name in ["a", "b"] {
      let serve = try ServeProcess(
        [
          "--db", dir.file("\(name).db"), "--rules", dir.file("alerts.yaml"), "--udp", "127.0.0.1:0",
          "--http", "off", "--otlp", "off",
        ], in: dir)
      #expect(await serve.waitUntilListening(http: false, otlp: false), "\(serve.log)")
      pair.append(serve)
    }
    defer { for serve in pair { _ = serve.terminate() } }
    let senders = pair.map { UDPSender(port: $0.udpPort) }
    // The same calls reach both: an incident, then healthy traffic until both resolve.
    for d in 0..<20 {
      let line = ServeTests.record("openai", status: d % 2 == 0 ? 500 : 200, d)
      for s in senders { s.send(line) }
    }
    let started = Date()
    var n = 100
    while Date().timeIntervalSince(started) < 45
      && !pair.allSatisfy({ $0.log.contains("resolved ServerErrors") })
    {
      try await Task.sleep(for: .milliseconds(500))
      guard Date().timeIntervalSince(started) > 4 else { continue }
      for _ in 0..<5 {
        let line = ServeTests.record("openai", status: 200, n)
        for s in senders { s.send(line) }
        n += 1
      }
    }
    for serve in pair { #expect(serve.log.contains("firing ServerErrors{provider=openai}"), "\(serve.log)") }
    for serve in pair {
      #expect(serve.log.contains("resolved ServerErrors{provider=openai}"), "\(serve.log)")
    }
    // Alertmanager's group_wait and group_interval (1 s) pass, then its notifications are counted.
    try await Task.sleep(for: .seconds(4))
    let statuses = hook.requests.map { $0.json["status"] as? String ?? "?" }
    #expect(statuses == ["firing", "resolved"], "\(hook.requests.map(\.text))")
    for r in hook.requests {
      let alerts = r.json["alerts"] as? [[String: Any]] ?? []
      #expect(alerts.count == 1, "\(r.text)")
      let labels = alerts.first?["labels"] as? [String: String] ?? [:]
      #expect(
        labels["alertname"] == "ServerErrors" && labels["provider"] == "openai" && labels["instance"] == nil)
    }
  }
}
