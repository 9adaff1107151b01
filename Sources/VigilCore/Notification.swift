/// An alert as notifications carry it: labels, annotations, and when it started and ended.
public struct NotifiedAlert: Sendable, Equatable {
  public enum Status: String, Sendable {
    case firing, resolved
  }

  /// A stable identity of the label set (16 hex digits), as Alertmanager's.
  public var fingerprint: String
  public var labels: [String: String]
  /// `summary`, `description`, `value` and `threshold` (formatted as people read them).
  public var annotations: [String: String]
  public var status: Status
  public var startsAtMs: Int64
  /// When it resolved; `nil` while firing.
  public var endsAtMs: Int64?
  /// The rule's metric, and the value and threshold as numbers (rates as fractions, latency in ms).
  public var metric: String
  public var value: Double?
  public var threshold: Double

  public init(
    labels: [String: String], annotations: [String: String], status: Status, startsAtMs: Int64,
    endsAtMs: Int64? = nil, metric: String = "", value: Double? = nil, threshold: Double = 0
  ) {
    self.fingerprint = Fingerprint.of(labels)
    self.labels = labels
    self.annotations = annotations
    self.status = status
    self.startsAtMs = startsAtMs
    self.endsAtMs = endsAtMs
    self.metric = metric
    self.value = value
    self.threshold = threshold
  }

  /// The alert of an announced transition (`firing` or `resolved`); `nil` for the others.
  public init?(_ t: AlertTransition, format: (Double?) -> String = { $0.map(formatPlain) ?? "-" }) {
    let status: Status
    switch t.kind {
    case .firing: status = .firing
    case .resolved: status = .resolved
    case .pending, .cancelled: return nil
    }
    var annotations = ["summary": t.summary, "description": t.description, "value": format(t.value)]
    annotations["threshold"] = format(t.threshold)
    self.init(
      labels: t.labels, annotations: annotations, status: status,
      startsAtMs: status == .firing ? t.atMs : (t.firedAtMs ?? t.atMs),
      endsAtMs: status == .resolved ? t.atMs : nil, metric: t.metric, value: t.value, threshold: t.threshold)
  }

  /// The alert's name (its `alertname` label).
  public var name: String { labels["alertname"] ?? "" }
}

/// Fingerprints of label sets: FNV-1a over the sorted pairs, as 16 hex digits.
public enum Fingerprint {
  public static func of(_ labels: [String: String]) -> String {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    func mix(_ s: String) {
      for b in s.utf8 {
        h ^= UInt64(b)
        h = h &* 0x100_0000_01b3
      }
    }
    for (k, v) in labels.sorted(by: { $0.key < $1.key }) {
      mix(k)
      mix("\u{1}")
      mix(v)
      mix("\u{2}")
    }
    let hex = String(h, radix: 16)
    return String(repeating: "0", count: 16 - hex.count) + hex
  }
}

/// One message to one receiver: a group's alerts at the moment it was flushed.
public struct AlertNotification: Sendable, Equatable {
  public var receiver: String
  /// `{alertname="HighErrorRate", provider="openai"}`: the group's labels, as Alertmanager writes them.
  public var groupKey: String
  public var groupLabels: [String: String]
  /// Firing alerts first, then resolved ones; each part sorted by labels.
  public var alerts: [NotifiedAlert]
  public var atMs: Int64

  public init(receiver: String, groupLabels: [String: String], alerts: [NotifiedAlert], atMs: Int64) {
    self.receiver = receiver
    self.groupKey = LabelSetText.format(groupLabels)
    self.groupLabels = groupLabels
    self.alerts = alerts
    self.atMs = atMs
  }

  public var firing: [NotifiedAlert] { alerts.filter { $0.status == .firing } }
  public var resolved: [NotifiedAlert] { alerts.filter { $0.status == .resolved } }

  /// `firing` when any alert fires, else `resolved`.
  public var status: NotifiedAlert.Status { alerts.contains { $0.status == .firing } ? .firing : .resolved }

  /// Labels every alert shares with the same value.
  public var commonLabels: [String: String] { Self.common(alerts.map(\.labels)) }
  public var commonAnnotations: [String: String] { Self.common(alerts.map(\.annotations)) }

  static func common(_ maps: [[String: String]]) -> [String: String] {
    guard var out = maps.first else { return [:] }
    for m in maps.dropFirst() { out = out.filter { m[$0.key] == $0.value } }
    return out
  }

  /// The highest severity among the alerts: `critical`, then `warning`, then anything else.
  public var severity: String {
    let all = Set(alerts.map { $0.labels["severity"] ?? "" })
    if all.contains("critical") { return "critical" }
    if all.contains("warning") { return "warning" }
    return all.sorted().last ?? ""
  }

  /// One line that says what fires where: `[FIRING:2] HighErrorRate, ServerErrors (provider=openai)`.
  public var title: String {
    let names = Array(Set(alerts.map(\.name))).sorted()
    let shown =
      names.count > 3
      ? names.prefix(3).joined(separator: ", ") + " and \(names.count - 3) more"
      : names.joined(separator: ", ")
    let scope = groupLabels.filter { $0.key != "alertname" }.sorted { $0.key < $1.key }
      .map { "\($0.key)=\($0.value)" }.joined(separator: " ")
    let head = status == .firing ? "[FIRING:\(firing.count)]" : "[RESOLVED]"
    return scope.isEmpty ? "\(head) \(shown)" : "\(head) \(shown) (\(scope))"
  }
}

/// Label sets as Prometheus prints them: `{a="1", b="2"}`, names sorted, values escaped.
public enum LabelSetText {
  public static func format(_ labels: [String: String]) -> String {
    "{"
      + labels.sorted { $0.key < $1.key }.map { "\($0.key)=\(quote($0.value))" }.joined(separator: ", ")
      + "}"
  }

  /// A double-quoted string with `\`, `"` and newlines escaped.
  public static func quote(_ s: String) -> String {
    var out = "\""
    for c in s.unicodeScalars {
      switch c {
      case "\\": out += "\\\\"
      case "\"": out += "\\\""
      case "\n": out += "\\n"
      default: out.unicodeScalars.append(c)
      }
    }
    return out + "\""
  }
}
