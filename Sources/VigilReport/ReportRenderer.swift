import VigilCore
import VigilStore

/// A report as text, Markdown, JSON or a self-contained HTML page.
package enum ReportFormat: String, Sendable, CaseIterable {
  case text, markdown, json, html
}

/// Alerts in force now, shown on top of the live dashboard.
package struct LiveAlert: Sendable {
  package var rule: String
  package var state: String
  package var labels: [String: String]
  package var value: String
  package var threshold: String
  package var sinceMs: Int64?
  package var summary: String
  /// The firing alert whose inhibit rule mutes this one in messages: the card says so.
  package var inhibitedBy: String?

  package init(
    rule: String, state: String, labels: [String: String], value: String, threshold: String, sinceMs: Int64?,
    summary: String
  ) {
    self.rule = rule
    self.state = state
    self.labels = labels
    self.value = value
    self.threshold = threshold
    self.sinceMs = sinceMs
    self.summary = summary
  }
}

extension Report {
  package func render(_ format: ReportFormat) -> String {
    switch format {
    case .text: text(markdown: false)
    case .markdown: text(markdown: true)
    case .json: json.text + "\n"
    case .html: html()
    }
  }

  package var period: String {
    "\(zone.format(fromMs)) to \(zone.format(toMs))" + (zone.isUTC ? "" : " (\(zone.name))")
      + (provider.map { ", provider \($0)" } ?? "")
  }
  var isEmpty: Bool { total.attempts == 0 }

  static func percent(_ a: Int64, of b: Int64) -> String {
    b > 0 ? formatFixed(Double(a) * 100 / Double(b), digits: 1) + "%" : "-"
  }

  static func duration(_ ms: Int64) -> String { DurationText.format(max(0, ms) / 1000 * 1000) }

  /// What the change column says when the previous period is too short to compare with.
  package static let previousTooShortText = "n/a (previous period too short)"

  /// This period beside the previous one: attempts, then the table's metrics; a rate's change in
  /// percentage points, a count's or a latency's in percent (none when the previous period has
  /// too little data: ``previousTooShort``). `nil` without a previous period.
  func comparisonRows() -> [[String]]? {
    guard let previous else { return nil }
    let tooShort = previousTooShort
    func relative(_ now: Double?, _ before: Double?) -> String {
      if tooShort { return Self.previousTooShortText }
      guard let now, let before, before > 0 else { return "-" }
      let change = (now - before) / before * 100
      return (change >= 0 ? "+" : "") + formatFixed(change, digits: 1) + "%"
    }
    var rows = [
      [
        "attempts", formatCount(total.attempts), previous.attempts > 0 ? formatCount(previous.attempts) : "-",
        relative(Double(total.attempts), Double(previous.attempts)),
      ]
    ]
    for t in thresholds {
      let now = t.metric.value(of: total)
      let before = previous.attempts > 0 ? t.metric.value(of: previous) : nil
      var change = "-"
      if tooShort {
        change = Self.previousTooShortText
      } else if t.metric.isRate, let now, let before {
        let points = (now - before) * 100
        change = (points >= 0 ? "+" : "") + formatFixed(points, digits: 1) + " pp"
      } else if !t.metric.isRate {
        change = relative(now, before)
      }
      rows.append([t.metric.name, t.metric.format(now), before.map { t.metric.format($0) } ?? "-", change])
    }
    return rows
  }

  /// Rows of the metrics table: name, attempts, then each metric with a `!` when it breaches.
  func metricRows(mark: Bool) -> [[String]] {
    let groups = tableGroups
    return (groups.map { ($0.name, $0.rollup) } + [("all", total)]).map { name, r in
      [name, formatCount(r.attempts)]
        + thresholds.map { t in
          let v = t.metric.value(of: r)
          return t.metric.format(v) + (mark && t.breached(v) ? " !" : "")
        }
    }
  }

  /// Providers, then their models when some provider has more than one.
  var tableGroups: [Group] { models.count > providers.count ? providers + models : providers }

  static func classRows(_ r: Rollup) -> [(StatusClass, Int64)] {
    StatusClass.allCases.map { ($0, r.count(of: $0)) }.filter { $0.1 > 0 }
  }

  // MARK: Text and Markdown

