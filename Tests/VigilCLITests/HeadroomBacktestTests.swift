import Foundation
import Testing
import VigilCore
import VigilTestSupport

/// The shipped RateLimitHeadroom rule, backtested (`vigil backtest` with the repository's
/// alerts.yaml) on calls whose rate-limit headers announce a storm: it fires minutes before the
/// first 429, while calls still succeed; on steady traffic at half the limit it stays quiet.
@Suite(.serialized) struct HeadroomBacktestTests {
  static func backtest(_ text: String, in dir: TemporaryDirectory) async throws -> [[String: Any]] {
    LogFile.write(dir.file("calls.jsonl"), text)
    let (status, out, err) = try await VigilProcess.run([
      "backtest", "--rules", "alerts.yaml", "--format", "json", dir.file("calls.jsonl"),
    ])
    #expect(status == 0, "\(err)")
    return out.split(separator: "\n").compactMap {
      try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
    }
  }

  @Test func theForecastFiresMinutesBeforeTheFirst429() async throws {
    let dir = TemporaryDirectory()
    let (text, first429) = HeadroomScenario.lines(storm: true)
    let first = try #require(first429)
    let events = try await Self.backtest(text, in: dir)
    let headroom = events.filter { $0["rule"] as? String == "RateLimitHeadroom" }
    let fired = try #require(
      headroom.first { $0["state"] as? String == "firing" },
      "\(events.map { "\($0["rule"]!) \($0["state"]!)" })")
    let firedMs = try #require((fired["at"] as? String).flatMap(Timestamp.parseRFC3339))
    // Minutes ahead: at least two before the first 429, and not before the storm began.
    #expect(
      firedMs <= first - 120_000, "fired at \(fired["at"]!), first 429 at \(Timestamp.formatRFC3339(first))")
    print(
      "headroom: fired at \(fired["at"]!), first 429 at \(Timestamp.formatRFC3339(first)), \((first - firedMs) / 1000) s ahead"
    )
    #expect(firedMs >= Int64(HeadroomScenario.startS + HeadroomScenario.stormFromS) * 1000)
    #expect((fired["labels"] as? [String: String])?["category"] == "capacity")
    #expect((fired["labels"] as? [String: String])?["model"] == "gpt-4o-mini")
    #expect((fired["summary"] as? String)?.contains("runs out in") == true)
    // It fires once (hysteresis holds it through the storm's noise).
    #expect(headroom.filter { $0["state"] as? String == "firing" }.count == 1)
    #expect(!events.contains { $0["rule"] as? String == "QuotaHeadroom" })
  }

  @Test func steadyTrafficAtHalfTheLimitStaysQuiet() async throws {
    let dir = TemporaryDirectory()
    let (text, first429) = HeadroomScenario.lines(storm: false)
    #expect(first429 == nil)
    let events = try await Self.backtest(text, in: dir)
    #expect(!events.contains { ($0["rule"] as? String)?.hasSuffix("Headroom") == true }, "\(events)")
  }
}
