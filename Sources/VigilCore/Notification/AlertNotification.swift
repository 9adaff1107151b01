/// One message to one receiver: a group's alerts at the moment it was flushed.
package struct AlertNotification: Sendable, Equatable {
  package var receiver: String
  /// `{alertname="HighErrorRate", provider="openai"}`: the group's labels, as Alertmanager writes them.
  package var groupKey: String
  package var groupLabels: [String: String]
  /// Firing alerts first, then resolved ones; each part sorted by labels.
  package var alerts: [NotifiedAlert]
  package var atMs: Int64

  package init(receiver: String, groupLabels: [String: String], alerts: [NotifiedAlert], atMs: Int64) {
    self.receiver = receiver
    self.groupKey = LabelSetText.format(groupLabels)
    self.groupLabels = groupLabels
    self.alerts = alerts
    self.atMs = atMs
  }

  package var firing: [NotifiedAlert] { alerts.filter { $0.status == .firing } }
  package var resolved: [NotifiedAlert] { alerts.filter { $0.status == .resolved } }

  /// `firing` when any alert fires, else `resolved`.
  package var status: NotifiedAlert.Status { alerts.contains { $0.status == .firing } ? .firing : .resolved }

  /// Labels every alert shares with the same value.
  package var commonLabels: [String: String] { Self.common(alerts.map(\.labels)) }
  package var commonAnnotations: [String: String] { Self.common(alerts.map(\.annotations)) }

  static func common(_ maps: [[String: String]]) -> [String: String] {
    guard var out = maps.first else { return [:] }
    for m in maps.dropFirst() { out = out.filter { m[$0.key] == $0.value } }
    return out
  }

  /// The highest severity among the alerts: `critical`, then `warning`, then anything else.
  package var severity: String {
    let all = Set(alerts.map { $0.labels["severity"] ?? "" })
    if all.contains("critical") { return "critical" }
    if all.contains("warning") { return "warning" }
    return all.sorted().last ?? ""
  }

  /// One line that says what fires where: `[FIRING:2] HighErrorRate, ServerErrors (provider=openai)`.
  package var title: String {
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
