import Foundation
import Logging
import Synchronization
import Testing
import VigilConfig
import VigilCore
import VigilStore
import VigilTestPeers
import VigilTestSupport

@testable import VigilServer

/// The whole daemon in this process: its service group on ports the kernel picks, time on a
/// manual clock, and a graceful shutdown triggered by the test instead of a signal.
@Suite struct DaemonTests {
  static let start: Int64 = 1_800_000_000_000

  /// A daemon on `dir`'s `v.db`, every listener on a port the kernel picks, with `configure`'s
  /// settings over these.
  static func daemon(
    _ dir: TemporaryDirectory, clock: ManualClock, logger: Logger? = nil,
    configure: (inout ServeConfig) -> Void = { _ in }
  ) async throws -> Daemon {
    var config = ServeConfig()
    config.db = dir.file("v.db")
    config.udp = HostPort(host: "127.0.0.1", port: 0)
    config.http = HostPort(host: "127.0.0.1", port: 0)
    config.otlp = HostPort(host: "127.0.0.1", port: 0)
    configure(&config)
    let rules = try RulesLoader.load(
      yaml: """
        version: 1
        defaults: {evaluation_interval: 15s, min_requests: 10, group_by: [provider]}
        rules:
          - {alert: ServerErrors, metric: rate_5xx, threshold: 2%, window: 1m}
        """, file: "alerts.yaml")
    var quiet = Logger(label: "vigil-test")
    quiet.logLevel = .warning
    let logger = logger ?? quiet
    return try await Daemon.make(
      config: config, rules: rules, environment: [:], logger: logger, clock: clock, signals: [])
  }

  /// Waits until `condition` holds, for at most `seconds`: a bound against a hang, not a speed
  /// test. It is generous because a full run starts every suite at once on two cores (peers,
  /// fuzzers, chromium) and an in-process daemon took more than 30 s to reach its listeners there,
  /// and a fresh clone's first run held every thread for about 65 s.
  static func waitFor(seconds: Double = 180, _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + .seconds(seconds)
    while ContinuousClock.now < deadline {
      if try await condition() { return true }
      try? await Task.sleep(for: .milliseconds(5))
    }
    return false
  }

  @Test func callsOverUDPFireAnAlertVisibleOverHTTPAndShutdownIsGraceful() async throws {
    let dir = TemporaryDirectory()
    let clock = ManualClock(nowMs: Self.start)
    let daemon = try await Self.daemon(dir, clock: clock)
    let running = Task { try await daemon.run() }
    #expect(await Self.waitFor { daemon.state.listeners.httpPort != nil })
    let http = try #require(daemon.state.listeners.httpPort)
    let udp = try #require(daemon.udpPort)
    #expect(await clock.waitForSleeper())
    // Half of openai's calls fail, in the minute before now on the daemon's clock.
    let sender = UDPSender(port: udp)
    for i in 0..<40 {
      let ts = Double(Self.start - 30_000 + Int64(i) * 500) / 1000
      sender.send(#"{"ts":\#(ts),"status":\#(i % 2 == 0 ? 500 : 200),"provider":"openai"}"#)
    }
    #expect(await Self.waitFor { daemon.state.intake.storedCount(door: "udp") == 40 })
    // The data wakes the evaluation loop; a moment later on its clock, it evaluates.
    #expect(await clock.waitForSleeper())
    clock.advance(byMs: 1000)
    #expect(await Self.waitFor { daemon.state.evaluation.count >= 2 })
    let alerts = try await HTTPGet.get("http://127.0.0.1:\(http)/api/alerts")
    #expect(alerts.status == 200)
    #expect(
      alerts.body.contains(#""rule":"ServerErrors""#) && alerts.body.contains(#""state":"firing""#),
      "\(alerts.body)")
    let metrics = try await HTTPGet.get("http://127.0.0.1:\(http)/metrics")
    #expect(metrics.body.contains(#"vigil_alert{alertname="ServerErrors",provider="openai","#))
    // Graceful shutdown: run() returns; what was received is committed.
    await daemon.shutDown()
    try await running.value
    #expect(try Store(path: dir.file("v.db")).callCount() == 40)
  }

  /// The serve log's entries carry their facts as metadata a log shipper can filter on, and
  /// values as the messages show them (`50.00%`, not `0.5`).
  @Test func anAlertsLogEntryCarriesItsRuleGroupAndFormattedValue() async throws {
    let dir = TemporaryDirectory()
    let clock = ManualClock(nowMs: Self.start)
    let lines = Mutex<[String]>([])
    let logger = Logger(label: "vigil") { _ in
      var handler = StructuredLogHandler(format: .json) { line in lines.withLock { $0.append(line) } }
      handler.logLevel = .info
      return handler
    }
    let daemon = try await Self.daemon(dir, clock: clock, logger: logger)
    let running = Task { try await daemon.run() }
    let udp = try #require(daemon.udpPort)
    #expect(await clock.waitForSleeper())
    let sender = UDPSender(port: udp)
    for i in 0..<40 {
      let ts = Double(Self.start - 30_000 + Int64(i) * 500) / 1000
      sender.send(#"{"ts":\#(ts),"status":\#(i % 2 == 0 ? 500 : 200),"provider":"openai"}"#)
    }
    #expect(await Self.waitFor { daemon.state.intake.storedCount(door: "udp") == 40 })
    #expect(await clock.waitForSleeper())
    clock.advance(byMs: 1000)
    #expect(await Self.waitFor { lines.withLock { $0.contains { $0.contains(#""event":"firing""#) } } })
    await daemon.shutDown()
    try await running.value
    let firing = try #require(lines.withLock { $0.first { $0.contains(#""event":"firing""#) } })
    let entry = try #require(try JSONSerialization.jsonObject(with: Data(firing.utf8)) as? [String: String])
    #expect(entry["rule"] == "ServerErrors" && entry["group"] == "provider=openai", "\(firing)")
    #expect(entry["value"] == "50.00%" && entry["threshold"] == "> 2.00%", "\(firing)")
    #expect(entry["msg"] == "firing ServerErrors{provider=openai} value=50.00%", "\(firing)")
    // Every entry parses, with a level and a message.
    for line in lines.withLock({ $0 }) {
      let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String]
      #expect(object?["level"] != nil && object?["msg"] != nil, "\(line)")
    }
  }
}
