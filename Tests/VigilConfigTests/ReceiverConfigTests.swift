import Foundation
import Testing
import VigilCore
import VigilTestSupport

@testable import VigilConfig

/// Receivers, routing, delivery and includes in alerts.yaml.
@Suite struct ReceiverConfigTests {
  let rule = "rules:\n  - {alert: A, metric: error_rate, threshold: 5%}\n"

  @Test func everyReceiverKeyIsRead() throws {
    let set = try RulesLoader.load(
      yaml: """
        version: 1
        external_url: http://vigil.internal:9516/
        routing: {group_by: [alertname, model], group_wait: 10s, group_interval: 2m, repeat_interval: 1h}
        delivery: {max_attempts: 4, initial_backoff: 2s, max_backoff: 1m}
        receivers:
          - {name: stdout, type: stdout, format: json}
          - name: chat
            type: webhook
            payload: slack
            url_env: VIGIL_TEST_SLACK_URL
            headers: {X-Team: ml}
            header_env: {Authorization: VIGIL_TEST_TOKEN}
            signing_secret_env: VIGIL_TEST_SECRET
            timeout: 3s
            max_alerts: 5
            send_resolved: false
            group_wait: 0s
          - name: custom
            type: webhook
            payload: template
            url: http://127.0.0.1:8080/hook
            content_type: text/plain
            template: "{{ title }}"
          - name: mail
            type: email
            smtp: smtp.example.com:465
            security: tls
            username: vigil
            password_env: VIGIL_TEST_SMTP_PASSWORD
            auth: login
            from: Vigil <vigil@example.com>
            to: [oncall@example.com, ml@example.com]
            ca_file: /etc/ssl/ca.pem
            hello: vigil.example.com
            timeout: 20s
        \(rule)
        """, file: "x.yaml")
    #expect(set.externalURL == "http://vigil.internal:9516")
    #expect(
      set.delivery.maxAttempts == 4 && set.delivery.initialBackoffMs == 2000
        && set.delivery.maxBackoffMs == 60_000)
    #expect(set.receivers.map(\.name) == ["stdout", "chat", "custom", "mail"])
    #expect(set.receivers[0].kind == .stdout(json: true) && set.receivers[0].routing == .immediate)
    let chat = set.receivers[1]
    guard case .webhook(let w) = chat.kind else {
      Issue.record("not a webhook")
      return
    }
    #expect(w.format == .slack && w.url == .environment("VIGIL_TEST_SLACK_URL"))
    #expect(
      w.headers == [
        .init(name: "X-Team", value: .literal("ml")),
        .init(name: "Authorization", value: .environment("VIGIL_TEST_TOKEN")),
      ])
    #expect(w.signingSecret == .environment("VIGIL_TEST_SECRET") && w.timeoutMs == 3000 && w.maxAlerts == 5)
    #expect(!chat.sendResolved)
    #expect(chat.routing.groupBy == ["alertname", "model"] && chat.routing.groupWaitMs == 0)
    #expect(chat.routing.groupIntervalMs == 120_000 && chat.routing.repeatIntervalMs == 3_600_000)
    guard case .webhook(let t) = set.receivers[2].kind else {
      Issue.record("not a webhook")
      return
    }
    #expect(
      t.format == .template && t.contentType == "text/plain"
        && t.url == .literal("http://127.0.0.1:8080/hook"))
    guard case .email(let m) = set.receivers[3].kind else {
      Issue.record("not email")
      return
    }
    #expect(m.host == "smtp.example.com" && m.port == 465 && m.security == .tls && m.username == "vigil")
    #expect(m.password == .environment("VIGIL_TEST_SMTP_PASSWORD") && m.authMechanism == "LOGIN")
    #expect(
      m.to == ["oncall@example.com", "ml@example.com"] && m.caFile == "/etc/ssl/ca.pem"
        && m.timeoutMs == 20_000)
  }

  @Test func printedSettingsNeverShowASecret() throws {
    let set = try RulesLoader.load(
      yaml: """
        version: 1
        receivers:
          - {name: a, type: webhook, url: "https://hooks.example.com/services/T000/B000/SECRETTOKEN?key=abc"}
          - {name: b, type: webhook, url_env: HOOK_URL, signing_secret_env: HOOK_SECRET}
          - {name: c, type: email, smtp: "mail:587", username: u, password_env: MAIL_PASSWORD, from: a@b.c, to: [x@y.z]}
        \(rule)
        """, file: "x.yaml")
    let text = set.receivers.map(\.redactedDescription).joined(separator: "\n")
    #expect(!text.contains("SECRETTOKEN") && !text.contains("key=abc") && !text.contains("services"))
    #expect(text.contains("url=https://hooks.example.com/…"))
    #expect(text.contains("url=$HOOK_URL") && text.contains("signed with $HOOK_SECRET"))
    #expect(text.contains("password=$MAIL_PASSWORD"))
  }

  @Test(arguments: [
    ("  - {name: w, type: webhook}\n", "a.yaml:3:5: receiver 'w' needs 'url_env'"),
    (
      "  - {name: w, type: webhook, url: x, url_env: Y}\n",
      "a.yaml:3:47: receiver 'w': give 'url' or 'url_env', not both"
    ),
    (
      "  - {name: w, type: webhook, url: 'ftp://x/'}\n",
      "a.yaml:3:35: receiver 'w': url must be an http:// or https:// URL"
    ),
    (
      "  - {name: w, type: webhook, url_env: X, payload: slak}\n",
      "a.yaml:3:51: receiver 'w': unknown payload 'slak' (one of alertmanager, slack, discord, teams, template) (did you mean 'slack'?)"
    ),
    (
      "  - {name: w, type: webhook, url_env: X, payload: template}\n",
      "a.yaml:3:5: receiver 'w': payload template needs a 'template'"
    ),
    (
      "  - {name: w, type: webhook, url_env: X, payload: template, template: '{{#a}}'}\n",
      "a.yaml:3:71: receiver 'w': template:"
    ),
    (
      "  - {name: w, type: webhook, url_env: X, signing_secret: abc}\n",
      "a.yaml:3:42: unknown key 'signing_secret' in a webhook receiver (did you mean 'signing_secret_env'?)"
    ),
    (
      "  - {name: w, type: webhook, url_env: 'not a name'}\n",
      "a.yaml:3:39: receiver 'w': 'not a name' is not an environment variable name"
    ),
    (
      "  - {name: m, type: email, smtp: mail, from: a@b.c, to: [x@y.z]}\n",
      "a.yaml:3:34: receiver 'm': smtp must be host:port"
    ),
    ("  - {name: m, type: email, smtp: 'mail:25', from: a@b.c}\n", "a.yaml:3:5: receiver 'm' needs 'to:'"),
    (
      "  - {name: m, type: email, smtp: 'mail:25', from: nobody, to: [x@y.z]}\n",
      "a.yaml:3:51: receiver 'm': 'nobody' is not an email address"
    ),
    (
      "  - {name: m, type: email, smtp: 'mail:25', from: a@b.c, to: [x@y.z], username: u}\n",
      "a.yaml:3:81: receiver 'm': a username needs 'password_env'"
    ),
    (
      "  - {name: m, type: email, smtp: 'mail:25', from: a@b.c, to: [x@y.z], password: p}\n",
      "a.yaml:3:71: unknown key 'password' in an email receiver (did you mean 'password_env'?)"
    ),
    (
      "  - {name: m, type: email, smtp: 'mail:25', security: none, username: u, password_env: P, from: a@b.c, to: [x@y.z]}\n",
      "a.yaml:3:55: receiver 'm': credentials are never sent without TLS"
    ),
    (
      "  - {name: w, type: webhook, url_env: X}\n  - {name: w, type: webhook, url_env: Y}\n",
      "a.yaml:4:12: two receivers are named 'w'"
    ),
    ("  - {name: am, type: alertmanager}\n", "a.yaml:3:5: receiver 'am' needs 'urls'"),
    (
      "  - {name: am, type: alertmanager, urls: [am0:9093]}\n",
      "a.yaml:3:42: receiver 'am': 'am0:9093' is not an http:// or https:// URL with a host"
    ),
    // An Alertmanager groups by itself: Vigil's routing keys do not apply.
    (
      "  - {name: am, type: alertmanager, urls: ['http://am0:9093'], group_wait: 30s}\n",
      "a.yaml:3:63: unknown key 'group_wait' in an alertmanager receiver"
    ),
    (
      "  - {name: am, type: alertmanagr, urls: ['http://am0:9093']}\n",
      "a.yaml:3:22: receiver 'am': unknown type 'alertmanagr' (one of stdout, webhook, email, alertmanager) (did you mean 'alertmanager'?)"
    ),
  ])
  func badReceiversAreRefusedWithLineAndColumn(receivers: String, expected: String) {
    let found = errors("version: 1\nreceivers:\n" + receivers + rule)
    #expect(found.contains { $0.hasPrefix(expected) }, "\(found)")
  }

  @Test func anAlertmanagerReceiverIsEveryReplicaWithItsTimings() throws {
    let set = try RulesLoader.load(
      yaml: """
        version: 1
        receivers:
          - name: am
            type: alertmanager
            urls: ["http://am-0:9093", "http://am-1:9093/"]
            url_env: VIGIL_TEST_AM_URL
            header_env: {Authorization: VIGIL_TEST_AM_TOKEN}
            resend_delay: 30s
            timeout: 5s
            send_resolved: false
        """ + "\n" + rule.replacingOccurrences(of: "}", with: ", receivers: [am]}"), file: "a.yaml")
    let r = try #require(set.receiver(named: "am"))
    guard case .alertmanager(let a) = r.kind else {
      Issue.record("not an alertmanager receiver: \(r.kind)")
      return
    }
    #expect(
      a.urls == [
        .literal("http://am-0:9093"), .literal("http://am-1:9093/"), .environment("VIGIL_TEST_AM_URL"),
      ])
    #expect(a.resendDelayMs == 30_000 && a.timeoutMs == 5000 && !r.sendResolved)
    #expect(a.headers == [.init(name: "Authorization", value: .environment("VIGIL_TEST_AM_TOKEN"))])
    #expect(a.webhook(replica: 1, environment: [:])?.url == .literal("http://am-1:9093/api/v2/alerts"))
    #expect(a.webhook(replica: 2, environment: [:]) == nil)
    #expect(
      a.webhook(replica: 2, environment: ["VIGIL_TEST_AM_URL": "https://am.example"])?.url
        == .literal("https://am.example/api/v2/alerts"))
    #expect(AlertmanagerReceiver.replica(ofGroupKey: AlertmanagerReceiver.groupKey(replica: 1)) == 1)
    #expect(a.endsAtMs(firingAtMs: 0, evaluationIntervalMs: 15_000) == 120_000)
    #expect(r.redactedDescription.contains("urls=http://am-0:9093/…,http://am-1:9093/…,$VIGIL_TEST_AM_URL"))
  }

  @Test func routingAndDeliveryAreChecked() {
    #expect(
      errors("version: 1\nrouting: {group_wait: soon}\n" + rule).first?.hasPrefix(
        "a.yaml:2:23: 'soon' is not a duration") == true)
    #expect(
      errors("version: 1\ndelivery: {max_attempts: 0}\n" + rule).first
        == "a.yaml:2:26: max_attempts must be at least 1")
    #expect(
      errors("version: 1\nexternal_url: vigil\n" + rule).first
        == "a.yaml:2:15: external_url 'vigil' is not an http(s) URL")
  }

  @Test func anIncludedFileAddsReceiversAndRulesAndNamesItselfInErrors() throws {
    let dir = TemporaryDirectory()
    LogFile.write(
      dir.file("receivers.yaml"),
      "receivers:\n  - {name: chat, type: webhook, url_env: CHAT_URL}\nrules:\n  - {alert: B, metric: rate_429, threshold: 10%, receivers: [chat]}\n"
    )
    LogFile.write(dir.file("alerts.yaml"), "version: 1\ninclude: [receivers.yaml]\n" + rule)
    let set = try RulesLoader.load(path: dir.file("alerts.yaml"))
    #expect(set.receivers.map(\.name) == ["stdout", "chat"])
    #expect(set.rules.map(\.name) == ["A", "B"] && set.rules[1].receivers == ["chat"])
    LogFile.write(
      dir.file("receivers.yaml"), "receivers:\n  - {name: chat, type: webhok, url_env: CHAT_URL}\n")
    do {
      _ = try RulesLoader.load(path: dir.file("alerts.yaml"))
      Issue.record("a bad included file was accepted")
    } catch {
      #expect(
        error.errors.map(\.description) == [
          "\(dir.file("receivers.yaml")):2:24: receiver 'chat': unknown type 'webhok' (one of stdout, webhook, email, alertmanager) (did you mean 'webhook'?)"
        ])
    }
  }
}
