import Foundation
import Testing
import VigilCore
import VigilStore
import VigilTestSupport

@testable import VigilReport

/// Reports from a real store: what they compute, and how each format shows it.
@Suite struct ReportTests {
  static let t0: Int64 = 1_795_600_800_000  // 2026-11-25T10:00:00Z

  /// One hour: openai healthy with a 5xx burst from 10:20 to 10:30, a provider whose name is HTML.
  static func seed(_ store: Store) throws {
    var batch = IngestBatch(source: "test")
    for s in stride(from: 0, to: 3600, by: 1) {
      let at = t0 + Int64(s) * 1000
      let burst = s >= 1200 && s < 1800
      var r = CallRecord(
        timestampMs: at, status: burst && s % 2 == 0 ? 502 : 200, provider: "openai", model: "gpt-4o",
        latencyMs: burst ? 40_000 : 800)
      r.promptTokens = 100
      r.completionTokens = 50
      try batch.add(r)
      if s % 10 == 0 {
        var retry = CallRecord(
          timestampMs: at, status: 429, provider: #"<script>alert("x")</script>"#,
          model: s % 20 == 0 ? "m&m" : "m2",
          latencyMs: 300)
        retry.attempt = 2
        retry.promptTokens = 10
        try batch.add(retry)
      }
    }
    try store.write(batch)
    let labels = ["alertname": "ServerErrors", "provider": "openai", "severity": "critical"]
    func transition(_ kind: AlertTransition.Kind, _ s: Int64) -> AlertTransition {
      AlertTransition(
        atMs: t0 + s * 1000, key: AlertKey(rule: "ServerErrors", group: "provider=openai"), kind: kind,
        metric: "rate_5xx",
        value: 0.5, threshold: 0.02, labels: labels, summary: "openai 5xx", description: "", receivers: [],
        firedAtMs: kind == .resolved ? t0 + 1500 * 1000 : nil)
    }
    try store.saveEvaluation(
      states: [:], transitions: [transition(.firing, 1500), transition(.resolved, 1900)])
  }

  func build(from: Int64 = t0, to: Int64 = t0 + 3_600_000, rules: RuleSet? = nil) throws -> Report {
    let dir = TemporaryDirectory()
    let store = try Store(path: dir.file("v.db"))
    try Self.seed(store)
    return try Report.build(store: store, rules: rules ?? RuleSet(), fromMs: from, toMs: to, nowMs: to)
  }

