/// An alert as notifications carry it: labels, annotations, and when it started and ended.
package struct NotifiedAlert: Sendable, Equatable {
  package enum Status: String, Sendable {
    case firing, resolved
  }

  /// A stable identity of the label set (16 hex digits), as Alertmanager's.
  package var fingerprint: String
  package var labels: [String: String]
  /// `summary`, `description`, `value` and `threshold` (formatted as people read them).
  package var annotations: [String: String]
  package var status: Status
  package var startsAtMs: Int64
  /// When it resolved; `nil` while firing.
  package var endsAtMs: Int64?
  /// The rule's metric, and the value and threshold as numbers (rates as fractions, latency in ms).
  package var metric: String
  package var value: Double?
  package var threshold: Double
  /// In the message that closes a folded incident (`fold`): the alert joined the incident after
  /// it was last announced, so no message named it while it fired.
  package var foldedIn = false

  package init(
    labels: [String: String], annotations: [String: String], status: Status, startsAtMs: Int64,
    endsAtMs: Int64? = nil, metric: String = "", value: Double? = nil, threshold: Double = 0
  ) {
    self.fingerprint = LabelFingerprint.of(labels)
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
  package init?(_ t: AlertTransition, format: (Double?) -> String = { $0.map(formatPlain) ?? "no data" }) {
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

  /// `FIRING`, `RESOLVED`, or, for an alert folded into an incident without being announced,
  /// `RESOLVED (folded in)`.
  package var stateText: String {
    status == .firing ? "FIRING" : foldedIn ? "RESOLVED (folded in)" : "RESOLVED"
  }

  /// The alert's name (its `alertname` label).
  package var name: String { labels["alertname"] ?? "" }
}
