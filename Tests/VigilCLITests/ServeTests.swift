import Foundation
import Testing
import VigilCore
import VigilStore
import VigilTestPeers
import VigilTestSupport

/// `vigil serve` as a real process: UDP datagrams and appended log lines in, an alert out at a
/// local webhook receiver, `/metrics` scraped, SIGTERM mid-load with nothing lost.
@Suite(.serialized) struct ServeTests {
  static func rules(_ path: String, hook: String? = nil) {
    var text = """
      version: 1
      defaults: {evaluation_interval: 1s, min_requests: 10, group_by: [provider]}

      """
    if let hook {
      text += """
        receivers:
          - {name: hook, type: webhook, url: "\(hook)", group_wait: 0s, group_interval: 1s}

        """
    }
    text += """
      rules:
        - {alert: ServerErrors, metric: rate_5xx, threshold: 2%, window: 1m\(hook == nil ? "" : ", receivers: [hook]")}
        - {alert: AuthFailures, metric: auth_failure_rate, threshold: 2%, min_requests: 5}

      """
    LogFile.write(path, text)
  }

  /// A call record at the current time.
  static func record(_ provider: String, status: Int, _ n: Int) -> String {
    let now = Double(WallClock.nowMs()) / 1000
    return
      #"{"ts":\#(now),"status":\#(status),"provider":"\#(provider)","model":"m","latency_ms":\#(100 + n % 900),"request_id":"\#(provider)-\#(n)"}"#
  }

  @Test func hostileDatagramsAndRequestsGetARejectOr400AndTheDaemonStaysUp() async throws {
    let dir = TemporaryDirectory()
    Self.rules(dir.file("alerts.yaml"))
    let serve = try ServeProcess(loopbackIn: dir)
    #expect(await serve.waitUntilListening(), "\(serve.log)")
    // Two records whose token sum overflows 64 bits, then a good one: one datagram.
    let hostile = #"{"ts":1795613524,"status":200,"prompt_tokens":9000000000000000000}"#
    UDPSender(port: serve.udpPort).send(
      [hostile, hostile, Self.record("openai", status: 200, 1)].joined(separator: "\n"))
    for path in [
      "/api/transitions?limit=-1", "/api/transitions?limit=abc", "/api/transitions?since=999999999999w",
      "/api/providers?window=99999999999d", "/api/rejects?limit=0", "/?window=soon", "/?window=0s",
    ] {
      let reply = try await serve.get(path)
      #expect(reply.status == 400, "\(path): \(reply.status) \(reply.body)")
      #expect(reply.header("X-Content-Type-Options") == "nosniff")
    }
    let limit = try await serve.get("/api/transitions?limit=-1")
    #expect(limit.body.contains("limit=-1: a whole number from 1 to 10000"), "\(limit.body)")
    #expect(await VigilProcess.waitUntil(seconds: 30) { VigilProcess.storedCalls(dir.file("v.db")) == 1 })
    let rejects = try await serve.get("/api/rejects?limit=5")
    #expect(rejects.body.contains("more tokens than any call uses"))
    // Still up; health checks answer HEAD too; the dashboard forbids scripts and framing.
    let head = try await HTTPGet.head(serve.url("/healthz"))
    #expect(head.status == 200 && head.body.isEmpty)
    let page = try await serve.get("/")
    #expect(page.status == 200)
    #expect(page.header("Content-Security-Policy")?.contains("default-src 'none'") == true)
    #expect(page.header("X-Frame-Options") == "DENY")
    #expect(serve.process.isRunning)
    #expect(serve.terminate() == 0)
  }

