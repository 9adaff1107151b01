import Testing
import VigilCore

/// Inhibition (Alertmanager's, with a hold) and folded groups (one incident, one page), driven by
/// explicit times.
@Suite struct InhibitionAndFoldTests {
  static let minute: Int64 = 60_000

  func alert(_ name: String, provider: String = "openai", firing: Bool = true, at: Int64, since: Int64 = 0)
    -> NotifiedAlert
  {
    NotifiedAlert(
      labels: ["alertname": name, "provider": provider, "severity": "critical"],
      annotations: ["summary": "\(name) on \(provider)"], status: firing ? .firing : .resolved,
      startsAtMs: firing ? at : since, endsAtMs: firing ? nil : at)
  }

  func receiver(groupBy: [String], fold: Bool, wait: Int64 = 0, interval: Int64 = 0) -> Receiver {
    var routing = Routing()
    routing.groupBy = groupBy
    routing.groupWaitMs = wait
    routing.groupIntervalMs = interval
    routing.repeatIntervalMs = 0
    routing.fold = fold
    return Receiver(
      name: "chat", kind: .webhook(WebhookReceiver(url: .literal("http://127.0.0.1/"))), routing: routing)
  }

  static let consequencesOf429 = InhibitRule(
    sourceMatchers: [try! LabelMatcher.parse("alertname=HighRateLimitRate")],
    targetMatchers: [try! LabelMatcher.parse("alertname=~HighErrorRate|RetriesExhausted")],
    equal: ["provider"],
    holdMs: 2 * minute)

  func source(_ name: String, provider: String = "openai", resolvedAt: Int64? = nil) -> InhibitRule.Source {
    InhibitRule.Source(
      labels: ["alertname": name, "provider": provider, "severity": "critical"], resolvedAtMs: resolvedAt)
  }

  @Test func aFiringCauseMutesItsConsequencesOnTheSameProviderOnly() {
    let rules = [Self.consequencesOf429]
    let storm = [source("HighRateLimitRate")]
    #expect(InhibitRule.mutes(alert("HighErrorRate", at: 0).labels, rules: rules, sources: storm, atMs: 0))
    #expect(
      !InhibitRule.mutes(
        alert("HighErrorRate", provider: "anthropic", at: 0).labels, rules: rules, sources: storm, atMs: 0))
    #expect(!InhibitRule.mutes(alert("SlowResponses", at: 0).labels, rules: rules, sources: storm, atMs: 0))
    // An alert never inhibits itself, even when it matches both sides.
    let both = InhibitRule(
      sourceMatchers: [try! LabelMatcher.parse("severity=critical")],
      targetMatchers: [try! LabelMatcher.parse("severity=critical")], equal: ["provider"])
    #expect(
      !InhibitRule.mutes(alert("HighRateLimitRate", at: 0).labels, rules: [both], sources: storm, atMs: 0))
    // The hold: muted for two minutes after the cause resolved, not longer.
    let resolved = [source("HighRateLimitRate", resolvedAt: 10 * Self.minute)]
    #expect(
      InhibitRule.mutes(
        alert("HighErrorRate", at: 0).labels, rules: rules, sources: resolved, atMs: 12 * Self.minute))
    #expect(
      !InhibitRule.mutes(
        alert("HighErrorRate", at: 0).labels, rules: rules, sources: resolved, atMs: 12 * Self.minute + 1))
  }

  @Test func anInhibitedAlertIsLeftOutOfMessagesAndSentWhenTheHoldEnds() {
    var router = Router(receivers: [receiver(groupBy: ["alertname", "provider"], fold: false)])
    let rules = [Self.consequencesOf429]
    router.add(alert("HighRateLimitRate", at: 0), receivers: ["chat"], atMs: 0)
    router.add(alert("HighErrorRate", at: 60_000), receivers: ["chat"], atMs: 60_000)
    var sent = router.flush(atMs: 60_000, inhibitRules: rules, inhibitors: [source("HighRateLimitRate")])
    #expect(sent.map(\.title) == ["[FIRING:1] HighRateLimitRate (provider=openai)"])
    // The cause resolves at 10m; the consequence still fires past the hold: then it is sent.
    router.add(
      alert("HighRateLimitRate", firing: false, at: 10 * Self.minute), receivers: ["chat"],
      atMs: 10 * Self.minute)
    let after = [source("HighRateLimitRate", resolvedAt: 10 * Self.minute)]
    sent = router.flush(atMs: 11 * Self.minute, inhibitRules: rules, inhibitors: after)
    #expect(sent.map(\.title) == ["[RESOLVED] HighRateLimitRate (provider=openai)"])
    sent = router.flush(atMs: 13 * Self.minute, inhibitRules: rules, inhibitors: after)
    #expect(sent.map(\.title) == ["[FIRING:1] HighErrorRate (provider=openai)"])
  }

  @Test func aFoldedGroupPagesOnceWhenItStartsAndOnceWhenAllOfItIsOver() {
    var router = Router(receivers: [receiver(groupBy: ["provider"], fold: true)])
    var messages: [AlertNotification] = []
    var firedAt: [String: Int64] = [:]
    func at(_ minute: Int64, _ name: String, firing: Bool = true) {
      if firing { firedAt[name] = minute * Self.minute }
      router.add(
        alert(name, firing: firing, at: minute * Self.minute, since: firedAt[name] ?? 0), receivers: ["chat"],
        atMs: minute * Self.minute)
      messages += router.flush(atMs: minute * Self.minute)
    }
    // A consequence fires first, the cause and another consequence later; they end in another order.
    at(3, "HighErrorRate")
    at(5, "ServerErrors")
    at(6, "ProviderAvailabilityPage")
    at(20, "ServerErrors", firing: false)
    at(22, "HighErrorRate", firing: false)
    #expect(router.nextFlushMs() == nil, "nothing to send while the incident goes on")
    at(40, "ProviderAvailabilityPage", firing: false)
    #expect(messages.map(\.status) == [.firing, .resolved])
    #expect(messages[0].alerts.map(\.name) == ["HighErrorRate"])
    #expect(
      Set(messages[1].alerts.map(\.name)) == ["HighErrorRate", "ServerErrors", "ProviderAvailabilityPage"])
    // The all-clear says which of them were never announced: no all-clear for an unheard alarm.
    #expect(
      Dictionary(uniqueKeysWithValues: messages[1].alerts.map { ($0.name, $0.foldedIn) })
        == ["HighErrorRate": false, "ServerErrors": true, "ProviderAvailabilityPage": true])
    #expect(messages[1].alerts.first { $0.name == "ServerErrors" }?.stateText == "RESOLVED (folded in)")
    // The next incident pages again.
    at(50, "ServerErrors")
    #expect(messages.count == 3 && messages[2].status == .firing)
  }
}
