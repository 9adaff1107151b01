import VigilCore
import VigilStore

/// What the live dashboard adds around a report: the window links, the provider it is filtered
/// to, and a note when the default view moved to where the data is.
package struct DashboardView: Sendable {
  /// The windows offered (`15m`, `1h`, `6h`, `24h`) and the one shown, if it is one of them.
  package var windows: [String]
  package var current: String?
  /// A line above the page: why it shows what it shows.
  package var note: String?
  /// The end of the view when it is not now (`to=`, or the last call of older data): the window
  /// links keep it, so that 15m or 6h of last week's data is 15m or 6h before this end.
  package var toMs: Int64?
  /// The alert a message linked to (`?alert=NAME`): its card is marked and comes first, its
  /// providers are marked in the tables.
  package var highlight: String?
  package var highlightProviders: Set<String> = []

  package init(windows: [String] = ["15m", "1h", "6h", "24h"], current: String?, note: String? = nil) {
    self.windows = windows
    self.current = current
    self.note = note
  }

  /// The dashboard's address for a window and a provider (nil: all providers), ending at `toMs`
  /// (nil: now).
  static func link(window: String?, provider: String?, toMs: Int64? = nil) -> String {
    var query: [String] = []
    if let window { query.append("window=" + URLText.percentEncode(window)) }
    if let toMs { query.append("to=" + URLText.percentEncode(Timestamp.formatRFC3339(toMs))) }
    if let provider { query.append("provider=" + URLText.percentEncode(provider)) }
    return "/" + (query.isEmpty ? "" : "?" + query.joined(separator: "&"))
  }

  /// A time as the range form's `datetime-local` fields show it: `2026-11-25T10:00` (UTC).
  static func formValue(_ ms: Int64) -> String {
    String(Timestamp.formatRFC3339(ms / 60_000 * 60_000).prefix(16))
  }
}

/// One colour per provider, the same on every chart, table and page: the providers' own colours
/// where they have one, else one of a palette chosen by the name.
package enum ProviderColor {
  static let known: [String: String] = [
    "openai": "#10a37f", "anthropic": "#d97757", "gemini": "#4285f4", "google": "#4285f4",
    "vertex_ai": "#4285f4", "azure": "#0078d4", "bedrock": "#ff9900", "aws": "#ff9900", "groq": "#f55036",
    "mistral": "#fa520f", "deepseek": "#4d6bfe", "cohere": "#39594d", "xai": "#111827",
  ]
  static let palette = [
    "#2563eb", "#9333ea", "#0891b2", "#ca8a04", "#db2777", "#65a30d", "#7c3aed", "#0f766e",
  ]

  package static func of(_ provider: String) -> String {
    if let c = known[provider.lowercased()] { return c }
    // FNV-1a: stable across runs and machines (Hasher is seeded per process).
    var h: UInt32 = 2_166_136_261
    for b in provider.utf8 { h = (h ^ UInt32(b)) &* 16_777_619 }
    return palette[Int(h % UInt32(palette.count))]
  }
}

extension Report {
  /// The latency percentiles' colours (P50, P95, P99): greys, which no provider has.
  static let percentileColors = ["#9ca3af", "#6b7280", "#374151"]

