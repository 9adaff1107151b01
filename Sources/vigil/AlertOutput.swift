import ArgumentParser
import VigilCore
import VigilRules

/// Output formats of commands that print alerts.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
  case text, json
}

/// How transitions are printed: a line for people, or a JSON object per line for pipelines.
enum AlertOutput {
  static func labelsText(_ labels: [String: String]) -> String {
    let shown = labels.filter { $0.key != "alertname" && $0.key != "severity" }.sorted { $0.key < $1.key }
    return "{" + shown.map { "\($0.key)=\($0.value)" }.joined(separator: ",") + "}"
  }

  static func line(_ t: AlertTransition, rule: AlertRule?, format: OutputFormat) -> String {
    let metric = rule?.metric
    switch format {
    case .text:
      let state = t.kind.rawValue.uppercased()
      let value = metric?.format(t.value) ?? "\(t.value ?? 0)"
      let threshold = metric?.format(t.threshold) ?? "\(t.threshold)"
      var text = "\(Timestamp.formatRFC3339(t.atMs)) \(state) \(t.key.rule)\(labelsText(t.labels))"
      text += " severity=\(t.labels["severity"] ?? "") value=\(value) threshold=\(threshold)"
      if t.kind == .resolved, let fired = t.firedAtMs {
        text += " after \(DurationText.format(max(0, t.atMs - fired) / 1000 * 1000))"
      }
      return text + (t.kind == .firing ? ": \(t.summary)" : "")
    case .json:
      var fields = [
        "\"at\":\(JSONText.quote(Timestamp.formatRFC3339(t.atMs)))",
        "\"rule\":\(JSONText.quote(t.key.rule))",
        "\"metric\":\(JSONText.quote(t.metric))",
        "\"state\":\(JSONText.quote(t.kind.rawValue))",
        "\"labels\":{"
          + t.labels.sorted { $0.key < $1.key }.map {
            "\(JSONText.quote($0.key)):\(JSONText.quote($0.value))"
          }
          .joined(separator: ",") + "}",
        "\"value\":\(t.value.map(JSONText.number) ?? "null")",
        "\"threshold\":\(JSONText.number(t.threshold))",
        "\"summary\":\(JSONText.quote(t.summary))",
        "\"description\":\(JSONText.quote(t.description))",
      ]
      if let fired = t.firedAtMs {
        fields.append("\"fired_at\":\(JSONText.quote(Timestamp.formatRFC3339(fired)))")
      }
      return "{" + fields.joined(separator: ",") + "}"
    }
  }

  /// Loads rules or prints every error (one line each) and exits 2.
  static func loadRules(_ path: String) throws -> RuleSet {
    do {
      return try RulesLoader.load(path: path)
    } catch {
      for e in error.errors { Console.error(e.description) }
      throw ExitCode(2)
    }
  }
}

/// Options shared by commands that read alerts.yaml.
struct RulesOptions: ParsableArguments {
  @Option(name: .long, help: "The rules file.")
  var rules = "alerts.yaml"
}

/// Parses an RFC 3339 time or a Unix time in seconds.
func parseTime(_ text: String) -> Int64? {
  if let ms = Timestamp.parseRFC3339(text) { return ms }
  if let s = Double(text), s >= 0 { return Int64(s * 1000) }
  return nil
}