  @Test func totalsCodesAlertsWindowsAndTokens() throws {
    let r = try build()
    #expect(r.total.attempts == 3960 && r.total.requests == 3600)
    #expect(r.codes.map(\.status) == [200, 429, 502] && r.codes.map(\.count) == [3300, 360, 300])
    #expect(r.codes[1].statusClass == .capacity)
    #expect(r.alerts.count == 1 && r.alerts[0].rule == "ServerErrors")
    #expect(r.alerts[0].startMs == Self.t0 + 1_500_000 && r.alerts[0].endMs == Self.t0 + 1_900_000)
    #expect(r.stepMs == 30_000 && r.series.count == 2)
    // The burst's windows are the worst: half of openai's calls failed, P99 at 40 s.
    #expect(r.worstErrorWindows.first?.provider == "openai")
    #expect(r.worstErrorWindows.first.map { abs($0.value - 0.5) < 0.03 } == true)
    #expect(
      r.slowestWindows.first.map { $0.startMs >= Self.t0 + 1_200_000 && $0.startMs < Self.t0 + 1_800_000 }
        == true)
    #expect(r.slowestWindows.first.map { abs($0.value - 40_000) / 40_000 < 0.01 } == true)
    #expect(r.failedTokens == 300 * 150 + 360 * 10 && r.retryTokens == 3600)
    // The article's thresholds without rules; a rule's own when it watches the metric.
    #expect(r.thresholds.map(\.value) == [0.05, 0.10, 0.02, 30_000, 0.01])
    var rules = RuleSet()
    rules.rules = [AlertRule(name: "Errors", metric: .errorRate, threshold: 0.08, windowMs: 60_000)]
    #expect(try build(rules: rules).thresholds[0].value == 0.08)
  }

  @Test func textAndMarkdownShowTheTablesAndMarkBreaches() throws {
    let text = try build().render(.text)
    #expect(text.hasPrefix("Vigil report: 2026-11-25T10:00:00Z to 2026-11-25T11:00:00Z\n"))
    #expect(text.contains("3,960 attempts, 3,600 logical requests"))
    let openai = try #require(text.split(separator: "\n").first { $0.hasPrefix("openai ") })
    // Error rate, 5xx rate and P99 breach.
    #expect(openai.components(separatedBy: "8.33% !").count == 3 && openai.contains("39.94s !"))
    let alert = try #require(text.split(separator: "\n").first { $0.hasPrefix("ServerErrors") })
    #expect(
      alert.split(separator: " ") == [
        "ServerErrors", "provider=openai", "critical", "2026-11-25T10:25:00Z", "2026-11-25T10:31:40Z",
        "6m40s",
      ])
    #expect(text.contains("spent on retries"))
    let md = try build().render(.markdown)
    #expect(md.contains("| provider/model | attempts |"))
    #expect(md.contains(#"| &lt;script>alert("x")&lt;/script>/m&m | 180 |"#))
  }

  /// Stored values with control characters (a provider named ESC[2J, a model that forges a
  /// "RESOLVED" line with \n and \r, an error code, a source, alert labels) are written as
  /// escapes in text and Markdown, as every other renderer writes them.
  @Test func textAndMarkdownEscapeTheControlCharactersOfStoredValues() throws {
    let dir = TemporaryDirectory()
    let store = try Store(path: dir.file("v.db"))
    let provider = "open\u{1B}[2Jai"
    let model = "m\n2026-11-25T10:00:00Z RESOLVED X\r"
    var batch = IngestBatch(source: "app\u{1B}]0;pwned\u{7}.log")
    for s in 0..<60 {
      var r = CallRecord(
        timestampMs: Self.t0 + Int64(s) * 1000, status: 429, provider: provider, model: model, latencyMs: 100)
      r.errorCode = "rate\r\nRESOLVED\u{1B}[31m"
      try batch.add(r)
    }
    try store.write(batch)
    try store.saveEvaluation(
      states: [:],
      transitions: [
        AlertTransition(
          atMs: Self.t0 + 30_000, key: AlertKey(rule: "E", group: "model"), kind: .firing, metric: "rate_429",
          value: 1, threshold: 0.1, labels: ["alertname": "E", "model": model, "severity": "critical"],
          summary: "", description: "", receivers: [], firedAtMs: nil)
      ])
    for only in [nil, provider] {
      let report = try Report.build(
        store: store, rules: RuleSet(), fromMs: Self.t0, toMs: Self.t0 + 3_600_000,
        nowMs: Self.t0 + 3_600_000,
        provider: only)
      for format in [ReportFormat.text, .markdown] {
        let out = report.render(format)
        #expect(
          !out.unicodeScalars.contains {
            $0 != "\n" && ($0.value < 0x20 || (0x7F..<0xA0).contains($0.value))
          },
          "\(format): \(out)")
        #expect(out.contains("open\\u001b[2Jai") && out.contains("RESOLVED X\\r"), "\(out)")
        #expect(!out.split(separator: "\n").contains { $0.hasPrefix("2026-11-25T10:00:00Z RESOLVED") })
        #expect(
          out.contains("rate\\r\\nRESOLVED\\u001b[31m") && out.contains("app\\u001b]0;pwned\\u0007.log"))
      }
    }
  }

  @Test func jsonCarriesTheSameFigures() throws {
    let data = Data(try build().render(.json).utf8)
    let o = try #require(JSONSerialization.jsonObject(with: data) as? [String: Any])
    #expect((o["totals"] as? [String: Any])?["attempts"] as? Int == 3960)
    #expect((o["alerts"] as? [[String: Any]])?.first?["duration_seconds"] as? Int == 400)
    #expect((o["codes"] as? [[String: Any]])?.count == 3)
    #expect(((o["classes"] as? [String: Any])?["server"]) as? Int == 300)
  }

  /// The latency chart's lines are greys with dashes: blue, red and green are the providers'.
  @Test func theLatencyChartUsesNoProvidersColour() throws {
    let html = try build().html()
    let start = try #require(html.range(of: "Latency percentiles"))
    let chart = html[start.lowerBound...]
    let svg = String(chart[..<(chart.range(of: "</svg>")?.upperBound ?? chart.endIndex)])
    let strokes = Set(svg.matches(of: #/<polyline fill="none" stroke="(#[0-9a-f]{6})"/#).map { String($0.1) })
    #expect(!strokes.isEmpty, "\(svg)")
    let providers = Set(ProviderColor.known.values).union(ProviderColor.palette).union(SVGChart.palette)
    #expect(strokes.isDisjoint(with: providers), "\(strokes)")
    #expect(svg.contains("stroke-dasharray"))
  }

  @Test func htmlIsSelfContainedAndEscapesEveryValue() throws {
    let html = try build().render(.html)
    #expect(html.hasPrefix("<!DOCTYPE html>"))
    #expect(!html.contains("<script") && html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"))
    #expect(html.contains("m&amp;m") && !html.contains("m&m"))
    #expect(
      !html.contains("http://")
        || html.components(separatedBy: "http://").dropFirst().allSatisfy {
          $0.hasPrefix("www.w3.org/2000/svg")
        })
    #expect(!html.contains("src=") && !html.contains("@import") && !html.contains("<link"))
    #expect(html.components(separatedBy: "<svg").count - 1 == 6)  // 3 rates, latency, classes, timeline
    #expect(html.contains("ServerErrors") && html.contains("threshold 30 s"))
  }

  @Test func anEmptyDatabaseOrAQuietPeriodSaysSoPlainly() throws {
    let dir = TemporaryDirectory()
    let store = try Store(path: dir.file("v.db"))
    let empty = try Report.build(
      store: store, rules: RuleSet(), fromMs: Self.t0, toMs: Self.t0 + 86_400_000, nowMs: Self.t0)
    #expect(empty.render(.text).contains("No calls were stored in this period: nothing to report."))
    #expect(empty.render(.html).contains("No calls were stored in this period"))
    #expect(empty.render(.json).contains(#""attempts":0"#))
    let later = try build(from: Self.t0 + 7_200_000, to: Self.t0 + 9_000_000)
    #expect(later.render(.text).contains("nothing to report"))
  }

  @Test func aYearLongPeriodKeepsItsChartsSmall() throws {
    let r = try build(from: Self.t0 - 365 * 86_400_000, to: Self.t0 + 86_400_000)
    #expect(r.stepMs == 3 * 86_400_000 && r.latency.count <= 150)
    #expect(r.total.attempts == 3960)
    #expect(r.render(.html).contains("<svg"))
  }
}

