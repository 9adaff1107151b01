import Foundation
import Testing
import VigilCore
import VigilStore
import VigilTestSupport

@testable import VigilReport

/// Reports (text, Markdown, JSON, HTML, and the dashboard built on them) of rollups and metrics at
/// the edges: counts up to Int64.max, latencies and values of any size, times at the ends of the
/// contract. Nothing traps; each format stays what its reader parses.
@Suite struct ExtremeReportTests {
  /// No control character but newlines (text and Markdown reach terminals and chat).
  static func isOneLinePerRow(_ text: String) -> Bool {
    !text.unicodeScalars.contains { $0 != "\n" && ($0.value < 0x20 || (0x7F...0x9F).contains($0.value)) }
  }

  static func report(_ r: inout SeededRandom) -> Report {
    let from = ExtremeValues.times.randomElement(using: &r)! - 3_600_000
    let to = from + 3_600_000
    var report = Report(fromMs: from, toMs: to, generatedAtMs: to, stepMs: 600_000)
    func value() -> Double { ExtremeValues.doubles.randomElement(using: &r)! }
    func label() -> String { ExtremeValues.labels.randomElement(using: &r)! }
    func time() -> Int64 { [from, to, from + 1_000, 0, Timestamp.maxMs].randomElement(using: &r)! }
    report.total = ExtremeValues.rollup(&r)
    report.previous = r.next() % 2 == 0 ? ExtremeValues.rollup(&r) : nil
    report.providers = (0..<3).map { _ in
      Report.Group(provider: label(), model: nil, rollup: ExtremeValues.rollup(&r))
    }
    report.models = (0..<3).map { _ in
      Report.Group(provider: label(), model: label(), rollup: ExtremeValues.rollup(&r))
    }
    report.thresholds = ExtremeValues.metricKinds.map {
      Report.Threshold(
        metric: $0, value: ExtremeValues.thresholds.randomElement(using: &r)!,
        comparison: Comparison.allCases.randomElement(using: &r)!, rule: r.next() % 2 == 0 ? label() : nil)
    }
    report.alerts = (0..<4).map { _ in
      Report.AlertSpan(
        rule: label(), labels: ["provider": label(), "severity": "critical"], startMs: time(),
        endMs: r.next() % 2 == 0 ? time() : nil, summary: label())
    }
    report.worstErrorWindows = (0..<3).map { _ in
      Report.Window(
        startMs: time(), provider: label(), value: value(),
        attempts: ExtremeValues.counts.randomElement(using: &r)!)
    }
    report.slowestWindows = report.worstErrorWindows
    report.series = (0..<2).map { _ in
      Report.ProviderSeries(
        provider: label(),
        points: stride(from: from, to: to, by: 600_000).map {
          Report.Point(
            atMs: $0, attempts: ExtremeValues.counts.randomElement(using: &r)!, errorRate: value(),
            rate429: nil, rate5xx: value())
        })
    }
    report.latency = stride(from: from, to: to, by: 600_000).map {
      Report.LatencyPoint(atMs: $0, p50: value(), p95: r.next() % 3 == 0 ? nil : value(), p99: value())
    }
    report.sources = (0..<2).map { _ in
      SourceActivity(
        source: label(), calls: ExtremeValues.counts.randomElement(using: &r)!, lastCallMs: time())
    }
    report.errorsByModel = (0..<3).map { _ in
      Report.ErrorRow(
        provider: label(), model: label(), status: [0, 429, 500].randomElement(using: &r)!,
        count: ExtremeValues.counts.randomElement(using: &r)!,
        attempts: ExtremeValues.counts.randomElement(using: &r)!)
    }
    report.provider = r.next() % 3 == 0 ? label() : nil
    return report
  }

  @Test(arguments: 0..<3 as Range<UInt64>)
  func everyFormatRendersRollupsAtTheEdges(seed: UInt64) throws {
    var r = SeededRandom(seed: seed)
    for _ in 0..<10 {
      let report = Self.report(&r)
      for format in [ReportFormat.text, .markdown] {
        #expect(Self.isOneLinePerRow(report.render(format)))
      }
      let json = report.render(.json)
      #expect(
        (try? JSONSerialization.jsonObject(with: Data(json.utf8))) is [String: Any], "\(json.prefix(300))")
      let live = report.thresholds.prefix(4).map {
        LiveAlert(
          rule: "R", state: "firing", labels: ["provider": "<b>"], value: $0.metric.format($0.value),
          threshold: $0.text, sinceMs: report.fromMs, summary: "s")
      }
      for html in [
        report.html(),
        report.html(live: Array(live), refreshSeconds: 30, dashboard: DashboardView(current: "1h")),
      ] {
        #expect(html.hasSuffix("</html>\n") && !html.contains("<b>") && !html.contains("<script>"))
        // Every coordinate and size in the charts is a number.
        #expect(!html.contains("\"nan\"") && !html.contains("\"inf\"") && !html.contains("\"-inf\""))
      }
    }
  }

  /// A store with calls at the contract's edges (see ``ExtremeValues/calls(endingAt:)``), in the
  /// first hour and the last of the contract's time: built and rendered in every format.
  @Test func aStoreOfCallsAtTheContractsEdgesReports() throws {
    let dir = TemporaryDirectory()
    let store = try Store(path: dir.file("v.db"))
    var batch = IngestBatch(source: "edges")
    for end: Int64 in [120_000, Timestamp.maxMs] {
      for c in ExtremeValues.calls(endingAt: end) { try batch.add(c) }
    }
    try store.write(batch)
    let calls = ExtremeValues.calls(endingAt: 0).count
    for (from, to) in [(Int64(0), Int64(3_600_000)), (Timestamp.maxMs - 3_600_000, Timestamp.maxMs + 1)] {
      let report = try Report.build(
        store: store, rules: RuleSet(), fromMs: from, toMs: to, nowMs: to, previous: true)
      #expect(report.total.attempts == Int64(calls))
      for format in ReportFormat.allCases {
        let text = report.render(format)
        #expect(!text.isEmpty)
        if format == .json { #expect((try? JSONSerialization.jsonObject(with: Data(text.utf8))) != nil) }
      }
    }
  }
}
