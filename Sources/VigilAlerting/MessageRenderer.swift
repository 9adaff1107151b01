import Foundation
import VigilConfig
package import VigilCore

/// Renders a notification into the exact bytes its receiver gets, at the moment it is queued.
package struct MessageRenderer: Sendable {
  package var externalURL: String
  /// The sender's clock for email `Date` headers (ms since the epoch).
  package var nowMs: Int64

  package init(externalURL: String, nowMs: Int64) {
    self.externalURL = externalURL
    self.nowMs = nowMs
  }

  /// The outbox message for `n` to `receiver`. Throws only for a user template that cannot be
  /// compiled, which the rules loader has already refused.
  /// The messages of a notification: one, or for an Alertmanager one per replica (each gets it).
  package func renderAll(_ n: AlertNotification, for receiver: Receiver) throws -> [OutboxMessage] {
    let message = try render(n, for: receiver)
    guard case .alertmanager(let a) = receiver.kind else { return [message] }
    return a.urls.indices.map { i in
      var m = message
      m.groupKey = AlertmanagerReceiver.groupKey(replica: i)
      return m
    }
  }

  package func render(_ n: AlertNotification, for receiver: Receiver) throws -> OutboxMessage {
    let (contentType, body): (String, String)
    switch receiver.kind {
    case .stdout(let json):
      contentType = json ? "application/x-ndjson" : "text/plain"
      body = n.alerts.map { AlertLine.format($0, json: json) + "\n" }.joined()
    case .webhook(let w):
      let limited = Self.limit(n, to: w.maxAlerts)
      switch w.format {
      case .alertmanager:
        (contentType, body) = ("application/json", alertmanager(limited.0, truncated: limited.1))
      case .slack: (contentType, body) = ("application/json", slack(n))
      case .discord: (contentType, body) = ("application/json", discord(n))
      case .teams: (contentType, body) = ("application/json", teams(n))
      case .template:
        let json = w.contentType.lowercased().contains("json")
        let template = try MessageTemplate(w.template ?? "", json: json)
        (contentType, body) = (w.contentType, template.render(limited.0, externalURL: externalURL))
      }
    case .email(let e):
      contentType = "message/rfc822"
      body = EmailMessage(notification: n, receiver: e, externalURL: externalURL, dateMs: nowMs).text
    case .alertmanager(let a):
      // A notification sent to an Alertmanager (`vigil notify test`) is a push of its alerts.
      contentType = "application/json"
      body = AlertPipeline.pushBody(
        n.alerts.map {
          AlertPipeline.PushedAlert(
            labels: $0.labels, annotations: $0.annotations, startsAtMs: $0.startsAtMs,
            endsAtMs: $0.endsAtMs ?? a.endsAtMs(firingAtMs: nowMs, evaluationIntervalMs: 0))
        }, externalURL: externalURL)
    }
    return OutboxMessage(
      receiver: n.receiver, groupKey: n.groupKey, status: n.status, alertCount: n.alerts.count,
      title: n.title,
      contentType: contentType, body: Array(body.utf8))
  }

  /// The notification with at most `max` alerts (0: all), and how many were left out.
  static func limit(_ n: AlertNotification, to max: Int) -> (AlertNotification, Int) {
    guard max > 0, n.alerts.count > max else { return (n, 0) }
    var cut = n
    cut.alerts = Array(n.alerts.prefix(max))
    return (cut, n.alerts.count - max)
  }

  func link(_ alertname: String) -> String {
    "\(externalURL)/?alert=\(URLText.percentEncode(alertname))"
  }

  /// `s` cut to at most `max` characters, ending in `…` when cut.
  static func cut(_ s: String, _ max: Int) -> String {
    s.count <= max ? s : String(s.prefix(max - 1)) + "…"
  }

  // MARK: Alertmanager (webhook payload version 4)

  func alertmanager(_ n: AlertNotification, truncated: Int) -> String {
    let alerts: [JSONValue] = n.alerts.map { a in
      [
        "status": .string(a.status.rawValue), "labels": .labels(a.labels),
        "annotations": .labels(a.annotations),
        "startsAt": .string(Timestamp.formatRFC3339(a.startsAtMs)),
        "endsAt": .string(a.endsAtMs.map(Timestamp.formatRFC3339) ?? "0001-01-01T00:00:00Z"),
        "generatorURL": .string(link(a.name)), "fingerprint": .string(a.fingerprint),
      ]
    }
    let payload: JSONValue = [
      "receiver": .string(n.receiver), "status": .string(n.status.rawValue), "alerts": .array(alerts),
      "groupLabels": .labels(n.groupLabels), "commonLabels": .labels(n.commonLabels),
      "commonAnnotations": .labels(n.commonAnnotations), "externalURL": .string(externalURL), "version": "4",
      "groupKey": .string("{}:" + n.groupKey), "truncatedAlerts": .number(Double(truncated)),
    ]
    return payload.text
  }

  // MARK: Slack

  static func slackColor(_ n: AlertNotification) -> String {
    if n.status == .resolved { return "#2EB67D" }
    switch n.severity {
    case "critical": return "#E01E5A"
    case "warning": return "#ECB22E"
    default: return "#439FE0"
    }
  }

  /// Slack's mrkdwn needs `&`, `<` and `>` escaped; labels are user input.
  static func slackEscape(_ s: String) -> String {
    s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
      .replacingOccurrences(of: ">", with: "&gt;")
  }

  /// Blocks in an attachment, so that the message carries its severity's colour: a header, a
  /// section per alert (at most 20, within Slack's 50 blocks), and a context line.
  func slack(_ n: AlertNotification) -> String {
    let shown = 20
    var blocks: [JSONValue] = [
      ["type": "header", "text": ["type": "plain_text", "text": .string(Self.cut(n.title, 150))]]
    ]
    for a in n.alerts.prefix(shown) {
      let state = a.stateText
      var text =
        "*\(state)* `\(Self.slackEscape(a.name))` \(Self.slackEscape(a.annotations["summary"] ?? ""))"
      if let d = a.annotations["description"], !d.isEmpty { text += "\n" + Self.slackEscape(d) }
      var fields: [JSONValue] = [
        ["type": "mrkdwn", "text": .string("*Value*\n\(Self.slackEscape(a.annotations["value"] ?? "-"))")],
        [
          "type": "mrkdwn",
          "text": .string("*Threshold*\n\(Self.slackEscape(a.annotations["threshold"] ?? "-"))"),
        ],
      ]
      let scope = a.labels.filter { !["alertname", "severity"].contains($0.key) }.sorted { $0.key < $1.key }
        .map { "\($0.key)=\($0.value)" }.joined(separator: " ")
      if !scope.isEmpty {
        fields.append([
          "type": "mrkdwn", "text": .string("*Labels*\n\(Self.slackEscape(Self.cut(scope, 1900)))"),
        ])
      }
      let since = a.status == .firing ? "*Since*" : "*Resolved*"
      fields.append([
        "type": "mrkdwn", "text": .string("\(since)\n\(Timestamp.formatRFC3339(a.endsAtMs ?? a.startsAtMs))"),
      ])
      blocks.append([
        "type": "section", "text": ["type": "mrkdwn", "text": .string(Self.cut(text, 3000))],
        "fields": .array(fields),
      ])
    }
    var context = "Vigil · <\(externalURL)|open the dashboard>"
    if n.alerts.count > shown { context = "and \(n.alerts.count - shown) more alerts · " + context }
    blocks.append(["type": "context", "elements": [["type": "mrkdwn", "text": .string(context)]]])
    let payload: JSONValue = [
      "text": .string(Self.slackEscape(n.title)),
      "attachments": [
        ["color": .string(Self.slackColor(n)), "fallback": .string(n.title), "blocks": .array(blocks)]
      ],
    ]
    return payload.text
  }

  // MARK: Discord

  /// Discord's limits: content 2,000 characters; at most 10 embeds and 6,000 characters across
  /// them; a title 256, a description 4,096, a field's name 256 and value 1,024.
  package enum DiscordLimits {
    package static let content = 2000
    package static let embeds = 10
    package static let embedTotal = 6000
    package static let title = 256
    package static let description = 4096
    package static let fieldValue = 1024
  }

  static func discordColor(_ n: AlertNotification, _ a: NotifiedAlert) -> Double {
    if a.status == .resolved { return 0x2EB6_7D }
    switch a.labels["severity"] ?? n.severity {
    case "critical": return 0xE01E_5A
    case "warning": return 0xECB2_2E
    default: return 0x439F_E0
    }
  }

  func discord(_ n: AlertNotification) -> String {
    var embeds: [JSONValue] = []
    var total = 0
    var shown = 0
    for a in n.alerts.prefix(DiscordLimits.embeds) {
      let scope = a.labels.filter { !["alertname", "severity"].contains($0.key) }.sorted { $0.key < $1.key }
        .map { "\($0.key)=\($0.value)" }.joined(separator: " ")
      let title = Self.cut(
        "\(a.stateText) \(a.name) \(scope)", DiscordLimits.title)
      var description = a.annotations["summary"] ?? ""
      if let d = a.annotations["description"], !d.isEmpty { description += "\n" + d }
      description = Self.cut(description, 1500)
      let value = Self.cut(a.annotations["value"] ?? "-", DiscordLimits.fieldValue)
      let threshold = Self.cut(a.annotations["threshold"] ?? "-", DiscordLimits.fieldValue)
      let size =
        title.count + description.count + "Value".count + value.count + "Threshold".count + threshold.count
      guard total + size <= DiscordLimits.embedTotal else { break }
      total += size
      shown += 1
      embeds.append([
        "title": .string(title), "description": .string(description), "url": .string(link(a.name)),
        "color": .number(Self.discordColor(n, a)),
        "fields": [
          ["name": "Value", "value": .string(value), "inline": true],
          ["name": "Threshold", "value": .string(threshold), "inline": true],
        ],
        "timestamp": .string(Timestamp.formatRFC3339(a.endsAtMs ?? a.startsAtMs)),
      ])
    }
    var content = "**\(n.title)**"
    if n.alerts.count > shown { content += "\n… and \(n.alerts.count - shown) more: \(externalURL)" }
    let payload: JSONValue = [
      "content": .string(Self.cut(content, DiscordLimits.content)), "embeds": .array(embeds),
      // Labels are user input: never let one ping @everyone or a role.
      "allowed_mentions": ["parse": []],
    ]
    return payload.text
  }

  // MARK: Microsoft Teams (Adaptive Card through a workflow webhook)

  func teams(_ n: AlertNotification) -> String {
    let color = n.status == .resolved ? "Good" : (n.severity == "critical" ? "Attention" : "Warning")
    var body: [JSONValue] = [
      [
        "type": "TextBlock", "size": "Large", "weight": "Bolder", "wrap": true, "color": .string(color),
        "text": .string(n.title),
      ]
    ]
    let shown = 20
    for a in n.alerts.prefix(shown) {
      body.append([
        "type": "TextBlock", "wrap": true, "weight": "Bolder", "separator": true,
        "text": .string("\(a.stateText): \(a.name)"),
      ])
      if let s = a.annotations["summary"], !s.isEmpty {
        body.append(["type": "TextBlock", "wrap": true, "text": .string(s)])
      }
      var facts: [JSONValue] = [
        ["title": "Value", "value": .string(a.annotations["value"] ?? "-")],
        ["title": "Threshold", "value": .string(a.annotations["threshold"] ?? "-")],
      ]
      for (k, v) in a.labels.sorted(by: { $0.key < $1.key }) where k != "alertname" {
        facts.append(["title": .string(k), "value": .string(v)])
      }
      facts.append([
        "title": .string(a.status == .firing ? "Since" : "Resolved"),
        "value": .string(Timestamp.formatRFC3339(a.endsAtMs ?? a.startsAtMs)),
      ])
      body.append(["type": "FactSet", "facts": .array(facts)])
    }
    if n.alerts.count > shown {
      body.append([
        "type": "TextBlock", "wrap": true, "isSubtle": true,
        "text": .string("… and \(n.alerts.count - shown) more"),
      ])
    }
    let card: JSONValue = [
      "$schema": "http://adaptivecards.io/schemas/adaptive-card.json", "type": "AdaptiveCard",
      "version": "1.4",
      "msteams": ["width": "Full"], "body": .array(body),
      "actions": [["type": "Action.OpenUrl", "title": "Open Vigil", "url": .string(externalURL)]],
    ]
    let payload: JSONValue = [
      "type": "message",
      "attachments": [
        ["contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": .null, "content": card]
      ],
    ]
    return payload.text
  }
}
