import Foundation
import Testing
import VigilCore
import VigilStore
import VigilTestSupport

@testable import VigilReport

/// What a reader sees first and what a comparison may claim (issue 24): the HTML report opens
/// with its alerts; "previous period" changes are not printed against a few seconds of data.
@Suite struct ReportLayoutTests {
  static let t0 = ReportTests.t0

  @Test func theHTMLReportShowsItsAlertsBeforeItsTables() throws {
    let dir = TemporaryDirectory()
    let store = try Store(path: dir.file("v.db"))
    try ReportTests.seed(store)
    let r = try Report.build(
      store: store, rules: RuleSet(), fromMs: Self.t0, toMs: Self.t0 + 3_600_000, nowMs: 0)
    let html = r.html()
    let alerts = try #require(html.range(of: #"<h2 id="alerts-in-period">Alerts in the period</h2>"#))
    let metrics = try #require(html.range(of: "<h2>Metrics per provider and model</h2>"))
    #expect(alerts.lowerBound < metrics.lowerBound)
    #expect(html.components(separatedBy: "Alerts in the period").count == 2)
    #expect(html[alerts.upperBound...].prefix(4000).contains("ServerErrors"))
  }

  /// Ten seconds of calls before an hour of them: no `+35900.0%`, but what it is.
  @Test func aPreviousPeriodWithTooLittleDataIsNotComparedWith() throws {
    let dir = TemporaryDirectory()
    let store = try Store(path: dir.file("v.db"))
    var batch = IngestBatch(source: "test")
    for s in -10..<3600 {
      try batch.add(
        CallRecord(
          timestampMs: Self.t0 + Int64(s) * 1000, status: s % 10 == 0 ? 500 : 200, provider: "openai",
          model: "gpt-4o", latencyMs: 800))
    }
    try store.write(batch)
    let r = try Report.build(
      store: store, rules: RuleSet(), fromMs: Self.t0, toMs: Self.t0 + 3_600_000, nowMs: 0)
    #expect(r.previous?.attempts == 10 && r.previousCoveredMs == 10_000 && r.previousTooShort)
    let rows = try #require(r.comparisonRows())
    #expect(rows[0] == ["attempts", "3,600", "10", "n/a (previous period too short)"], "\(rows[0])")
    #expect(rows.allSatisfy { $0[3] == Report.previousTooShortText })
    let text = r.render(.text)
    #expect(text.contains("n/a (previous period too short)") && !text.contains("35900"), "\(text)")
    #expect(r.render(.json).contains(#""too_short":true"#))
    // Half an hour of calls before is a period to compare with.
    var earlier = IngestBatch(source: "earlier")
    for s in -1800..<(-10) {
      try earlier.add(
        CallRecord(
          timestampMs: Self.t0 + Int64(s) * 1000, status: 200, provider: "openai", model: "gpt-4o",
          latencyMs: 800))
    }
    try store.write(earlier)
    let full = try Report.build(
      store: store, rules: RuleSet(), fromMs: Self.t0, toMs: Self.t0 + 3_600_000, nowMs: 0)
    #expect(!full.previousTooShort)
    #expect(try #require(full.comparisonRows())[0] == ["attempts", "3,600", "1,800", "+100.0%"])
  }
}
