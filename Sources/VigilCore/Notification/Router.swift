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

  /// Resolves, at `atMs`, the firing alerts of rules not in `names` (removed from alerts.yaml or
  /// renamed, by a reload or between cron runs): nothing evaluates them any more, and a group
  /// must neither repeat them forever nor leave the channel believing they still fire.
  package mutating func resolveAlerts(ofRulesNotIn names: Set<String>, atMs: Int64) {
    for (id, group) in groups {
      for (fingerprint, alert) in group.alerts where alert.status == .firing && !names.contains(alert.name) {
        var resolved = alert
        resolved.status = .resolved
        resolved.endsAtMs = atMs
        groups[id]!.alerts[fingerprint] = resolved
      }
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
  /// firing alert, a resolve; for a folded group, an incident that starts or ends) at its next
  /// flush, or a still-firing group at its repeat. Alerts muted at `atMs` (silenced or inhibited)
  /// are no news. `nil` when no group has anything to send, so a daemon need not wake for it.
  package func nextFlushMs(
    atMs: Int64 = .min, silences: [Silence] = [], inhibitRules: [InhibitRule] = [],
    inhibitors: [InhibitRule.Source] = []
  ) -> Int64? {
    let muted = { (a: NotifiedAlert) in
      silences.contains { $0.mutes(a.labels, atMs: atMs) }
        || InhibitRule.mutes(a.labels, rules: inhibitRules, sources: inhibitors, atMs: atMs)
    }
    return groups.values.compactMap { g -> Int64? in
      let anyFiring = g.alerts.values.contains { $0.status == .firing }
      let unmutedFiring = g.alerts.values.contains { $0.status == .firing && !muted($0) }
      let hasNews =
        receivers[g.receiver]?.routing.fold == true
        // Folded: news is an incident that starts or ends; joiners wait for those.
        ? !g.flushed || (g.notifiedFiring.isEmpty ? unmutedFiring : !anyFiring)
        : !g.flushed
          || g.alerts.values.contains {
            ($0.status == .resolved && g.notifiedFiring.contains($0.fingerprint))
              || ($0.status == .firing && !g.notifiedFiring.contains($0.fingerprint) && !muted($0))
          }
      if hasNews { return g.nextFlushMs }
      guard let repeatMs = receivers[g.receiver]?.routing.repeatIntervalMs, repeatMs > 0,
        let last = g.lastNotifiedMs
      else { return nil }
      return max(g.nextFlushMs, last + repeatMs)
    }.min()
  }

  /// The messages due at `atMs`. `flushNewGroups` ends every group wait now: `check` passes it,
  /// because one cron run has already gathered all the alerts it will see. Alerts silenced, or
  /// inhibited by `inhibitors` under `inhibitRules`, are left out of messages.
  package mutating func flush(
    atMs: Int64, silences: [Silence] = [], flushNewGroups: Bool = false, inhibitRules: [InhibitRule] = [],
    inhibitors: [InhibitRule.Source] = []
  ) -> [AlertNotification] {
    var out: [AlertNotification] = []
    for id in groups.keys.sorted() {
      var group = groups[id]!
      guard group.nextFlushMs <= atMs || (flushNewGroups && !group.flushed) else { continue }
      guard let receiver = receivers[id.receiver] else {
        groups[id] = nil  // the receiver was removed from the configuration
        continue
      }
      let muted = { (a: NotifiedAlert) in
        silences.contains { $0.mutes(a.labels, atMs: atMs) }
          || InhibitRule.mutes(a.labels, rules: inhibitRules, sources: inhibitors, atMs: atMs)
      }
      let message =
        receiver.routing.fold
        ? flushFolded(&group, receiver: receiver, atMs: atMs, muted: muted)
        : flushChanges(&group, receiver: receiver, atMs: atMs, muted: muted)
      if let message { out.append(message) }
      group.flushed = true
      group.nextFlushMs = atMs + receiver.routing.groupIntervalMs
      groups[id] = group.alerts.isEmpty ? nil : group
    }
    return out
  }

  static func sorted(_ alerts: [NotifiedAlert]) -> [NotifiedAlert] {
    alerts.sorted { LabelSetText.format($0.labels) < LabelSetText.format($1.labels) }
  }

  /// Alertmanager's flush: a message when the group gains a firing alert or loses one (a resolve),
  /// or when a firing group is due for its repeat.
  func flushChanges(
    _ group: inout AlertGroup, receiver: Receiver, atMs: Int64, muted: (NotifiedAlert) -> Bool
  ) -> AlertNotification? {
    let firing = group.alerts.values.filter { $0.status == .firing && !muted($0) }
    let firingSet = Set(firing.map(\.fingerprint))
    // A resolve is news only for an alert whose firing was sent.
    let resolved = group.alerts.values.filter {
      $0.status == .resolved && group.notifiedFiring.contains($0.fingerprint)
    }
    let changed =
      !firingSet.isSubset(of: group.notifiedFiring) || (receiver.sendResolved && !resolved.isEmpty)
    var message: AlertNotification?
    if changed || repeatDue(group, receiver: receiver, atMs: atMs, firing: !firing.isEmpty) {
      var alerts = Self.sorted(firing)
      if receiver.sendResolved { alerts += Self.sorted(resolved) }
      message = AlertNotification(
        receiver: group.receiver, groupLabels: group.labels, alerts: alerts, atMs: atMs)
      group.lastNotifiedMs = atMs
      group.notifiedFiring = firingSet
    } else {
      group.notifiedFiring.subtract(resolved.map(\.fingerprint))
    }
    group.alerts = group.alerts.filter { $0.value.status == .firing }
    return message
  }

  /// The folded flush (`fold`): one message when the group starts firing, alerts that join later
  /// folded into the incident, one message when every alert of it has resolved, listing them all.
  func flushFolded(
    _ group: inout AlertGroup, receiver: Receiver, atMs: Int64, muted: (NotifiedAlert) -> Bool
  ) -> AlertNotification? {
    let firing = group.alerts.values.filter { $0.status == .firing && !muted($0) }
    let incidentOpen = !group.notifiedFiring.isEmpty
    var message: AlertNotification?
    if !incidentOpen {
      group.alerts = group.alerts.filter { $0.value.status == .firing }
      guard !firing.isEmpty else { return nil }
      message = AlertNotification(
        receiver: group.receiver, groupLabels: group.labels, alerts: Self.sorted(firing), atMs: atMs)
      group.lastNotifiedMs = atMs
      group.notifiedFiring = Set(firing.map(\.fingerprint))
      return message
    }
    // An incident in progress: joiners are part of it, without a message of their own.
    group.notifiedFiring.formUnion(firing.map(\.fingerprint))
    // It is over when nothing in the group fires any more, muted or not.
    let over = !group.alerts.values.contains { $0.status == .firing }
    if over {
      // Alerts that fired after the incident was last announced were never named: the closing
      // message says they were folded in, so that no all-clear is heard for an unheard alarm.
      let announcedUntil = group.lastNotifiedMs ?? .min
      let resolved = group.alerts.values.filter { group.notifiedFiring.contains($0.fingerprint) }.map {
        var alert = $0
        alert.foldedIn = alert.startsAtMs > announcedUntil
        return alert
      }
      if receiver.sendResolved && !resolved.isEmpty {
        message = AlertNotification(
          receiver: group.receiver, groupLabels: group.labels, alerts: Self.sorted(resolved), atMs: atMs)
        group.lastNotifiedMs = atMs
      }
      group.notifiedFiring = []
      group.alerts = [:]
    } else if repeatDue(group, receiver: receiver, atMs: atMs, firing: !firing.isEmpty) {
      message = AlertNotification(
        receiver: group.receiver, groupLabels: group.labels, alerts: Self.sorted(firing), atMs: atMs)
      group.lastNotifiedMs = atMs
    }
    // Resolved alerts of an open incident stay, for the message that closes it.
    return message
  }

  func repeatDue(_ group: AlertGroup, receiver: Receiver, atMs: Int64, firing: Bool) -> Bool {
    firing && receiver.routing.repeatIntervalMs > 0
      && atMs - (group.lastNotifiedMs ?? atMs) >= receiver.routing.repeatIntervalMs
  }
}
