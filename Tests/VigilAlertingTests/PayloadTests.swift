import Foundation
import Testing
import VigilAlerting
import VigilCore
import VigilTestSupport

/// The exact shapes of what each receiver gets.
@Suite struct PayloadTests {
  static let t0 = AlertFixtures.t0

  func render(
    _ n: AlertNotification, _ format: PayloadFormat, maxAlerts: Int = 0, template: String? = nil,
    contentType: String = "application/json"
  )
    throws -> OutboxMessage
  {
    var w = WebhookReceiver(url: .literal("http://127.0.0.1/"))
    w.format = format
    w.maxAlerts = maxAlerts
    w.template = template
    w.contentType = contentType
    return try MessageRenderer(externalURL: "http://vigil.test:9516", nowMs: Self.t0)
      .render(n, for: Receiver(name: n.receiver, kind: .webhook(w)))
  }

  func json(_ m: OutboxMessage) throws -> [String: Any] {
    try #require(JSONSerialization.jsonObject(with: Data(m.body)) as? [String: Any])
  }

  @Test func alertmanagerVersion4PayloadHasExactlyItsFields() throws {
    let firing = AlertFixtures.alert("HighErrorRate", model: "gpt-4o")
    let resolved = AlertFixtures.alert("HighErrorRate", model: "gpt-4o-mini", resolved: true)
    let m = try render(AlertFixtures.notification([firing, resolved]), .alertmanager)
    #expect(m.contentType == "application/json")
    let body = try json(m)
    #expect(
      Set(body.keys) == [
        "version", "groupKey", "truncatedAlerts", "status", "receiver", "groupLabels", "commonLabels",
        "commonAnnotations", "externalURL", "alerts",
      ])
    #expect(body["version"] as? String == "4")
    #expect(body["groupKey"] as? String == #"{}:{alertname="HighErrorRate", provider="openai"}"#)
    #expect(body["status"] as? String == "firing" && body["receiver"] as? String == "hook")
    #expect(
      body["truncatedAlerts"] as? Int == 0 && body["externalURL"] as? String == "http://vigil.test:9516")
    #expect(body["groupLabels"] as? [String: String] == ["alertname": "HighErrorRate", "provider": "openai"])
    #expect(
      body["commonLabels"] as? [String: String]
        == ["alertname": "HighErrorRate", "provider": "openai", "severity": "critical"])
    #expect((body["commonAnnotations"] as? [String: String])?["description"] == "Check the status page.")
    let alerts = try #require(body["alerts"] as? [[String: Any]])
    #expect(alerts.count == 2)
    #expect(
      Set(alerts[0].keys) == [
        "status", "labels", "annotations", "startsAt", "endsAt", "generatorURL", "fingerprint",
      ])
    #expect(alerts[0]["status"] as? String == "firing" && alerts[1]["status"] as? String == "resolved")
    #expect(alerts[0]["startsAt"] as? String == "2026-11-25T10:00:00Z")
    #expect(alerts[0]["endsAt"] as? String == "0001-01-01T00:00:00Z")
    #expect(alerts[1]["endsAt"] as? String == "2026-11-25T10:10:00Z")
    #expect(alerts[0]["generatorURL"] as? String == "http://vigil.test:9516/?alert=HighErrorRate")
    #expect(alerts[0]["fingerprint"] as? String == firing.fingerprint)
    #expect((alerts[0]["fingerprint"] as? String)?.count == 16 && firing.fingerprint != resolved.fingerprint)
    #expect((alerts[0]["labels"] as? [String: String])?["model"] == "gpt-4o")
    #expect(
      (alerts[0]["annotations"] as? [String: String])?["summary"] == "openai: error rate 12.50% over 2m")
  }

  @Test func maxAlertsCutsTheListAndCountsTheRest() throws {
    let n = AlertFixtures.notification((0..<7).map { AlertFixtures.alert("E", model: "m\($0)") })
    let body = try json(try render(n, .alertmanager, maxAlerts: 3))
    #expect((body["alerts"] as? [Any])?.count == 3 && body["truncatedAlerts"] as? Int == 4)
  }

  @Test func slackGetsBlocksInAnAttachmentColouredBySeverityWithUserInputEscaped() throws {
    let hostile = AlertFixtures.alert("E", model: "<!channel> & <script>", summary: "latency > 30s <@U123>")
    let body = try json(
      try render(
        AlertFixtures.notification([hostile, AlertFixtures.alert("E", model: "b", severity: "warning")]),
        .slack))
    #expect(body["text"] as? String == "[FIRING:2] E (provider=openai)")
    let attachment = try #require((body["attachments"] as? [[String: Any]])?.first)
    #expect(attachment["color"] as? String == "#E01E5A")
    let blocks = try #require(attachment["blocks"] as? [[String: Any]])
    #expect(blocks.map { $0["type"] as? String } == ["header", "section", "section", "context"])
    #expect((blocks[0]["text"] as? [String: Any])?["type"] as? String == "plain_text")
    let section = try #require((blocks[1]["text"] as? [String: Any])?["text"] as? String)
    #expect(section.hasPrefix("*FIRING* `E` latency &gt; 30s &lt;@U123&gt;"))
    let fields = try #require(blocks[1]["fields"] as? [[String: Any]])
    let fieldText = fields.compactMap { $0["text"] as? String }.joined(separator: "|")
    #expect(fieldText.contains("&lt;!channel&gt; &amp; &lt;script&gt;") && !fieldText.contains("<!channel>"))
    #expect(fieldText.contains("*Value*\n12.50%"))
    // Resolved messages are green.
    let resolved = try json(
      try render(AlertFixtures.notification([AlertFixtures.alert("E", resolved: true)]), .slack))
    #expect(((resolved["attachments"] as? [[String: Any]])?.first?["color"] as? String) == "#2EB67D")
  }

  @Test func slackStaysWithinFiftyBlocksForAThousandAlerts() throws {
    let n = AlertFixtures.notification(
      (0..<1000).map { AlertFixtures.alert("ServerErrors", model: "model-\($0)") })
    let body = try json(try render(n, .slack))
    let blocks = try #require((body["attachments"] as? [[String: Any]])?.first?["blocks"] as? [[String: Any]])
    #expect(blocks.count <= 50)
    let context = try #require(((blocks.last?["elements"] as? [[String: Any]])?.first?["text"]) as? String)
    #expect(context.hasPrefix("and 980 more alerts"))
  }

  @Test func discordStaysWithinEveryLimitForAThousandLongAlerts() throws {
    let long = String(repeating: "x", count: 5000)
    let n = AlertFixtures.notification(
      (0..<1000).map {
        AlertFixtures.alert(
          "ServerErrors", model: "m\($0)-" + String(repeating: "y", count: 300), summary: long)
      })
    let body = try json(try render(n, .discord))
    let content = try #require(body["content"] as? String)
    #expect(content.count <= 2000)
    #expect(content.contains("more: http://vigil.test:9516"))
    let embeds = try #require(body["embeds"] as? [[String: Any]])
    #expect(!embeds.isEmpty && embeds.count <= 10)
    var total = 0
    for e in embeds {
      let title = e["title"] as? String ?? ""
      let description = e["description"] as? String ?? ""
      #expect(title.count <= 256 && description.count <= 4096)
      let fields = e["fields"] as? [[String: Any]] ?? []
      #expect(fields.count <= 25)
      total += title.count + description.count
      for f in fields {
        let value = f["value"] as? String ?? ""
        #expect(value.count <= 1024)
        total += (f["name"] as? String ?? "").count + value.count
      }
      #expect(e["color"] as? Int == 0xE01E5A)
    }
    #expect(total <= 6000)
    #expect((body["allowed_mentions"] as? [String: Any])?["parse"] as? [String] == [])
  }

  @Test func teamsGetsAnAdaptiveCard() throws {
    let body = try json(
      try render(AlertFixtures.notification([AlertFixtures.alert("HighErrorRate")]), .teams))
    #expect(body["type"] as? String == "message")
    let attachment = try #require((body["attachments"] as? [[String: Any]])?.first)
    #expect(attachment["contentType"] as? String == "application/vnd.microsoft.card.adaptive")
    let card = try #require(attachment["content"] as? [String: Any])
    #expect(card["type"] as? String == "AdaptiveCard" && card["version"] as? String == "1.4")
    let items = try #require(card["body"] as? [[String: Any]])
    #expect(items[0]["text"] as? String == "[FIRING:1] HighErrorRate (provider=openai)")
    #expect(items[0]["color"] as? String == "Attention")
    let facts = try #require(
      items.first { $0["type"] as? String == "FactSet" }?["facts"] as? [[String: String]])
    #expect(
      facts.contains(["title": "Value", "value": "12.50%"])
        && facts.contains(["title": "model", "value": "gpt-4o"]))
    #expect((card["actions"] as? [[String: Any]])?.first?["url"] as? String == "http://vigil.test:9516")
  }

  @Test func aUserTemplateEscapesValuesForJSONAndInsertsThemAsIsForText() throws {
    let tricky = AlertFixtures.alert("E", summary: "quote \" backslash \\ newline \n end")
    let n = AlertFixtures.notification([tricky, AlertFixtures.alert("E", model: "b")])
    let template =
      #"{"text": "{{ title }}", "items": [{{#alerts}}"{{ summary }}",{{/alerts}} "{{ common_labels.provider }}"], "n": {{ count }}}"#
    let m = try render(n, .template, template: template)
    let body = try json(m)
    #expect(body["text"] as? String == "[FIRING:2] E (provider=openai)")
    #expect((body["items"] as? [String])?.first == "quote \" backslash \\ newline \n end")
    #expect((body["items"] as? [String])?.last == "openai" && body["n"] as? Int == 2)
    let text = try render(n, .template, template: "{{ status }}: {{ text }}", contentType: "text/plain")
    #expect(
      String(decoding: text.body, as: UTF8.self).hasPrefix(
        "firing: FIRING E: quote \" backslash \\ newline \n end\n"))
    #expect(text.contentType == "text/plain")
  }

  @Test func stdoutPrintsOneLinePerAlertAsTextOrJSON() throws {
    let n = AlertFixtures.notification([
      AlertFixtures.alert("E"), AlertFixtures.alert("E", model: "b", resolved: true),
    ])
    let text = try MessageRenderer(externalURL: "", nowMs: 0).render(n, for: .stdout)
    #expect(
      String(decoding: text.body, as: UTF8.self) == """
        2026-11-25T10:00:00Z FIRING E{model=gpt-4o,provider=openai} severity=critical value=12.50% threshold=5.00%: openai: error rate 12.50% over 2m
        2026-11-25T10:10:00Z RESOLVED E{model=b,provider=openai} severity=critical value=12.50% threshold=5.00% after 10m

        """)
    var jsonStdout = Receiver.stdout
    jsonStdout.kind = .stdout(json: true)
    let lines = String(
      decoding: try MessageRenderer(externalURL: "", nowMs: 0).render(n, for: jsonStdout).body, as: UTF8.self
    )
    .split(separator: "\n")
    let first = try #require(JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
    #expect(
      first["rule"] as? String == "E" && first["state"] as? String == "firing"
        && first["value"] as? Double == 0.125)
    #expect(first["metric"] as? String == "error_rate" && first["at"] as? String == "2026-11-25T10:00:00Z")
    let second = try #require(JSONSerialization.jsonObject(with: Data(lines[1].utf8)) as? [String: Any])
    #expect(second["fired_at"] as? String == "2026-11-25T10:00:00Z")
  }
}
