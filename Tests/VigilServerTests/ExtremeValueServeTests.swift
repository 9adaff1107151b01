import Foundation
import Logging
import Testing
import VigilConfig
import VigilCore
import VigilStore
import VigilTestPeers
import VigilTestSupport

@testable import VigilServer

/// The daemon, its store holding calls at the contract's edges (rate-limit counts near 9e15 that
/// run out in hundreds of millions of years, 2^40 tokens, week-long latencies, labels with NUL,
/// newlines and markup) and rules of every metric kind with thresholds of any size: it evaluates
/// and serves /metrics, the API and the dashboard, all well formed, and stays up.
@Suite struct ExtremeValueServeTests {

  /// `/metrics` as Prometheus parses it: each sample a name, optional labels and a number.
  static func isExposition(_ text: String) -> Bool {
    text.split(separator: "\n").allSatisfy { line in
      if line.hasPrefix("# HELP ") || line.hasPrefix("# TYPE ") { return true }
      guard let space = line.lastIndex(of: " ") else { return false }
      let value = line[line.index(after: space)...]
      return Double(value) != nil || ["NaN", "+Inf", "-Inf"].contains(value)
    }
  }

  @Test(arguments: 0..<1 as Range<UInt64>)
  func theDaemonEvaluatesAndServesValuesAtTheEdges(seed: UInt64) async throws {
    let dir = TemporaryDirectory()
    // Now, on the daemon's clock too: the dashboard and the API read their windows on the wall clock.
    let start = WallClock.nowMs() / 10_000 * 10_000
    let store = try Store(path: dir.file("v.db"))
    var batch = IngestBatch(source: "edges")
    for c in ExtremeValues.calls(endingAt: start - 1000) { try batch.add(c) }
    try store.write(batch)
    var r = SeededRandom(seed: seed)
    var config = ServeConfig()
    config.db = dir.file("v.db")
    config.udp = HostPort(host: "127.0.0.1", port: 0)
    config.http = HostPort(host: "127.0.0.1", port: 0)
    config.otlp = HostPort(host: "127.0.0.1", port: 0)
    var logger = Logger(label: "vigil-test")
    logger.logLevel = .critical
    let clock = ManualClock(nowMs: start)
    let daemon = try await Daemon.make(
      config: config, rules: ExtremeValues.rules(&r), environment: [:], logger: logger, clock: clock,
      signals: [])
    let running = Task { try await daemon.run() }
    #expect(await DaemonTests.waitFor { daemon.state.listeners.httpPort != nil })
    let http = try #require(daemon.state.listeners.httpPort)
    // Three evaluations 10 s apart: alerts go pending, fire, and hold or resolve.
    for _ in 0..<3 {
      let before = daemon.state.evaluation.count
      #expect(await clock.waitForSleeper())
      clock.advance(byMs: 10_000)
      #expect(await DaemonTests.waitFor { daemon.state.evaluation.count > before })
    }
    let base = "http://127.0.0.1:\(http)"
    let metrics = try await HTTPGet.get(base + "/metrics")
    #expect(metrics.status == 200 && Self.isExposition(metrics.body), "\(metrics.body.suffix(2000))")
    #expect(metrics.body.contains("vigil_alert_value{"))
    for path in [
      "/api/alerts", "/api/transitions?since=1h", "/api/providers?window=1h", "/api/sources?window=1h",
    ] {
      let reply = try await HTTPGet.get(base + path)
      #expect(reply.status == 200 && !reply.json.isEmpty, "\(path): \(reply.body.prefix(500))")
    }
    let alerts = try await HTTPGet.get(base + "/api/alerts")
    let listed = try #require(alerts.json["alerts"] as? [[String: Any]])
    #expect(!listed.isEmpty)
    // The forecast of hundreds of millions of years, as people read it.
    let forecast = listed.compactMap { $0["value_text"] as? String }.filter { $0.hasSuffix("w") }
    for text in forecast { #expect(Double(text.dropLast()).map { $0 > 1e9 } == true, "\(text)") }
    for query in ["", "?window=15m", "?window=24h&provider=%00"] {
      let page = try await HTTPGet.get(base + "/" + query)
      #expect(page.status == 200 && page.body.hasSuffix("</html>\n"))
      #expect(!page.body.contains("\"nan\"") && !page.body.contains("<script>"))
    }
    await daemon.shutDown()
    try await running.value
  }
}