  func text(markdown md: Bool) -> String {
    var out: [String] = []
    func heading(_ s: String) { out.append(md ? "\n## \(s)\n" : "\n\(s.uppercased())") }
    func table(_ cells: [[String]]) {
      // Cells hold stored values (labels, error codes, sources): their control characters are
      // written as escapes, so that none clears the terminal or forges a line of the report.
      let rows = cells.map { $0.map(TerminalText.escape) }
      guard let head = rows.first else { return }
      if md {
        out.append("| " + head.map(Self.mdCell).joined(separator: " | ") + " |")
        out.append("|" + head.map { _ in "---" }.joined(separator: "|") + "|")
        for r in rows.dropFirst() { out.append("| " + r.map(Self.mdCell).joined(separator: " | ") + " |") }
      } else {
        var widths = [Int](repeating: 0, count: head.count)
        for r in rows { for (i, c) in r.enumerated() { widths[i] = max(widths[i], c.count) } }
        // Numbers right-aligned, words left-aligned.
        let numeric = (0..<head.count).map { i in
          i > 0 && rows.dropFirst().allSatisfy { r in r[i].first.map { $0.isNumber || $0 == "-" } ?? true }
        }
        for r in rows {
          out.append(
            r.enumerated().map { i, c in
              let pad = String(repeating: " ", count: widths[i] - c.count)
              return numeric[i] ? pad + c : c + pad
            }.joined(separator: "  ").trimmingTrailingSpaces())
        }
      }
    }
    out.append((md ? "# " : "") + "Vigil report: " + TerminalText.escape(period))
    guard !isEmpty else {
      out.append("")
      out.append("No calls were stored in this period: nothing to report.")
      if !alerts.isEmpty { out.append("(\(alerts.count) alert(s) were recorded; see `vigil check`.)") }
      return out.joined(separator: "\n") + "\n"
    }
    out.append(
      "\(formatCount(total.attempts)) attempts, \(formatCount(total.requests)) logical requests, \(formatCount(total.errors)) errors (\(Self.percent(total.errors, of: total.attempts))), \(alerts.count) alert(s)."
    )
    if let rows = comparisonRows() {
      heading("Against the previous \(DurationText.format(toMs - fromMs))")
      table([["", "this period", "previous", "change"]] + rows)
    }
    heading("Metrics (! = over the threshold)")
    table(
      [["provider/model", "attempts"] + thresholds.map { "\($0.metric.name) \($0.text)" }]
        + metricRows(mark: true))
    heading("Status codes")
    table(
      [["class", "attempts", "share", "retry?", "what to do"]]
        + Self.classRows(total).map { c, n in
          [
            c.rawValue, formatCount(n), Self.percent(n, of: total.attempts),
            c.isRetryable ? "yes, with backoff" : "no", c.advice,
          ]
        })
    if !codes.isEmpty {
      out.append("")
      table(
        [["code", "class", "attempts", "share"]]
          + codes.map {
            [
              String($0.status), $0.statusClass.rawValue, formatCount($0.count),
              Self.percent($0.count, of: total.attempts),
            ]
          })
    }
    if !errorsByModel.isEmpty {
      heading("Errors by model and status")
      table(
        [["provider/model", "status", "class", "attempts", "share of the model's"]]
          + errorsByModel.prefix(20).map {
            [
              "\($0.provider)/\($0.model)", String($0.status), $0.statusClass.rawValue, formatCount($0.count),
              Self.percent($0.count, of: $0.attempts),
            ]
          })
    }
    if !errorCodes.isEmpty || rawCallsNote != nil {
      heading("Error codes" + (errorCodesComplete ? "" : " (of the last 1,000,000 calls)"))
      if let rawCallsNote { out.append(rawCallsNote) }
      table(
        [["provider/model", "status", "code", "attempts"]]
          + errorCodes.map {
            ["\($0.provider)/\($0.model)", String($0.status), $0.code, formatCount($0.count)]
          })
    }
    heading("Alerts")
    if alerts.isEmpty {
      out.append("No alert fired in this period.")
    } else {
      table(
        [["alert", "labels", "severity", "started", "ended", "duration"]]
          + alerts.map { a in
            [
              a.rule, a.scope, a.severity, zone.format(a.startMs),
              a.endMs.map(zone.format) ?? "still firing",
              Self.duration((a.endMs ?? toMs) - max(a.startMs, fromMs)),
            ]
          })
    }
    heading("Sources")
    if let rawCallsNote { out.append(rawCallsNote) }
    table(
      [["source", "calls", "last call", "quiet for"]]
        + sources.map {
          [
            $0.source, formatCount($0.calls), zone.format($0.lastCallMs),
            Self.duration(toMs.saturatingSubtracting($0.lastCallMs)),
          ]
        })
    heading("Worst windows (\(DurationText.format(stepMs)) each, at least 20 attempts)")
    if worstErrorWindows.isEmpty && slowestWindows.isEmpty {
      out.append("None with enough traffic.")
    } else {
      table(
        [["highest error rate", "provider", "error rate", "attempts"]]
          + worstErrorWindows.map {
            [
              zone.format($0.startMs), $0.provider, MetricKind.errorRate.format($0.value),
              formatCount($0.attempts),
            ]
          })
      out.append("")
      table(
        [["slowest P99", "provider", "p99", "attempts"]]
          + slowestWindows.map {
            [
              zone.format($0.startMs), $0.provider,
              MetricKind.latencyQuantile(0.99).format($0.value), formatCount($0.attempts),
            ]
          })
    }
    let streams = streamRows()
    if !streams.isEmpty {
      heading("Streams: failures after the 200, time to first token")
      table([Self.streamHead] + streams)
      if !streamFailureTypes.isEmpty {
        out.append("")
        table([Self.streamTypeHead] + streamTypeRows())
      }
    }
    heading("Tokens")
    table([
      ["tokens", "count", "share"],
      ["all", formatCount(totalTokens), "100%"],
      ["spent on failed attempts", formatCount(failedTokens), Self.percent(failedTokens, of: totalTokens)],
      ["spent on retries", formatCount(retryTokens), Self.percent(retryTokens, of: totalTokens)],
    ])
    return out.joined(separator: "\n") + "\n"
  }

