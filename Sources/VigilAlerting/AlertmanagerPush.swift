import VigilCore
import VigilStore

/// Alerts pushed to Alertmanagers (receivers of `type: alertmanager`), as Prometheus pushes them:
/// every firing alert with `endsAt` a few resend periods ahead, re-sent while it fires; a resolved
/// alert with its real `endsAt`, re-sent for 15 minutes; values in annotations, never in labels
/// (a label that changes would make a new alert). A push goes to every replica, through the
/// outbox (retried with backoff), and replaces that replica's push still waiting there: each
/// carries the whole current set.
extension AlertPipeline {
  /// The receivers the router notifies (Alertmanagers group and notify by themselves).
  var routedReceivers: [Receiver] {
    rules.receivers.filter {
      if case .alertmanager = $0.kind { return false }
      return true
    }
  }

  /// One alert of a push.
  package struct PushedAlert: Sendable, Equatable {
    package var labels: [String: String]
    package var annotations: [String: String]
    package var startsAtMs: Int64
    package var endsAtMs: Int64
  }

  /// The pushes due after an evaluation at `atMs`: for each Alertmanager receiver, when an alert
  /// routed to it fired or resolved in `transitions`, or when its last push is `resend_delay` old
  /// and it has alerts to send. Marks each push's time in the store.
  func alertmanagerPushes(
    store: Store, evaluation: Evaluation, transitions: [AlertTransition], atMs t: Int64
  ) throws -> [OutboxMessage] {
    var messages: [OutboxMessage] = []
    for receiver in rules.receivers {
      guard case .alertmanager(let am) = receiver.kind else { continue }
      let routed = { (rule: String) in self.byName[rule]?.receivers.contains(receiver.name) ?? false }
      let key = "alertmanager_pushed_ms:" + receiver.name
      let last = try store.meta(key).flatMap { Int64($0) }
      let changed = transitions.contains { $0.isAnnounced && routed($0.key.rule) }
      // Runs further apart than the resend delay (`check` from cron) stretch `endsAt` to match.
      let cadence = max(rules.evaluationIntervalMs, am.resendDelayMs, last.map { t - $0 } ?? 0)
      let alerts = try pushedAlerts(
        store: store, evaluation: evaluation, transitions: transitions, atMs: t, routed: routed,
        endsAtMs: t + 4 * cadence, sendResolved: receiver.sendResolved)
      let due = changed || (!alerts.isEmpty && (last.map { t - $0 >= am.resendDelayMs } ?? true))
      guard due, !alerts.isEmpty else { continue }
      let body = Array(Self.pushBody(alerts, externalURL: rules.externalURL).utf8)
      let firing = alerts.filter { $0.endsAtMs > t }.count
      for i in am.urls.indices {
        let groupKey = AlertmanagerReceiver.groupKey(replica: i)
        try store.supersedePending(receiver: receiver.name, groupKey: groupKey)
        messages.append(
          OutboxMessage(
            receiver: receiver.name, groupKey: groupKey, status: firing > 0 ? .firing : .resolved,
            alertCount: alerts.count,
            title: "\(firing) firing, \(alerts.count - firing) resolved, to Alertmanager \(groupKey)",
            contentType: "application/json", body: body))
      }
      try store.setMeta(key, String(t))
    }
    return messages
  }

  /// What a push carries at `t`: the routed alerts that fire, and those that resolved in the last
  /// 15 minutes and do not fire again.
  func pushedAlerts(
    store: Store, evaluation: Evaluation, transitions: [AlertTransition], atMs t: Int64,
    routed: (String) -> Bool, endsAtMs: Int64, sendResolved: Bool
  ) throws -> [PushedAlert] {
    var out: [PushedAlert] = []
    var firing: Set<String> = []
    for g in evaluation.groups where g.phase == .firing && routed(g.key.rule) {
      guard let rule = byName[g.key.rule] else { continue }
      // The group's window and budget, as the firing message had them: no hole in the text.
      let context = g.context(rule)
      let annotations = [
        "summary": Template.render(rule.summary, context),
        "description": Template.render(rule.description, context),
        "value": rule.metric.messageText(g.value), "threshold": rule.metric.format(rule.threshold),
      ]
      let started = evaluation.states[g.key]?.firedAtMs ?? t
      out.append(
        PushedAlert(labels: g.labels, annotations: annotations, startsAtMs: started, endsAtMs: endsAtMs))
      firing.insert(LabelFingerprint.of(g.labels))
    }
    guard sendResolved else { return out }
    // Resolves stored, then this run's (not saved yet), strictly within the 15 minutes, as
    // Prometheus keeps them.
    var resolved: [String: PushedAlert] = [:]
    let since = t - AlertmanagerReceiver.resolvedResendMs
    func resolve(
      _ rule: String, _ labels: [String: String], _ summary: String, _ description: String, firedAt: Int64?,
      at: Int64, value: Double?, threshold: Double
    ) {
      let fingerprint = LabelFingerprint.of(labels)
      guard routed(rule), !firing.contains(fingerprint) else { return }
      let metric = byName[rule]?.metric
      resolved[fingerprint] = PushedAlert(
        labels: labels,
        annotations: [
          "summary": summary, "description": description,
          "value": metric?.messageText(value) ?? (value.map(formatPlain) ?? "no data"),
          "threshold": metric?.format(threshold) ?? formatPlain(threshold),
        ], startsAtMs: firedAt ?? at, endsAtMs: at)
    }
    for r in try store.transitions(fromMs: since + 1, toMs: t + 1) where r.kind == "resolved" {
      resolve(
        r.rule, r.labels, r.summary, r.description, firedAt: r.firedAtMs, at: r.atMs, value: r.value,
        threshold: r.threshold)
    }
    for r in transitions where r.kind == .resolved && r.atMs > since {
      resolve(
        r.key.rule, r.labels, r.summary, r.description, firedAt: r.firedAtMs, at: r.atMs, value: r.value,
        threshold: r.threshold)
    }
    return out
      + resolved.values.sorted {
        ($0.endsAtMs, LabelFingerprint.of($0.labels)) < ($1.endsAtMs, LabelFingerprint.of($1.labels))
      }
  }

  /// Alertmanager API v2's body: a JSON array of alerts.
  package static func pushBody(_ alerts: [PushedAlert], externalURL: String) -> String {
    JSONValue.array(
      alerts.map { a in
        [
          "labels": .labels(a.labels), "annotations": .labels(a.annotations),
          "startsAt": .string(Timestamp.formatRFC3339(a.startsAtMs)),
          "endsAt": .string(Timestamp.formatRFC3339(a.endsAtMs)),
          "generatorURL": .string(
            "\(externalURL)/?alert=\(URLText.percentEncode(a.labels["alertname"] ?? ""))"),
        ]
      }
    ).text
  }
}
