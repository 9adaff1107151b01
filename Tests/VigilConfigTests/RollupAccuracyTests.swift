import Foundation
import Testing
import VigilCore
import VigilStore

@Suite struct RollupAccuracyTests {
  /// P99 of a window from stored rollups against the exact P99 of the stored raw rows (nearest
  /// rank), over several distributions: within 1% (the histogram guarantees 0.5%).
  @Test func p99FromRollupsIsWithinOnePercentOfTheExactValue() throws {
    let dir = NSTemporaryDirectory() + "vigil-acc-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let store = try Store(path: dir + "/v.db")
    var rng = SystemRandomNumberGenerator()
    for (provider, shape) in [("lognormal", 0), ("tail", 1), ("uniform", 2)] {
      var batch = IngestBatch(source: "gen")
      for i in 0..<30_000 {
        let u = Double.random(in: 0..<1, using: &rng)
        let latency: Double
        switch shape {
        case 0:
          latency = exp(
            6.7 + 0.8 * sqrt(-2 * log(max(u, 1e-12))) * cos(2 * .pi * Double.random(in: 0..<1, using: &rng)))
        case 1: latency = u < 0.985 ? 300 + u * 500 : 31_000 + u * 20_000
        default: latency = 1 + u * 60_000
        }
        try batch.add(
          CallRecord(
            timestampMs: Int64(i) * 10, status: 200, provider: provider, model: "m", latencyMs: latency))
      }
      try store.write(batch)
    }
    let window = try store.rollups(fromMs: 0, toMs: 300_000)
    for (series, rollup) in window {
      let q = try store.connection.prepare(
        "SELECT latency_ms FROM call_log WHERE provider = ? ORDER BY latency_ms LIMIT 1 OFFSET ?")
      let n = rollup.latency.count
      try q.bind([.text(series.provider), .int(Int64((0.99 * Double(n)).rounded(.up)) - 1)])
      #expect(try q.step())
      let exact = q.double(0)
      let fromRollups = try #require(MetricKind.latencyQuantile(0.99).value(of: rollup))
      #expect(
        abs(fromRollups - exact) / exact <= 0.01, "\(series.provider): \(fromRollups) vs exact \(exact)")
    }
    #expect(window.count == 3)
  }
}