/// What issue 15 asked of the report and the dashboard: thousands separators, a time zone, the
/// previous period beside this one, errors by model and status, one provider alone, and one
/// colour per provider everywhere.
@Suite struct ReportIncidentFirstTests {
  static let t0 = ReportTests.t0

  static func store(_ dir: TemporaryDirectory) throws -> Store {
    let store = try Store(path: dir.file("v.db"))
    try ReportTests.seed(store)
    // The hour before: openai alone, quieter and healthy.
    var batch = IngestBatch(source: "test")
    for s in stride(from: 0, to: 3600, by: 2) {
      try batch.add(
        CallRecord(
          timestampMs: t0 - 3_600_000 + Int64(s) * 1000, status: s % 100 == 0 ? 500 : 200, provider: "openai",
          model: "gpt-4o", latencyMs: 700))
    }
    try store.write(batch)
    return store
  }

  @Test func countsHaveSeparatorsAndTimesTheirZone() {
    #expect(formatCount(0) == "0" && formatCount(999) == "999" && formatCount(1000) == "1,000")
    #expect(formatCount(1_234_567) == "1,234,567" && formatCount(-12_345) == "-12,345")
    let paris = ReportZone(name: "Europe/Paris") { ms in
      TimeZone(identifier: "Europe/Paris")!.secondsFromGMT(
        for: Date(timeIntervalSince1970: Double(ms) / 1000))
    }
    // Winter (+01:00) and summer (+02:00) time, and a zone west of UTC.
    #expect(paris.format(Self.t0) == "2026-11-25T11:00:00+01:00")
    #expect(paris.format(1_782_900_000_000) == "2026-07-01T12:00:00+02:00")
    let newfoundland = ReportZone(name: "America/St_Johns") { _ in -(3 * 3600 + 1800) }
    #expect(newfoundland.format(Self.t0) == "2026-11-25T06:30:00-03:30")
    #expect(ReportZone.utc.format(Self.t0) == "2026-11-25T10:00:00Z")
  }

