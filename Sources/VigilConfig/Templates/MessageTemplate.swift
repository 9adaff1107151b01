import Mustache
package import VigilCore

/// A receiver's own message body: a Mustache template over a notification. In a JSON body
/// (the default content type) every `{{ value }}` is JSON-escaped, so an alert's text cannot
/// break the payload; `{{{ value }}}` inserts it raw.
///
/// ```yaml
/// payload: template
/// template: '{"text": "{{ title }}\n{{#alerts}}- {{ summary }}\n{{/alerts}}"}'
/// ```
///
/// Variables: `status`, `receiver`, `title`, `text` (every alert, one per line), `count`,
/// `firing_count`, `resolved_count`, `external_url`, `group_labels`, `common_labels` (maps, e.g.
/// `{{ common_labels.provider }}`), and `alerts`, a list whose items have `status`, `alertname`,
/// `severity`, `summary`, `description`, `value`, `threshold`, `starts_at`, `ends_at`,
/// `fingerprint` and `labels`.
package struct MessageTemplate: Sendable {
  let template: MustacheTemplate

  /// Compiles a template; `json` escapes values for a JSON string, otherwise they are inserted as is.
  package init(_ text: String, json: Bool) throws {
    Self.registerJSON
    template = try MustacheTemplate(
      string: (json ? "{{% CONTENT_TYPE: JSON}}" : "{{% CONTENT_TYPE: TEXT}}") + text)
  }

  /// Why `text` is not a valid template, with its line and column in the template; `nil` if it is.
  package static func problem(in text: String) -> String? {
    do {
      _ = try MessageTemplate(text, json: true)
      return nil
    } catch let e as MustacheTemplate.ParserError {
      return "\(e.error) at line \(e.context.lineNumber), column \(e.context.columnNumber)"
    } catch {
      return "\(error)"
    }
  }

  package func render(_ n: AlertNotification, externalURL: String) -> String {
    template.render(Self.context(n, externalURL: externalURL))
  }

  static func context(_ n: AlertNotification, externalURL: String) -> [String: Any] {
    let alerts: [[String: Any]] = n.alerts.map { a in
      [
        "status": a.status.rawValue, "alertname": a.name, "severity": a.labels["severity"] ?? "",
        "summary": a.annotations["summary"] ?? "", "description": a.annotations["description"] ?? "",
        "value": a.annotations["value"] ?? "", "threshold": a.annotations["threshold"] ?? "",
        "starts_at": Timestamp.formatRFC3339(a.startsAtMs),
        "ends_at": a.endsAtMs.map(Timestamp.formatRFC3339) ?? "", "fingerprint": a.fingerprint,
        "labels": a.labels,
      ]
    }
    let text = n.alerts.map { a in
      "\(a.status == .firing ? "FIRING" : "RESOLVED") \(a.name): \(a.annotations["summary"] ?? "")"
    }.joined(separator: "\n")
    return [
      "status": n.status.rawValue, "receiver": n.receiver, "title": n.title, "text": text,
      "count": n.alerts.count, "firing_count": n.firing.count, "resolved_count": n.resolved.count,
      "external_url": externalURL, "group_labels": n.groupLabels, "common_labels": n.commonLabels,
      "alerts": alerts,
    ]
  }

  /// Registers the JSON content type once: values escaped as the inside of a JSON string.
  static let registerJSON: Void = MustacheContentTypes.register(JSONContent(), named: "JSON")

  struct JSONContent: MustacheContentType {
    func escapeText(_ text: String) -> String { String(JSONText.quote(text).dropFirst().dropLast()) }
  }
}
