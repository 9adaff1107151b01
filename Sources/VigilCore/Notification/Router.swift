/// Turns announced alert transitions into messages per receiver, with Alertmanager's noise
/// control: alerts are grouped by labels, a new group waits `group_wait` for company, a group
/// sends what changed at most every `group_interval`, a group that still fires is repeated after
/// `repeat_interval`, resolves are sent (unless the receiver says not to), and silenced alerts
/// are left out of messages without losing their state.
///
/// A pure state machine: `add` takes transitions, `flush` returns the messages due at a time.
/// Its groups are saved with the evaluation that produced them, so a restart resumes it.
package struct Router: Sendable {
  package struct GroupID: Hashable, Sendable, Comparable {
    package var receiver: String
    package var key: String

    package static func < (a: GroupID, b: GroupID) -> Bool { (a.receiver, a.key) < (b.receiver, b.key) }
  }

  package private(set) var receivers: [String: Receiver]
  package private(set) var groups: [GroupID: AlertGroup] = [:]

  package init(receivers: [Receiver], groups: [AlertGroup] = []) {
    self.receivers = Dictionary(receivers.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
    for g in groups { self.groups[GroupID(receiver: g.receiver, key: g.key)] = g }
  }

  /// Takes an alert that started firing or resolved, for each of `receivers`.
  package mutating func add(_ alert: NotifiedAlert, receivers names: [String], atMs: Int64) {
    for name in names {
      guard let receiver = receivers[name] else { continue }
      var labels: [String: String] = [:]
      for l in receiver.routing.groupBy { if let v = alert.labels[l] { labels[l] = v } }
      let id = GroupID(receiver: name, key: LabelSetText.format(labels))
      if alert.status == .resolved {
        // Only an alert this group holds can resolve in it; one it never saw has nothing to undo.
        guard groups[id]?.alerts[alert.fingerprint] != nil else { continue }
        groups[id]!.alerts[alert.fingerprint] = alert
        continue
      }
      var group =
        groups[id]
        ?? AlertGroup(receiver: name, labels: labels, nextFlushMs: atMs + receiver.routing.groupWaitMs)
      group.alerts[alert.fingerprint] = alert
      groups[id] = group
    }
  }

  /// Takes every announced transition of an evaluation (`firing` and `resolved`).
  package mutating func add(_ transitions: [AlertTransition], format: (AlertTransition) -> NotifiedAlert?) {
    for t in transitions {
      guard let alert = format(t) else { continue }
      add(alert, receivers: t.receivers, atMs: t.atMs)
    }
  }

  /// The earliest time a flush would send something: a group with news (its first message, a new
  /// firing alert, a resolve) at its next flush, or a still-firing group at its repeat. `nil`
  /// when no group has anything to send, so a daemon need not wake for it.
  package var nextFlushMs: Int64? {
    groups.values.compactMap { g -> Int64? in
      let hasNews =
        !g.flushed
        || g.alerts.values.contains { $0.status == .resolved || !g.notifiedFiring.contains($0.fingerprint) }
      if hasNews { return g.nextFlushMs }
      guard let repeatMs = receivers[g.receiver]?.routing.repeatIntervalMs, repeatMs > 0,
        let last = g.lastNotifiedMs
      else { return nil }
      return max(g.nextFlushMs, last + repeatMs)
    }.min()
  }

  /// The messages due at `atMs`. `flushNewGroups` ends every group wait now: `check` passes it,
  /// because one cron run has already gathered all the alerts it will see.
  package mutating func flush(atMs: Int64, silences: [Silence] = [], flushNewGroups: Bool = false)
    -> [AlertNotification]
  {
    var out: [AlertNotification] = []
    for id in groups.keys.sorted() {
      var group = groups[id]!
      guard group.nextFlushMs <= atMs || (flushNewGroups && !group.flushed) else { continue }
      guard let receiver = receivers[id.receiver] else {
        groups[id] = nil  // the receiver was removed from the configuration
        continue
      }
      let muted = { (a: NotifiedAlert) in silences.contains { $0.mutes(a.labels, atMs: atMs) } }
      let firing = group.alerts.values.filter { $0.status == .firing && !muted($0) }
      let firingSet = Set(firing.map(\.fingerprint))
      // A resolve is news only for an alert whose firing was sent.
      let resolved = group.alerts.values.filter {
        $0.status == .resolved && group.notifiedFiring.contains($0.fingerprint)
      }
      let changed =
        !firingSet.isSubset(of: group.notifiedFiring) || (receiver.sendResolved && !resolved.isEmpty)
      let repeatDue =
        !firing.isEmpty && receiver.routing.repeatIntervalMs > 0
        && atMs - (group.lastNotifiedMs ?? atMs) >= receiver.routing.repeatIntervalMs
      if changed || repeatDue {
        let sortKey = { (a: NotifiedAlert) in LabelSetText.format(a.labels) }
        var alerts = firing.sorted { sortKey($0) < sortKey($1) }
        if receiver.sendResolved { alerts += resolved.sorted { sortKey($0) < sortKey($1) } }
        out.append(
          AlertNotification(receiver: id.receiver, groupLabels: group.labels, alerts: alerts, atMs: atMs))
        group.lastNotifiedMs = atMs
        group.notifiedFiring = firingSet
      } else {
        group.notifiedFiring.subtract(resolved.map(\.fingerprint))
      }
      group.alerts = group.alerts.filter { $0.value.status == .firing }
      group.flushed = true
      group.nextFlushMs = atMs + receiver.routing.groupIntervalMs
      groups[id] = group.alerts.isEmpty ? nil : group
    }
    return out
  }
}