  static func mdCell(_ s: String) -> String {
    s.replacingAll("|", "\\|").replacingAll("\n", " ").replacingAll("<", "&lt;")
  }

  // MARK: JSON

  var json: JSONValue {
    func metrics(_ r: Rollup) -> JSONValue {
      .object(thresholds.map { t in (t.metric.name, t.metric.value(of: r).map(JSONValue.number) ?? .null) })
    }
    func group(_ g: Group) -> JSONValue {
      .object(
        [("provider", .string(g.provider))] + (g.model.map { [("model", JSONValue.string($0))] } ?? [])
          + [("attempts", .number(Double(g.rollup.attempts))), ("metrics", metrics(g.rollup))])
    }
    let window = { (w: Window) -> JSONValue in
      [
        "start": .string(Timestamp.formatRFC3339(w.startMs)), "provider": .string(w.provider),
        "value": .number(w.value),
        "attempts": .number(Double(w.attempts)),
      ]
    }
    return [
      "from": .string(Timestamp.formatRFC3339(fromMs)), "to": .string(Timestamp.formatRFC3339(toMs)),
      "generated_at": .string(Timestamp.formatRFC3339(generatedAtMs)),
      "step": .string(DurationText.format(stepMs)),
      "totals": [
        "attempts": .number(Double(total.attempts)), "requests": .number(Double(total.requests)),
        "errors": .number(Double(total.errors)), "tokens": .number(Double(totalTokens)),
        "failed_tokens": .number(Double(failedTokens)), "retry_tokens": .number(Double(retryTokens)),
        "metrics": metrics(total),
      ],
      "thresholds": .object(
        thresholds.map {
          ($0.metric.name, ["op": .string($0.comparison.rawValue), "value": .number($0.value)])
        }),
      "providers": .array(providers.map(group)), "models": .array(models.map(group)),
      "raw_calls_from": rawCallsFromMs.map { .string(Timestamp.formatRFC3339($0)) } ?? .null,
      "sources": .array(
        sources.map {
          [
            "source": .string($0.source), "calls": .number(Double($0.calls)),
            "last_call": .string(Timestamp.formatRFC3339($0.lastCallMs)),
          ]
        }),
      "classes": .object(Self.classRows(total).map { ($0.0.rawValue, .number(Double($0.1))) }),
      "codes": .array(
        codes.map {
          [
            "status": .number(Double($0.status)), "class": .string($0.statusClass.rawValue),
            "count": .number(Double($0.count)),
          ]
        }),
      "alerts": .array(
        alerts.map { a in
          [
            "rule": .string(a.rule), "labels": .labels(a.labels),
            "start": .string(Timestamp.formatRFC3339(a.startMs)),
            "end": a.endMs.map { .string(Timestamp.formatRFC3339($0)) } ?? .null,
            "duration_seconds": .number(Double(((a.endMs ?? toMs) - max(a.startMs, fromMs)) / 1000)),
            "summary": .string(a.summary),
          ]
        }),
      "streams": streamsJSON,
      "worst_error_windows": .array(worstErrorWindows.map(window)),
      "slowest_windows": .array(slowestWindows.map(window)),
      "previous": previous.map { p in
        [
          "attempts": .number(Double(p.attempts)), "metrics": metrics(p),
          "covered_seconds": .number(Double(previousCoveredMs / 1000)), "too_short": .bool(previousTooShort),
        ] as JSONValue
      } ?? .null,
      "error_codes": .array(
        errorCodes.map {
          [
            "provider": .string($0.provider), "model": .string($0.model),
            "status": .number(Double($0.status)),
            "code": .string($0.code), "count": .number(Double($0.count)),
          ]
        }),
      "errors_by_model": .array(
        errorsByModel.map {
          [
            "provider": .string($0.provider), "model": .string($0.model),
            "status": .number(Double($0.status)),
            "class": .string($0.statusClass.rawValue), "count": .number(Double($0.count)),
          ]
        }),
    ]
  }
}

extension String {
  func trimmingTrailingSpaces() -> String {
    var s = self
    while s.last == " " { s.removeLast() }
    return s
  }

  func replacingAll(_ target: String, _ replacement: String) -> String {
    split(separator: Substring(target), omittingEmptySubsequences: false).joined(separator: replacement)
  }
}
