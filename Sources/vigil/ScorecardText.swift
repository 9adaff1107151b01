import VigilCore

/// The scorecard of `vigil backtest --incidents` as text (a table per receiver, then per rule,
/// missed incidents, false pages, goals) or one JSON object.
enum ScorecardText {
  /// False pages listed in text per receiver; JSON lists them all.
  static let shownFalsePages = 20

  static func text(_ card: Scorecard, _ checks: [Scorecard.GoalCheck]) -> String {
    let counts = LabelledIncident.Expect.allCases.map { e in
      "\(card.file.incidents.filter { $0.expect == e }.count) \(e.rawValue)"
    }
    var out = [
      "scorecard: \(card.file.incidents.count) incidents (\(counts.joined(separator: ", "))) over "
        + "\(DurationText.format(card.spanMs / 1000 * 1000)), grace \(DurationText.format(card.file.graceMs))",
      "",
    ]
    var rows = [
      [
        "receiver", "kind", "incidents", "detected", "recall", "precision", "firing", "false", "TTD p50",
        "TTD max", "reset max", "msgs/incident", "worst 12h", "false/week",
      ]
    ]
    for r in card.receivers {
      let f = card.figures(r.incidents)
      rows.append([
        r.receiver, r.kind.rawValue, String(f.incidents), String(f.detected),
        f.recall.map(Scorecard.percent) ?? "-", r.precision.map(Scorecard.percent) ?? "-",
        String(r.firingMessages), String(r.falsePages.count), f.ttdMedianMs.map(DurationText.format) ?? "-",
        f.ttdMaxMs.map(DurationText.format) ?? "-",
        f.neverReset > 0 ? "\(f.neverReset) never" : f.ttrMaxMs.map(DurationText.format) ?? "-",
        f.messagesMean.map { "\(Scorecard.rounded($0)) (max \(f.messagesMax ?? 0))" } ?? "-",
        String(r.worst12h), Scorecard.rounded(r.falsePerWeek),
      ])
    }
    out.append(Table.render(rows))
    out.append("")
    var ruleRows = [["rule", "fired", "in messages", "in false messages", "incidents named"]]
    for r in card.rules {
      ruleRows.append([
        r.rule, String(r.fired), String(r.inMessages), String(r.inFalseMessages), String(r.detected),
      ])
    }
    out.append(Table.render(ruleRows))
    for r in card.receivers {
      let missed = r.incidents.filter { $0.detectedAtMs == nil }.map { card.file.incidents[$0.incident] }
      if !missed.isEmpty {
        out.append("")
        out.append("missed by \(r.receiver) (\(missed.count)):")
        for i in missed { out.append("  \(describe(i))") }
      }
      if !r.falsePages.isEmpty {
        out.append("")
        out.append("false \(r.kind == .page ? "pages" : "tickets") on \(r.receiver) (\(r.falsePages.count)):")
        for m in r.falsePages.prefix(shownFalsePages) {
          out.append("  \(Timestamp.formatRFC3339(m.atMs))  \(m.title)")
        }
        if r.falsePages.count > shownFalsePages {
          out.append("  ... and \(r.falsePages.count - shownFalsePages) more (--format json lists them all)")
        }
      }
    }
    if !checks.isEmpty {
      out.append("")
      out.append("goals (\(checks.filter(\.met).count) of \(checks.count) met):")
      for c in checks {
        let scope = c.scope.isEmpty ? "" : ", \(c.scope)"
        out.append("  \(c.met ? "ok  " : "FAIL") \(c.goal) \(c.target) (\(c.receiver)\(scope)): \(c.actual)")
      }
    }
    return out.joined(separator: "\n")
  }

  static func describe(_ i: LabelledIncident) -> String {
    let traffic = i.perSecond.map { " at \(formatPlain($0))/s" } ?? ""
    let kind = i.kind.isEmpty ? "" : "\(i.kind), "
    return
      "\(i.name) (\(kind)\(Timestamp.formatRFC3339(i.startMs)), \(DurationText.format(i.durationMs))\(traffic))"
  }