  @Test func thePreviousPeriodStandsBesideThisOne() throws {
    let dir = TemporaryDirectory()
    let store = try Self.store(dir)
    var r = try Report.build(
      store: store, rules: RuleSet(), fromMs: Self.t0, toMs: Self.t0 + 3_600_000, nowMs: 0)
    #expect(r.previous?.attempts == 1800)
    let rows = try #require(r.comparisonRows())
    #expect(rows[0] == ["attempts", "3,960", "1,800", "+120.0%"])
    let errorRate = try #require(rows.first { $0[0] == "error_rate" })
    // 660 of 3,960 now (16.7%), 36 of 1,800 before (2.0%).
    #expect(errorRate[1] == "16.67%" && errorRate[2] == "2.00%" && errorRate[3] == "+14.7 pp", "\(errorRate)")
    r.zone = ReportZone(name: "Asia/Kolkata") { _ in 19_800 }
    let text = r.render(.text)
    #expect(text.contains("AGAINST THE PREVIOUS 1H") && text.contains("+120.0%"))
    #expect(
      text.hasPrefix("Vigil report: 2026-11-25T15:30:00+05:30 to 2026-11-25T16:30:00+05:30 (Asia/Kolkata)"))
    #expect(text.contains("3,960 attempts"))
    let html = r.html()
    #expect(html.contains(#"<table id="previous">"#) && html.contains("<td>3,960</td>"))
  }

  @Test func errorsAreBrokenDownByModelAndStatusAndOneProviderCanStandAlone() throws {
    let dir = TemporaryDirectory()
    let store = try Self.store(dir)
    let all = try Report.build(
      store: store, rules: RuleSet(), fromMs: Self.t0, toMs: Self.t0 + 3_600_000, nowMs: 0)
    let hostile = #"<script>alert("x")</script>"#
    #expect(
      all.errorsByModel.map { "\($0.provider)/\($0.model) \($0.status) \($0.count)" } == [
        "openai/gpt-4o 502 300", "\(hostile)/m&m 429 180", "\(hostile)/m2 429 180",
      ])
    #expect(all.errorsByModel[0].attempts == 3600)
    let openai = try Report.build(
      store: store, rules: RuleSet(), fromMs: Self.t0, toMs: Self.t0 + 3_600_000, nowMs: 0, provider: "openai"
    )
    #expect(openai.total.attempts == 3600 && openai.providers.map(\.provider) == ["openai"])
    #expect(openai.errorsByModel.count == 1 && openai.render(.text).contains("provider openai"))
    let html = all.html(dashboard: DashboardView(current: "1h"))
    #expect(html.contains(#"id="errors-by-model""#) && !html.contains("<script>"))
  }

  /// Rollups keep statuses, not the providers' codes: the codes come from the stored calls, the
  /// scan bounded and saying so when it did not reach the start of the period.
  @Test func providerErrorCodesComeFromTheStoredCalls() throws {
    let dir = TemporaryDirectory()
    let store = try Self.store(dir)
    var batch = IngestBatch(source: "codes")
    for (i, code) in ["insufficient_quota", "insufficient_quota", "rate_limit_exceeded"].enumerated() {
      try batch.add(
        CallRecord(
          timestampMs: Self.t0 + 60_000 + Int64(i), status: 429, provider: "openai", model: "gpt-4o",
          errorCode: code))
    }
    try batch.add(
      CallRecord(
        timestampMs: Self.t0 + 61_000, status: 529, provider: "anthropic", errorType: "overloaded_error"))
    try store.write(batch)
    let r = try Report.build(
      store: store, rules: RuleSet(), fromMs: Self.t0, toMs: Self.t0 + 3_600_000, nowMs: 0)
    #expect(
      r.errorCodes.map { "\($0.provider) \($0.status) \($0.code) \($0.count)" } == [
        "openai 429 insufficient_quota 2", "anthropic 529 overloaded_error 1",
        "openai 429 rate_limit_exceeded 1",
      ])
    #expect(r.errorCodesComplete && r.render(.text).contains("ERROR CODES"))
    // Bounded: the last call of the period alone, and it says so.
    let bounded = try store.errorCodes(fromMs: Self.t0, toMs: Self.t0 + 3_600_000, maxCalls: 1)
    #expect(!bounded.complete && bounded.counts.map(\.code) == ["overloaded_error"])
    let openai = try store.errorCodes(fromMs: Self.t0, toMs: Self.t0 + 3_600_000, provider: "openai")
    #expect(openai.counts.map(\.count) == [2, 1])
  }

  @Test func aProviderHasOneColourOnEveryChartAndTableAndLinksToItsView() throws {
    let dir = TemporaryDirectory()
    let store = try Self.store(dir)
    let r = try Report.build(
      store: store, rules: RuleSet(), fromMs: Self.t0, toMs: Self.t0 + 3_600_000, nowMs: 0)
    let html = r.html(dashboard: DashboardView(current: "6h"))
    let openai = ProviderColor.of("openai")
    #expect(openai == "#10a37f" && ProviderColor.of("OpenAI") == openai)
    // The same colour for a name in every process (no per-process hash seed).
    #expect(ProviderColor.of("acme-llm") == ProviderColor.of("acme-llm"))
    #expect(ProviderColor.palette.contains(ProviderColor.of("acme-llm")))
    // Three charts draw openai's line in its colour; the table's swatch is the same.
    #expect(html.components(separatedBy: #"stroke="\#(openai)""#).count - 1 == 3)
    #expect(html.contains(#"<span class="sw" style="background:\#(openai)"></span>"#))
    #expect(html.contains(#"<a href="/?window=6h&amp;provider=openai" data-provider="openai">openai</a>"#))
    // A name that is markup is encoded in the link and escaped in the text.
    #expect(html.contains("provider=%3Cscript%3Ealert%28%22x%22%29%3C%2Fscript%3E"))
    #expect(html.contains(#"<a href="/?window=15m" data-window="15m">15m</a>"#))
    #expect(
      html.contains(#"<a href="/?window=6h" class="current" aria-current="page" data-window="6h">6h</a>"#))
  }
}