  /// A single self-contained page: inline CSS and SVG, no script, nothing fetched. The numbers are
  /// in tables too, so that it reads well in a mail client that does not draw SVG. For the live
  /// dashboard, `live` puts the alerts in force on top and `refreshSeconds` reloads the page.
  package func html(
    live: [LiveAlert]? = nil, refreshSeconds: Int? = nil, title: String = "Vigil report",
    dashboard: DashboardView? = nil
  )
    -> String
  {
    let e = HTMLText.escape
    // A provider's name with its colour, linking to its own view on the dashboard.
    let providerCell = { (name: String) -> String in
      let swatch = "<span class=\"sw\" style=\"background:\(ProviderColor.of(name))\"></span>"
      guard let dashboard else { return swatch + e(name) }
      let href = DashboardView.link(window: dashboard.current, provider: name, toMs: dashboard.toMs)
      let link = "<a href=\"\(e(href))\" data-provider=\"\(e(name))\">\(e(name))</a>"
      // The provider of the alert a message linked to.
      return swatch
        + (dashboard.highlightProviders.contains(name) ? "<mark class=\"highlight\">\(link)</mark>" : link)
    }
    var out = """
      <!DOCTYPE html>
      <html lang="en"><head><meta charset="utf-8">
      <meta name="viewport" content="width=device-width, initial-scale=1">

      """
    if let refreshSeconds { out += "<meta http-equiv=\"refresh\" content=\"\(refreshSeconds)\">\n" }
    out += """
      <title>\(e(title)): \(e(period))</title>
      <style>
      body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;color:#1f2937;margin:24px auto;max-width:800px;padding:0 12px}
      h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #e5e7eb;padding-bottom:4px}
      table{border-collapse:collapse;width:100%;font-size:13px;margin:6px 0}
      th,td{padding:4px 8px;border-bottom:1px solid #eef0f3;text-align:right;vertical-align:top}
      th:first-child,td:first-child{text-align:left}th{background:#f9fafb;font-weight:600}
      td.text,th.text{text-align:left}.breach{color:#b91c1c;font-weight:700}.muted{color:#6b7280}
      .firing{color:#b91c1c;font-weight:700}.pending{color:#b45309;font-weight:700}
      .card{border:1px solid #fecaca;background:#fef2f2;border-radius:6px;padding:8px 12px;margin:6px 0}
      .card.pending{border-color:#fde68a;background:#fffbeb}.card.below{margin-left:24px}.card.highlight{outline:3px solid #1d4ed8}mark.highlight{background:#dbeafe}form#range{font-size:13px;margin:6px 0}.inhibited{color:#6b7280;font-style:italic}
      .ok{border:1px solid #bbf7d0;background:#f0fdf4;border-radius:6px;padding:8px 12px}
      svg{max-width:100%;height:auto;display:block;margin:8px 0}
      .sw{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:5px;vertical-align:baseline}
      nav a{display:inline-block;padding:2px 9px;margin-right:4px;border:1px solid #d1d5db;border-radius:4px;color:#1f2937;text-decoration:none;font-size:13px}
      nav a.current{background:#1f2937;color:#fff;border-color:#1f2937}a{color:#1d4ed8}
      .note{background:#eff6ff;border:1px solid #bfdbfe;border-radius:6px;padding:6px 10px;font-size:13px}
      </style></head><body>
      <h1>\(e(title))</h1>

      """
    if let dashboard {
      out += "<nav id=\"windows\">"
      for w in dashboard.windows {
        let current = w == dashboard.current ? " class=\"current\" aria-current=\"page\"" : ""
        out +=
          "<a href=\"\(e(DashboardView.link(window: w, provider: provider, toMs: dashboard.toMs)))\"\(current) data-window=\"\(e(w))\">\(e(w))</a>"
      }
      if let provider {
        out +=
          " · provider \(providerCell(provider)) · <a href=\"\(e(DashboardView.link(window: dashboard.current, provider: nil, toMs: dashboard.toMs)))\" id=\"all-providers\">all providers</a>"
      }
      if dashboard.toMs != nil {
        out +=
          " · <a href=\"\(e(DashboardView.link(window: dashboard.current, provider: provider)))\" id=\"now\">up to now</a>"
      }
      out += "</nav>\n"
      // A range of its own: from and to (UTC), the provider kept.
      out +=
        "<form id=\"range\" method=\"get\" action=\"/\"><label>from <input type=\"datetime-local\" name=\"from\" value=\"\(e(DashboardView.formValue(fromMs)))\"></label> "
      out +=
        "<label>to <input type=\"datetime-local\" name=\"to\" value=\"\(e(DashboardView.formValue(toMs)))\"></label> UTC "
      if let provider { out += "<input type=\"hidden\" name=\"provider\" value=\"\(e(provider))\">" }
      out += "<button type=\"submit\">show</button></form>\n"
      if let note = dashboard.note { out += "<p class=\"note\" id=\"view-note\">\(e(note))</p>\n" }
    }
    out += "<p class=\"muted\">\(e(period)) · generated \(e(zone.format(generatedAtMs)))</p>\n"
    if let live {
      out += "<h2 id=\"alerts-now\">Alerts now</h2>\n"
      if let h = dashboard?.highlight, !live.contains(where: { $0.rule == h }) {
        out +=
          "<p class=\"note\" id=\"alert-not-live\">\(e(h)) is not pending or firing now: when it fired in this view is under Alerts in the period.</p>\n"
      }
      if live.isEmpty {
        out += "<div class=\"ok\" id=\"no-alerts\">No alert is pending or firing.</div>\n"
      }
      // The alert a message linked to comes first, marked.
      let first =
        live.filter { $0.rule == dashboard?.highlight } + live.filter { $0.rule != dashboard?.highlight }
      for a in first {
        let scope = a.labels.filter { !["alertname", "severity", "provider"].contains($0.key) }
          .sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        let marked = a.rule == dashboard?.highlight
        let kind =
          ["card"] + (a.state == "pending" ? ["pending"] : []) + (a.inhibitedBy == nil ? [] : ["below"])
          + (marked ? ["highlight"] : [])
        out +=
          "<div class=\"\(kind.joined(separator: " "))\" data-alert=\"\(e(a.rule))\"\(marked ? " id=\"alert\"" : "")>"
        out +=
          "<span class=\"\(a.state == "pending" ? "pending" : "firing")\">\(e(a.state.uppercased()))</span> "
        out += "<strong>\(e(a.rule))</strong> "
        if let cause = a.inhibitedBy {
          out +=
            "<span class=\"inhibited\" data-inhibited-by=\"\(e(cause))\">inhibited by \(e(cause))</span> "
        }
        if let p = a.labels["provider"] { out += "provider=\(providerCell(p)) " }
        out += "\(e(scope)) · value \(e(a.value)) (\(e(a.threshold)))"
        if let since = a.sinceMs {
          out +=
            " · <span class=\"for\">\(e(a.state)) for \(e(Self.duration(generatedAtMs - since)))</span>, since \(e(zone.format(since)))"
        }
        out += "<br><span class=\"muted\">\(e(a.summary))</span></div>\n"
      }
    }
    guard !isEmpty else {
      out += "<h2>Traffic</h2><p id=\"empty\">No calls were stored in this period: nothing to report.</p>\n"
      return out + "</body></html>\n"
    }
    out += """
      <h2>Summary</h2>
      <table><tr><th>attempts</th><th>logical requests</th><th>errors</th><th>error rate</th><th>alerts</th><th>tokens</th></tr>
      <tr><td>\(formatCount(total.attempts))</td><td>\(formatCount(total.requests))</td><td>\(formatCount(total.errors))</td><td>\(e(Self.percent(total.errors, of: total.attempts)))</td><td>\(alerts.count)</td><td>\(formatCount(totalTokens))</td></tr></table>

      """
    if let rows = comparisonRows() {
      out +=
        "<table id=\"previous\"><tr><th>against the previous \(e(DurationText.format(toMs - fromMs)))</th><th>this period</th><th>previous</th><th>change</th></tr>\n"
      for r in rows { out += "<tr>" + r.map { "<td>\(e($0))</td>" }.joined() + "</tr>\n" }
      out += "</table>\n"
    }
    // The alerts first: what happened, then the numbers behind it.
    out += "<h2 id=\"alerts-in-period\">Alerts in the period</h2>\n"
    out += SVGChart.timeline(title: "Alert timeline", spans: alerts, fromMs: fromMs, toMs: toMs) + "\n"
    if !alerts.isEmpty {
      out +=
        "<table><tr><th>alert</th><th class=\"text\">labels</th><th>started</th><th>ended</th><th>duration</th></tr>\n"
      for a in alerts {
        out +=
          "<tr><td class=\"\(a.severity == "critical" ? "firing" : "pending")\">\(e(a.rule))</td><td class=\"text\">\(e(a.scope))</td>"
        out +=
          "<td>\(e(zone.format(a.startMs)))</td><td>\(e(a.endMs.map(zone.format) ?? "still firing"))</td>"
        out += "<td>\(e(Self.duration((a.endMs ?? toMs) - max(a.startMs, fromMs))))</td></tr>\n"
      }
      out += "</table>\n"
    }
    out += "<h2>Metrics per provider and model</h2>\n<table><tr><th>provider/model</th><th>attempts</th>"
    for t in thresholds { out += "<th>\(e(t.metric.name))<br><span class=\"muted\">\(e(t.text))</span></th>" }
    out += "</tr>\n"
    for (group, r) in tableGroups.map({ ($0 as Group?, $0.rollup) }) + [(nil, total)] {
      let name =
        group.map { g in g.model.map { e(g.provider + "/" + $0) } ?? providerCell(g.provider) } ?? "all"
      out += "<tr><td>\(name)</td><td>\(formatCount(r.attempts))</td>"
      for t in thresholds {
        let v = t.metric.value(of: r)
        out +=
          t.breached(v)
          ? "<td class=\"breach\">\(e(t.metric.format(v))) !</td>" : "<td>\(e(t.metric.format(v)))</td>"
      }
      out += "</tr>\n"
    }
    out += "</table>\n<h2>Over time</h2>\n"
    let pct = { (v: Double) in formatFixed(v * 100, digits: (v * 100).rounded() == v * 100 ? 0 : 1) + "%" }
    let threshold = { (m: MetricKind) in thresholds.first { $0.metric == m }?.value }
    for (title, metric, value) in [
      ("Error rate by provider", MetricKind.errorRate, \Point.errorRate),
      ("429 rate by provider", MetricKind.rate429, \Point.rate429),
      ("5xx rate by provider", MetricKind.rate5xx, \Point.rate5xx),
    ] {
      out +=
        SVGChart.lines(
          title: title,
          lines: series.map { s in
            SVGChart.Line(
              name: s.provider, points: s.points.map { ($0.atMs, $0[keyPath: value]) },
              color: ProviderColor.of(s.provider))
          },
          fromMs: fromMs, toMs: toMs, format: pct, threshold: threshold(metric)) + "\n"
    }
    out +=
      SVGChart.lines(
        title: "Latency percentiles, all calls",
        lines: [
          // Shades of grey and dashes: the providers' colours stay the providers'.
          .init(
            name: "P50", points: latency.map { ($0.atMs, $0.p50.map { $0 / 1000 }) },
            color: Self.percentileColors[0], dash: "2 3"),
          .init(
            name: "P95", points: latency.map { ($0.atMs, $0.p95.map { $0 / 1000 }) },
            color: Self.percentileColors[1], dash: "6 3"),
          .init(
            name: "P99", points: latency.map { ($0.atMs, $0.p99.map { $0 / 1000 }) },
            color: Self.percentileColors[2]),
        ], fromMs: fromMs, toMs: toMs, format: { formatFixed($0, digits: $0.rounded() == $0 ? 0 : 1) + " s" },
        threshold: threshold(.latencyQuantile(0.99)).map { $0 / 1000 }) + "\n"
    out += "<h2>Status codes</h2>\n"
    let colors: [StatusClass: String] = [
      .success: "#16a34a", .client: "#6b7280", .capacity: "#d97706", .quota: "#9333ea", .server: "#dc2626",
      .network: "#0891b2", .contentFilter: "#db2777", .contextLength: "#4f46e5", .cancelled: "#a3a3a3",
    ]
    out +=
      SVGChart.bars(
        title: "Attempts by class",
        bars: Self.classRows(total).map { ($0.0.rawValue, Double($0.1), colors[$0.0] ?? "#888") },
        format: { formatPlain($0) }) + "\n"
    out +=
      "<table><tr><th>class</th><th>attempts</th><th>share</th><th class=\"text\">retry?</th><th class=\"text\">what to do</th></tr>\n"
    for (c, n) in Self.classRows(total) {
      out +=
        "<tr><td>\(e(c.rawValue))</td><td>\(formatCount(n))</td><td>\(e(Self.percent(n, of: total.attempts)))</td>"
      out +=
        "<td class=\"text\">\(c.isRetryable ? "yes, with backoff" : "no")</td><td class=\"text\">\(e(c.advice))</td></tr>\n"
    }
    out +=
      "</table>\n<table><tr><th>code</th><th class=\"text\">class</th><th>attempts</th><th>share</th></tr>\n"
    for c in codes {
      out +=
        "<tr><td>\(c.status)</td><td class=\"text\">\(e(c.statusClass.rawValue))</td><td>\(formatCount(c.count))</td><td>\(e(Self.percent(c.count, of: total.attempts)))</td></tr>\n"
    }
    if !errorsByModel.isEmpty {
      out +=
        "</table>\n<h2 id=\"errors-by-model\">Errors by model and status</h2>\n<table><tr><th class=\"text\">provider</th><th class=\"text\">model</th><th>status</th><th class=\"text\">class</th><th>attempts</th><th>share of the model's</th></tr>\n"
      for r in errorsByModel.prefix(20) {
        out +=
          "<tr><td>\(providerCell(r.provider))</td><td class=\"text\">\(e(r.model))</td><td>\(r.status)</td><td class=\"text\">\(e(r.statusClass.rawValue))</td><td>\(formatCount(r.count))</td><td>\(e(Self.percent(r.count, of: r.attempts)))</td></tr>\n"
      }
    }
    if !errorCodes.isEmpty || rawCallsNote != nil {
      out +=
        "</table>\n<h3 id=\"error-codes\">Error codes\(errorCodesComplete ? "" : " (of the last 1,000,000 calls)")</h3>\n"
      if let rawCallsNote { out += "<p class=\"note\">\(e(rawCallsNote))</p>\n" }
      out +=
        "<table><tr><th class=\"text\">provider</th><th class=\"text\">model</th><th>status</th><th class=\"text\">code</th><th>attempts</th></tr>\n"
      for r in errorCodes {
        out +=
          "<tr><td>\(providerCell(r.provider))</td><td class=\"text\">\(e(r.model))</td><td>\(r.status)</td><td class=\"text\">\(e(r.code))</td><td>\(formatCount(r.count))</td></tr>\n"
      }
    }
    out += "</table>\n<h2>Sources</h2>\n"
    if let rawCallsNote { out += "<p class=\"note\">\(e(rawCallsNote))</p>\n" }
    out +=
      "<table><tr><th class=\"text\">source</th><th>calls</th><th>last call</th><th>quiet for</th></tr>\n"
    for s in sources {
      let quiet = toMs.saturatingSubtracting(s.lastCallMs)
      out +=
        "<tr><td class=\"text\">\(e(s.source))</td><td>\(formatCount(s.calls))</td><td>\(e(zone.format(s.lastCallMs)))</td>"
      out += "<td class=\"\(quiet >= 600_000 ? "firing" : "")\">\(e(Self.duration(quiet)))</td></tr>\n"
    }
    out += "</table>\n"
    out +=
      "<h2>Worst windows</h2>\n<p class=\"muted\">\(e(DurationText.format(stepMs))) windows with at least 20 attempts.</p>\n"
    for (title, windows, metric) in [
      ("Highest error rate", worstErrorWindows, MetricKind.errorRate),
      ("Slowest P99", slowestWindows, .latencyQuantile(0.99)),
    ] {
      out +=
        "<table><tr><th>\(e(title))</th><th class=\"text\">provider</th><th>value</th><th>attempts</th></tr>\n"
      for w in windows {
        out +=
          "<tr><td>\(e(zone.format(w.startMs)))</td><td class=\"text\">\(providerCell(w.provider))</td><td>\(e(metric.format(w.value)))</td><td>\(formatCount(w.attempts))</td></tr>\n"
      }
      if windows.isEmpty { out += "<tr><td class=\"muted\" colspan=\"4\">none</td></tr>\n" }
      out += "</table>\n"
    }
    out += streamsHTML()
    out += """
      <h2>What failures and retries cost</h2>
      <table><tr><th>tokens</th><th>count</th><th>share</th></tr>
      <tr><td>all</td><td>\(formatCount(totalTokens))</td><td>100%</td></tr>
      <tr><td>spent on failed attempts</td><td>\(formatCount(failedTokens))</td><td>\(e(Self.percent(failedTokens, of: totalTokens)))</td></tr>
      <tr><td>spent on retries</td><td>\(formatCount(retryTokens))</td><td>\(e(Self.percent(retryTokens, of: totalTokens)))</td></tr>
      </table>
      <p class="muted">Vigil \(e(VigilInfo.version)). Thresholds: the rules' where a rule watches the metric, else the reference article's.</p>
      </body></html>

      """
    return out
  }
}
