import Foundation
import Testing
import VigilCore
import VigilStore
import VigilSync
import VigilTestPeers
import VigilTestSupport

/// `type: alertmanager`: a real `vigil serve` pushes to two real Alertmanagers (Debian's
/// prometheus-alertmanager, each on a checked free port of 127.0.0.1, not clustered): the alert
/// shows as active in both, values in annotations, and resolves in both.
@Suite(.serialized) struct AlertmanagerPushTests {
  /// A real Alertmanager on 127.0.0.1 with a receiver that notifies nobody.
  final class Alertmanager {
    let process = Process()
    let port: Int
    let log: String

    /// `routing`: the configuration's route and receivers (by default, a receiver that notifies nobody).
    init(
      in dir: TemporaryDirectory, name: String,
      routing: String = "route:\n  receiver: nobody\nreceivers:\n  - name: nobody\n"
    ) throws {
      port = try IntakePeerTests.freePort()
      let config = dir.file("\(name).yml")
      LogFile.write(config, routing)
      log = dir.file("\(name).log")
      _ = FileManager.default.createFile(atPath: log, contents: nil)
      process.executableURL = URL(
        fileURLWithPath: try RequiredTool.path(
          "/usr/bin/prometheus-alertmanager", package: "prometheus-alertmanager"))
      process.arguments = [
        "--config.file=\(config)", "--storage.path=\(dir.file(name))",
        "--web.listen-address=127.0.0.1:\(port)", "--cluster.listen-address=",
      ]
      process.standardOutput = FileHandle.nullDevice
      process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
      try process.run()
    }

    var url: String { "http://127.0.0.1:\(port)" }

    /// The alerts it holds (`/api/v2/alerts`: active, silenced or inhibited; not resolved).
    func alerts() async throws -> [[String: Any]] {
      let reply = try await HTTPGet.get(url + "/api/v2/alerts")
      return (try? JSONSerialization.jsonObject(with: Data(reply.body.utf8)) as? [[String: Any]]) ?? []
    }

    func ready() async -> Bool {
      for _ in 0..<300 {
        if let r = try? await HTTPGet.get(url + "/-/ready"), r.status == 200 { return true }
        try? await Task.sleep(for: .milliseconds(100))
      }
      return false
    }

    deinit { if process.isRunning { process.terminate() } }
  }

  @Test func anAlertIsActiveInEveryReplicaAndResolvesThere() async throws {
    let dir = TemporaryDirectory()
    let replicas = [try Alertmanager(in: dir, name: "am0"), try Alertmanager(in: dir, name: "am1")]
    for am in replicas { #expect(await am.ready(), "\(am.log)") }
    LogFile.write(
      dir.file("alerts.yaml"),
      """
      version: 1
      defaults: {evaluation_interval: 1s, min_requests: 5, group_by: [provider], receivers: [am], no_data: resolve}
      receivers:
        - {name: am, type: alertmanager, urls: ["\(replicas[0].url)", "\(replicas[1].url)/"], resend_delay: 5s}
      rules:
        - {alert: ServerErrors, metric: rate_5xx, threshold: 2%, window: 30s, labels: {team: llm}}

      """)
    let serve = try ServeProcess(loopbackIn: dir, ["--otlp", "off"])
    defer { _ = serve.terminate() }
    #expect(await serve.waitUntilListening(otlp: false), "\(serve.log)")
    let sender = UDPSender(port: serve.udpPort)
    for d in 0..<20 { sender.send(ServeTests.record("openai", status: d % 2 == 0 ? 500 : 200, d)) }
    func active(_ am: Alertmanager) async -> [String: Any]? {
      (try? await am.alerts())?.first { ($0["labels"] as? [String: String])?["alertname"] == "ServerErrors" }
    }
    for am in replicas {
      var alert: [String: Any]?
      for _ in 0..<900 where alert == nil {
        alert = await active(am)
        if alert == nil { try await Task.sleep(for: .milliseconds(100)) }
      }
      let found = try #require(alert, "\(am.url): \(serve.log)")
      let labels = found["labels"] as? [String: String] ?? [:]
      #expect(
        labels == ["alertname": "ServerErrors", "provider": "openai", "severity": "warning", "team": "llm"])
      let annotations = found["annotations"] as? [String: String] ?? [:]
      #expect(annotations["value"] == "50.00%" && annotations["summary"]?.isEmpty == false, "\(annotations)")
      #expect((found["status"] as? [String: Any])?["state"] as? String == "active")
      #expect((found["generatorURL"] as? String)?.contains("/?alert=ServerErrors") == true)
    }
    // Healthy calls from now on: the window clears, the alert resolves, and both Alertmanagers
    // hear it (a resolved alert is no longer listed). The window (30 s), the resend delay (5 s:
    // an alert is valid 20 s) and the waits leave room for a loaded run: in a fresh clone's full
    // run on two cores, the alert of a 10 s window with a 2 s resend delay was never listed.
    let started = Date()
    var gone = false
    var n = 100
    while !gone && Date().timeIntervalSince(started) < 120 {
      for _ in 0..<5 {
        sender.send(ServeTests.record("openai", status: 200, n))
        n += 1
      }
      try await Task.sleep(for: .milliseconds(500))
      var still = false
      for am in replicas where await active(am) != nil { still = true }
      gone = !still
    }
    #expect(gone, "\(serve.log)")
    #expect(serve.log.contains("resolved ServerErrors{provider=openai}"), "\(serve.log)")
    let store = try Store(path: dir.file("v.db"))
    #expect(try store.outboxCounts()[.dead] ?? 0 == 0)
    // `vigil notify test am` reaches every replica.
    let (status, out, err) = try await VigilProcess.run([
      "notify", "test", "am", "--db", dir.file("v.db"), "--rules", dir.file("alerts.yaml"),
    ])
    #expect(status == 0 && (out + err).contains("delivered to am"), "\(out) \(err)")
    // "Delivered" means a replica took it; one that timed out under load has the push waiting in
    // its own queue, which the running serve delivers (it looks at the outbox at least once a
    // minute): each lists it within 90 s.
    for am in replicas {
      var names: [String] = []
      let deadline = Date().addingTimeInterval(90)
      while !names.contains("VigilTest") && Date() < deadline {
        names = try await am.alerts().compactMap { ($0["labels"] as? [String: String])?["alertname"] }
        if !names.contains("VigilTest") { try await Task.sleep(for: .milliseconds(200)) }
      }
      #expect(names.contains("VigilTest"), "\(am.url): \(names) \(out) \(err)")
    }
  }
}
