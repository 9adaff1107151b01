import Foundation
import Logging
import Testing
import VigilConfig
import VigilCore
import VigilStore
import VigilTestPeers
import VigilTestSupport

@testable import VigilServer

/// `POST /-/reload` (and SIGHUP, which runs the same reload): a configuration with an error is
/// refused and the one in effect stays; a good one takes effect at the next evaluation; the firing
/// alert of a rule the new file no longer has is resolved, not forgotten.
@Suite(.serialized) struct ReloadTests {
  static let start: Int64 = 1_800_000_000_000

  static func rules(name: String, threshold: String) -> String {
    """
    version: 1
    defaults: {evaluation_interval: 15s, min_requests: 10, group_by: [provider], receivers: [hook]}
    routing: {group_by: [provider], group_wait: 0s, group_interval: 1s, repeat_interval: 4h}
    receivers:
      - {name: hook, type: webhook, url_env: HOOK_URL}
    rules:
      - {alert: \(name), metric: rate_5xx, threshold: \(threshold), window: 1m}

    """
  }

  @Test func aBadFileIsRefusedAndAGoodOneTakesEffectResolvingWhatItRemoved() async throws {
    let dir = TemporaryDirectory()
    let hook = try await RecordingHTTPServer()
    defer { Task { await hook.close() } }
    let rulesPath = dir.file("alerts.yaml")
    LogFile.write(rulesPath, Self.rules(name: "ServerErrors", threshold: "2%"))
    var config = ServeConfig()
    config.db = dir.file("v.db")
    config.rules = rulesPath
    config.udp = HostPort(host: "127.0.0.1", port: 0)
    config.http = HostPort(host: "127.0.0.1", port: 0)
    config.otlp = nil
    var logger = Logger(label: "vigil-test")
    logger.logLevel = .critical
    let clock = ManualClock(nowMs: Self.start)
    let daemon = try await Daemon.make(
      config: config, rules: try RulesLoader.load(path: rulesPath), environment: ["HOOK_URL": hook.url()],
      logger: logger, clock: clock, signals: [])
    let running = Task { try await daemon.run() }
    #expect(
      await DaemonTests.waitFor {
        daemon.state.listeners.httpPort != nil && daemon.state.evaluation.count >= 1
      })
    let base = "http://127.0.0.1:\(try #require(daemon.state.listeners.httpPort))"
    let sender = UDPSender(port: try #require(daemon.udpPort))
    for i in 0..<40 {
      let ts = Double(Self.start - 30_000 + Int64(i) * 500) / 1000
      sender.send(#"{"ts":\#(ts),"status":\#(i % 2 == 0 ? 500 : 200),"provider":"openai"}"#)
    }
    #expect(await DaemonTests.waitFor { daemon.state.intake.storedCount(door: "udp") == 40 })
    func step() async {
      let before = daemon.state.evaluation.count
      clock.advance(byMs: 15_000)
      #expect(await DaemonTests.waitFor { daemon.state.evaluation.count > before })
    }
    await step()
    #expect(await DaemonTests.waitFor { hook.requests.count == 1 })
    #expect(hook.requests.first?.json["status"] as? String == "firing")

    // A broken file: refused with where it broke; the rule in effect goes on.
    LogFile.write(
      rulesPath,
      Self.rules(name: "ServerErrors", threshold: "2%").replacingOccurrences(
        of: "window: 1m", with: "window: 1 minute"))
    let refused = try await HTTPGet.post(base + "/-/reload", body: [])
    #expect(refused.status == 500, "\(refused.body)")
    #expect(
      refused.body.contains("previous one stays in effect") && refused.body.contains("alerts.yaml:7:"),
      "\(refused.body)")
    var metrics = try await HTTPGet.get(base + "/metrics").body
    #expect(metrics.contains("vigil_config_last_reload_successful 0"), "\(metrics)")
    #expect(metrics.contains(#"vigil_config_reloads_total{result="failure"} 1"#))
    await step()
    let alerts = try await HTTPGet.get(base + "/api/alerts").body
    #expect(alerts.contains(#""rule":"ServerErrors""#) && alerts.contains(#""state":"firing""#), "\(alerts)")

    // A good file: in effect at once, and the alert of the rule it removed resolves.
    LogFile.write(rulesPath, Self.rules(name: "MostlyFailing", threshold: "90%"))
    let applied = try await HTTPGet.post(base + "/-/reload", body: [])
    #expect(applied.status == 200 && applied.body.hasPrefix("configuration reloaded"), "\(applied.body)")
    metrics = try await HTTPGet.get(base + "/metrics").body
    #expect(metrics.contains("vigil_config_last_reload_successful 1"), "\(metrics)")
    #expect(
      metrics.contains(#"vigil_config_reloads_total{result="success"} 1"#)
        && metrics.contains("vigil_rules 1"))
    await step()
    #expect(await DaemonTests.waitFor { hook.requests.count == 2 })
    let resolved = hook.requests.last?.json
    #expect(resolved?["status"] as? String == "resolved")
    #expect((resolved?["commonLabels"] as? [String: String])?["alertname"] == "ServerErrors")
    let now = try await HTTPGet.get(base + "/api/alerts").body
    // 50% of 5xx is under the new rule's 90%: nothing is active any more.
    #expect(now.contains(#""alerts":[]"#), "\(now)")
    // Its resolve is recorded as every resolve is, with what it fired with: the history, the
    // reports and the API show it ended.
    let history = try Store(path: dir.file("v.db")).transitions().filter { $0.rule == "ServerErrors" }
    #expect(history.map(\.kind) == ["firing", "resolved"], "\(history)")
    if let fired = history.first, let ended = history.last {
      #expect(ended.labels == fired.labels && ended.firedAtMs == fired.atMs && ended.atMs > fired.atMs)
      #expect(
        ended.group == "provider=openai" && ended.metric == "rate_5xx" && ended.summary == fired.summary)
    }
    await daemon.shutDown()
    try await running.value
  }

  @Test func settingsThatHoldSocketsWaitForARestartAndSaySo() {
    var a = ServeConfig()
    var b = a
    b.rules = "/etc/vigil/other.yaml"
    #expect(a.restartOnlyChanges(to: b).isEmpty)
    b.http = HostPort(host: "0.0.0.0", port: 9516)
    b.retainRawMs = 86_400_000
    #expect(a.restartOnlyChanges(to: b) == ["http", "retention"])
    a.follow = ["/var/log/app/*.jsonl"]
    #expect(a.restartOnlyChanges(to: b) == ["follow", "http", "retention"])
  }
}