  static func json(_ card: Scorecard, _ checks: [Scorecard.GoalCheck]) -> String {
    func q(_ s: String) -> String { JSONText.quote(s) }
    func time(_ ms: Int64?) -> String { ms.map { q(Timestamp.formatRFC3339($0)) } ?? "null" }
    func seconds(_ ms: Int64?) -> String { ms.map { formatPlain(Double($0) / 1000) } ?? "null" }
    func share(_ v: Double?) -> String { v.map(formatPlain) ?? "null" }
    var receivers: [String] = []
    for r in card.receivers {
      let f = card.figures(r.incidents)
      let incidents = r.incidents.map { result in
        let i = card.file.incidents[result.incident]
        return
          "{\"name\":\(q(i.name)),\"kind\":\(q(i.kind)),\"start\":\(time(i.startMs)),\"end\":\(time(i.endMs)),"
          + "\"detected_at\":\(time(result.detectedAtMs)),\"time_to_detect_s\":\(seconds(card.timeToDetect(result))),"
          + "\"reset_at\":\(time(result.resetAtMs)),\"time_to_reset_s\":\(seconds(card.timeToReset(result))),"
          + "\"messages\":\(result.messages),\"rules\":[\(result.rules.map(q).joined(separator: ","))]}"
      }
      let falsePages = r.falsePages.map {
        "{\"at\":\(time($0.atMs)),\"title\":\(q($0.title)),\"rules\":[\($0.rules.map(q).joined(separator: ","))]}"
      }
      receivers.append(
        "{\"receiver\":\(q(r.receiver)),\"kind\":\(q(r.kind.rawValue)),\"incidents\":\(f.incidents),"
          + "\"detected\":\(f.detected),\"recall\":\(share(f.recall)),\"precision\":\(share(r.precision)),"
          + "\"firing_messages\":\(r.firingMessages),\"resolved_messages\":\(r.resolvedMessages),"
          + "\"false_messages\":\(r.falsePages.count),\"time_to_detect_p50_s\":\(seconds(f.ttdMedianMs)),"
          + "\"time_to_detect_max_s\":\(seconds(f.ttdMaxMs)),\"time_to_reset_max_s\":\(seconds(f.ttrMaxMs)),"
          + "\"never_reset\":\(f.neverReset),\"messages_per_incident_mean\":\(share(f.messagesMean)),"
          + "\"messages_per_incident_max\":\(f.messagesMax.map(String.init) ?? "null"),"
          + "\"worst_12h\":\(r.worst12h),\"false_per_week\":\(formatPlain(r.falsePerWeek)),"
          + "\"by_incident\":[\(incidents.joined(separator: ","))],\"false\":[\(falsePages.joined(separator: ","))]}"
      )
    }
    let rules = card.rules.map {
      "{\"rule\":\(q($0.rule)),\"fired\":\($0.fired),\"in_messages\":\($0.inMessages),"
        + "\"in_false_messages\":\($0.inFalseMessages),\"incidents_named\":\($0.detected)}"
    }
    let goals = checks.map {
      "{\"goal\":\(q($0.goal)),\"receiver\":\(q($0.receiver)),\"scope\":\(q($0.scope)),\"target\":\(q($0.target)),"
        + "\"actual\":\(q($0.actual)),\"met\":\($0.met),\"line\":\($0.line)}"
    }
    return "{\"span_s\":\(card.spanMs / 1000),\"incidents\":\(card.file.incidents.count),"
      + "\"receivers\":[\(receivers.joined(separator: ","))],\"rules\":[\(rules.joined(separator: ","))],"
      + "\"goals\":[\(goals.joined(separator: ","))],\"met\":\(!checks.contains { !$0.met })}"
  }
}