  @Test func udpAndTailedLinesInAnAlertOutAtAWebhookAndMetricsThatPromtoolAccepts() async throws {
    let dir = TemporaryDirectory()
    let hook = try await RecordingHTTPServer()
    defer { Task { await hook.close() } }
    Self.rules(dir.file("alerts.yaml"), hook: hook.url())
    let serve = try ServeProcess(loopbackIn: dir, ["--follow", dir.file("logs/*.jsonl")])
    try FileManager.default.createDirectory(atPath: dir.file("logs"), withIntermediateDirectories: true)
    #expect(await serve.waitUntilListening(), "\(serve.log)")
    // Tailed: anthropic, healthy. UDP: openai, 3 calls in 5 a 500, five records per datagram.
    LogFile.write(
      dir.file("logs/app.jsonl"), (0..<40).map { Self.record("anthropic", status: 200, $0) + "\n" }.joined())
    let sender = UDPSender(port: serve.udpPort)
    for d in 0..<20 {
      sender.send(
        (0..<5).map { Self.record("openai", status: $0 % 2 == 0 ? 500 : 200, d * 5 + $0) }.joined(
          separator: "\n"))
    }
    // Bad datagrams do not stop it: binary, a truncated record, and 64 KB of spaces and junk.
    sender.send([0, 255, 254, 1, 2, 3])
    sender.send(#"{"ts":1795600800,"status":50"#)
    sender.send(Array(repeating: UInt8(ascii: "x"), count: 65_000))
    #expect(await hook.waitForRequests(1, seconds: 30), "\(serve.log)")
    let alert = try #require((hook.requests.first?.json["alerts"] as? [[String: Any]])?.first)
    #expect((alert["labels"] as? [String: String])?["alertname"] == "ServerErrors")
    #expect((alert["labels"] as? [String: String])?["provider"] == "openai")
    // Everything is stored, counted, and visible through the API.
    #expect(await VigilProcess.waitUntil(seconds: 30) { VigilProcess.storedCalls(dir.file("v.db")) == 140 })
    let metrics = try await serve.get("/metrics")
    #expect(
      metrics.status == 200 && metrics.header("Content-Type")?.hasPrefix("text/plain; version=0.0.4") == true)
    #expect(
      metrics.body.contains(
        #"vigil_attempts_total{provider="openai",model="m",app="",env="",endpoint="",code="500",class="server"} 60"#
      ))
    #expect(
      metrics.body.contains(
        #"vigil_attempts_total{provider="anthropic",model="m",app="",env="",endpoint="",code="200",class="success"} 40"#
      ))
    #expect(metrics.body.contains(#"vigil_ingest_records_total{source="udp",outcome="stored"} 100"#))
    #expect(metrics.body.contains(#"vigil_ingest_records_total{source="udp",outcome="rejected"} 3"#))
    #expect(metrics.body.contains(#"vigil_ingest_records_total{source="file",outcome="stored"} 40"#))
    #expect(metrics.body.contains(#"vigil_udp_datagrams_received_total 23"#))
    #expect(
      metrics.body.contains(
        #"vigil_alert{alertname="ServerErrors",provider="openai",severity="warning",alertstate="firing"} 1"#))
    // The delivery is counted once the webhook's answer is back, a moment after it got the request.
    var delivered = metrics.body.contains(
      #"vigil_notifications_total{receiver="hook",outcome="delivered"} 1"#)
    for _ in 0..<100 where !delivered {
      try await Task.sleep(for: .milliseconds(100))
      delivered = try await serve.get("/metrics").body.contains(
        #"vigil_notifications_total{receiver="hook",outcome="delivered"} 1"#)
    }
    #expect(delivered)
    try Self.promtoolAccepts(metrics.body, dir)
    let alerts = try await serve.get("/api/alerts").json
    #expect((alerts["alerts"] as? [[String: Any]])?.first?["rule"] as? String == "ServerErrors")
    let rejects = try await serve.get("/api/rejects").json["rejects"] as? [[String: Any]]
    #expect(rejects?.count == 3)
    #expect(
      rejects?.contains { ($0["reason"] as? String)?.contains("longer than the limit") == true } == false)
    let providers = try await serve.get("/api/providers").json["providers"] as? [[String: Any]]
    #expect(providers?.first { $0["provider"] as? String == "openai" }?["rate_5xx"] as? Double == 0.6)
    #expect(try await serve.get("/healthz").body == "ok\n")
    #expect(try await serve.get("/readyz").status == 200)
    #expect(serve.terminate() == 0)
    #expect(
      serve.log.contains(
        "udp: stopped: 23 datagrams, 100 records stored, 3 rejected, 0 dropped by the kernel"))
  }

  /// `promtool check metrics` on a scrape (Debian's prometheus package, installed by .ci/run).
  static func promtoolAccepts(_ text: String, _ dir: TemporaryDirectory) throws {
    let path = dir.file("scrape.txt")
    LogFile.write(path, text)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    let promtool = try RequiredTool.path("/usr/bin/promtool", package: "prometheus")
    process.arguments = ["-c", "\(promtool) check metrics < '\(path)' > '\(path).out' 2>&1"]
    try process.run()
    process.waitUntilExit()
    let out = (try? String(contentsOfFile: path + ".out", encoding: .utf8)) ?? ""
    #expect(process.terminationStatus == 0, "promtool: \(out)")
  }

  @Test func sigtermMidLoadStoresEveryRecordThatWasSent() async throws {
    let dir = TemporaryDirectory()
    Self.rules(dir.file("alerts.yaml"))
    let serve = try ServeProcess(loopbackIn: dir, http: "off")
    #expect(await serve.waitUntilListening(http: false), "\(serve.log)")
    let sender = UDPSender(port: serve.udpPort)
    var sent = 0
    for d in 0..<3000 {
      sender.send((0..<10).map { Self.record("openai", status: 200, d * 10 + $0) }.joined(separator: "\n"))
      sent += 10
      if d % 100 == 99 { usleep(2000) }  // stay inside the socket's buffer
    }
    // Stop while the records are still being stored.
    let storedAtStop = VigilProcess.storedCalls(dir.file("v.db"))
    #expect(serve.terminate() == 0, "\(serve.log)")
    #expect(VigilProcess.storedCalls(dir.file("v.db")) == Int64(sent), "\(serve.log)")
    #expect(
      serve.log.contains(
        "udp: stopped: 3000 datagrams, \(sent) records stored, 0 rejected, 0 dropped by the kernel"))
    // It was mid-load: far from everything was stored when the signal went out.
    #expect(storedAtStop < Int64(sent), "stored \(storedAtStop) of \(sent) before SIGTERM")
  }

  @Test func aBearerTokenGuardsEverythingButTheHealthChecks() async throws {
    let dir = TemporaryDirectory()
    Self.rules(dir.file("alerts.yaml"))
    LogFile.write(
      dir.file("vigil.yaml"),
      "version: 1\nhttp: {listen: 127.0.0.1:0, token_env: VIGIL_TEST_TOKEN}\nudp: off\notlp: {listen: 127.0.0.1:0}\n"
    )
    let serve = try ServeProcess(
      ["--config", dir.file("vigil.yaml"), "--db", dir.file("v.db"), "--rules", dir.file("alerts.yaml")],
      in: dir,
      environment: ["VIGIL_TEST_TOKEN": "s3cr3t-token"])
    #expect(await serve.waitUntilListening(udp: false), "\(serve.log)")
    #expect(try await serve.get("/healthz").status == 200)
    #expect(await VigilProcess.waitUntil { serve.log.contains("vigil 0.") })
    for path in ["/metrics", "/api/alerts", "/api/rejects"] {
      let denied = try await serve.get(path)
      #expect(denied.status == 401 && denied.header("WWW-Authenticate") == "Bearer realm=\"vigil\"")
      #expect(try await serve.get(path, headers: [("Authorization", "Bearer wrong")]).status == 401)
      #expect(try await serve.get(path, headers: [("Authorization", "Bearer s3cr3t-token")]).status == 200)
      // The scheme in any case (RFC 9110: schemes are case-insensitive); the token exactly.
      for scheme in ["bearer", "BEARER", "bEaReR"] {
        #expect(
          try await serve.get(path, headers: [("Authorization", "\(scheme) s3cr3t-token")]).status == 200)
      }
      #expect(try await serve.get(path, headers: [("Authorization", "bearer S3CR3T-token")]).status == 401)
      #expect(try await serve.get(path, headers: [("Authorization", "Basic s3cr3t-token")]).status == 401)
    }
    #expect(!serve.log.contains("s3cr3t-token"))
    #expect(serve.terminate() == 0)
  }

  @Test func badSettingsAreRefusedWithTheirPlace() async throws {
    let dir = TemporaryDirectory()
    LogFile.write(dir.file("vigil.yaml"), "udp: {listen: nowhere}\nretention: {raw: 7x}\n")
    let (status, _, err) = try await VigilProcess.run(["serve", "--config", dir.file("vigil.yaml")])
    #expect(status == 2)
    #expect(err.contains("vigil.yaml:1:15: udp.listen must be host:port"))
    #expect(err.contains("vigil.yaml:2:18: '7x' is not a duration"))
    // vigil.yaml is versioned like alerts.yaml.
    #expect(err.contains("vigil.yaml:1:1: missing 'version: 1'"), "\(err)")
    LogFile.write(dir.file("tok.yaml"), "version: 1\nhttp: {token_env: VIGIL_UNSET_TOKEN}\n")
    Self.rules(dir.file("alerts.yaml"))
    let (s2, _, e2) = try await VigilProcess.run([
      "serve", "--config", dir.file("tok.yaml"), "--db", dir.file("v.db"), "--rules", dir.file("alerts.yaml"),
      "--udp", "off",
    ])
    #expect(s2 == 2 && e2.contains("http.token_env names $VIGIL_UNSET_TOKEN, which is not set"), "\(e2)")
  }

  /// logrotate's postrotate and `systemctl reload` send SIGHUP: it reloads vigil.yaml and the
  /// rules file it names (it used to stop the daemon), refuses a broken file with its place and
  /// keeps going with what it had, and says which settings wait for a restart.
  @Test func aHangUpReloadsTheSettingsAndRulesAndABrokenFileIsRefused() async throws {
    let dir = TemporaryDirectory()
    let rule = "  - {alert: A, metric: error_rate, threshold: 5%, window: 5m}\n"
    LogFile.write(dir.file("one.yaml"), "version: 1\nrules:\n" + rule)
    LogFile.write(
      dir.file("two.yaml"), "version: 1\nrules:\n" + rule + rule.replacingOccurrences(of: "A,", with: "B,"))
    func settings(rules: String, raw: String) {
      LogFile.write(
        dir.file("vigil.yaml"),
        "version: 1\ndb: \(dir.file("v.db"))\nrules: \(dir.file(rules))\nretention: {raw: \(raw)}\n")
    }
    settings(rules: "one.yaml", raw: "7d")
    let serve = try ServeProcess(
      ["--config", dir.file("vigil.yaml"), "--udp", "off", "--http", "127.0.0.1:0", "--otlp", "off"], in: dir)
    defer { _ = serve.terminate() }
    #expect(await serve.waitUntilListening(udp: false, otlp: false), "\(serve.log)")
    func metricsSay(_ line: String) async -> Bool {
      for _ in 0..<150 {
        if let m = try? await serve.get("/metrics"), m.body.split(separator: "\n").contains(Substring(line)) {
          return true
        }
        try? await Task.sleep(for: .milliseconds(100))
      }
      return false
    }
    #expect(await metricsSay("vigil_rules 1"))
    settings(rules: "two.yaml", raw: "1d")
    kill(serve.process.processIdentifier, SIGHUP)
    #expect(await metricsSay("vigil_rules 2"), "\(serve.log)")
    #expect(await metricsSay(#"vigil_config_reloads_total{result="success"} 1"#))
    #expect(
      serve.log.contains("retention changed in the settings: it takes effect when vigil serve restarts"))
    LogFile.write(dir.file("two.yaml"), "version: 1\nrules:\n  - {alert: A, metric: eror_rate}\n")
    kill(serve.process.processIdentifier, SIGHUP)
    #expect(await metricsSay("vigil_config_last_reload_successful 0"), "\(serve.log)")
    #expect(await metricsSay("vigil_rules 2"))
    #expect(
      serve.log.contains("reload (SIGHUP) refused") && serve.log.contains("two.yaml:3:"), "\(serve.log)")
    #expect(serve.process.isRunning)
    #expect(serve.terminate() == 0)
  }
}
