import VigilCore
import VigilStore

/// Streamed calls in a report and on the dashboard (issue 23): per model, how many streamed, how
/// many failed after their 200 and of which class, and the time to first token; then the failed
/// streams by how they ended and the provider's in-band type. Shown only when something streamed.
extension Report {
  /// The models that streamed in the period, then all of them together.
  var streamGroups: [Group] {
    let streamed = models.filter { $0.rollup.streams > 0 }
    guard !streamed.isEmpty else { return [] }
    return streamed + [Group(provider: "all", model: nil, rollup: total)]
  }

  static let streamHead = [
    "provider/model", "streams", "failed", "failure rate", "failed by class", "ttft p50", "ttft p95",
    "ttft p99",
  ]

  /// One row per ``streamGroups`` entry, as ``streamHead`` names the columns.
  func streamRows() -> [[String]] {
    streamGroups.map { g in
      let r = g.rollup
      let classes = StatusClass.allCases.compactMap { c -> String? in
        let n = r.streamFailures(of: c)
        return n > 0 ? "\(c.rawValue) \(formatCount(n))" : nil
      }
      return [
        g.name, formatCount(r.streams), formatCount(r.streamFailures),
        MetricKind.streamFailureRate(nil).format(MetricKind.streamFailureRate(nil).value(of: r)),
        classes.isEmpty ? "-" : classes.joined(separator: ", "),
      ] + [0.5, 0.95, 0.99].map { Self.ttftText(r.ttft.quantile($0)) }
    }
  }

  /// A time to first token: whole milliseconds below 10 s (first tokens are mostly a fraction of
  /// a second, which "0.89s" would round by up to half a percent), seconds above.
  static func ttftText(_ ms: Double?) -> String {
    guard let ms else { return "-" }
    return ms < 10_000 ? formatFixed(ms, digits: 0) + " ms" : formatFixed(ms / 1000, digits: 2) + "s"
  }

  static let streamTypeHead = ["provider/model", "outcome", "type", "streams"]

  func streamTypeRows() -> [[String]] {
    streamFailureTypes.map {
      ["\($0.provider)/\($0.model)", $0.outcome, $0.type.isEmpty ? "-" : $0.type, formatCount($0.count)]
    }
  }

  /// The streams section of the HTML page, "" when nothing streamed.
  func streamsHTML() -> String {
    let rows = streamRows()
    guard !rows.isEmpty else { return "" }
    let e = HTMLText.escape
    func table(_ id: String, _ head: [String], _ rows: [[String]]) -> String {
      var out = "<table id=\"\(id)\"><tr>"
      out += head.enumerated().map { "<th\($0.offset == 0 ? " class=\"text\"" : "")>\(e($0.element))</th>" }
        .joined()
      out += "</tr>\n"
      for r in rows {
        out +=
          "<tr>"
          + r.enumerated().map { "<td\($0.offset == 0 ? " class=\"text\"" : "")>\(e($0.element))</td>" }
          .joined() + "</tr>\n"
      }
      return out + "</table>\n"
    }
    var out = "<h2 id=\"streams\">Streams: failures after the 200, time to first token</h2>\n"
    out += table("stream-metrics", Self.streamHead, rows)
    if !streamFailureTypes.isEmpty {
      out +=
        "<h3>Failed streams by type</h3>\n" + table("stream-types", Self.streamTypeHead, streamTypeRows())
    }
    return out
  }

  /// The streams section as JSON: per model and in all, and the failures by type.
  var streamsJSON: JSONValue {
    .object([
      (
        "models",
        .array(
          streamGroups.map { g in
            let r = g.rollup
            let classes = StatusClass.allCases.filter { r.streamFailures(of: $0) > 0 }.map {
              ($0.rawValue, JSONValue.number(Double(r.streamFailures(of: $0))))
            }
            let ttft = [0.5, 0.95, 0.99].map { q in
              (MetricKind.ttftQuantile(q).name, r.ttft.quantile(q).map(JSONValue.number) ?? .null)
            }
            return .object(
              [
                ("name", .string(g.name)), ("streams", .number(Double(r.streams))),
                ("failed", .number(Double(r.streamFailures))), ("failed_by_class", .object(classes)),
              ] + ttft)
          })
      ),
      (
        "failures_by_type",
        .array(
          streamFailureTypes.map {
            [
              "provider": .string($0.provider), "model": .string($0.model), "outcome": .string($0.outcome),
              "type": .string($0.type), "count": .number(Double($0.count)),
            ]
          })
      ),
    ])
  }
}
