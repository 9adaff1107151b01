package import VigilCore

/// One alert as a line: for people (`2026-11-25T10:10:15Z FIRING ServerErrors{provider=openai}
/// severity=critical value=33.33% threshold=2.00%: ...`), or as a JSON object for pipelines. The
/// stdout receiver writes these, and `backtest` prints its transitions the same way.
package enum AlertLine {
  package static func format(_ a: NotifiedAlert, json: Bool) -> String {
    let at = a.status == .firing ? a.startsAtMs : (a.endsAtMs ?? a.startsAtMs)
    if json {
      var fields: [(String, JSONValue)] = [
        ("at", .string(Timestamp.formatRFC3339(at))), ("rule", .string(a.name)),
        ("metric", .string(a.metric)),
        ("state", .string(a.status.rawValue)), ("labels", .labels(a.labels)),
        ("value", a.value.map(JSONValue.number) ?? .null), ("threshold", .number(a.threshold)),
        ("summary", .string(a.annotations["summary"] ?? "")),
        ("description", .string(a.annotations["description"] ?? "")),
      ]
      if a.status == .resolved {
        fields.append(("fired_at", .string(Timestamp.formatRFC3339(a.startsAtMs))))
        fields.append(("folded_in", .bool(a.foldedIn)))
      }
      return JSONValue.object(fields).text
    }
    let shown = a.labels.filter { $0.key != "alertname" && $0.key != "severity" }.sorted { $0.key < $1.key }
    var text = "\(Timestamp.formatRFC3339(at)) \(a.status == .firing ? "FIRING" : "RESOLVED") \(a.name)"
    text += "{" + shown.map { "\($0.key)=\($0.value)" }.joined(separator: ",") + "}"
    text += " severity=\(a.labels["severity"] ?? "") value=\(a.annotations["value"] ?? "-")"
    text += " threshold=\(a.annotations["threshold"] ?? "-")"
    if a.status == .resolved, let end = a.endsAtMs {
      text += " after \(DurationText.format(max(0, end - a.startsAtMs) / 1000 * 1000))"
      if a.foldedIn {
        text +=
          " (fired at \(Timestamp.formatRFC3339(a.startsAtMs)) within the incident already announced: folded in)"
      }
    }
    // Labels and summaries come from input (a model name is any string): one line, always.
    return TerminalText.escape(text + (a.status == .firing ? ": \(a.annotations["summary"] ?? "")" : ""))
  }
}
