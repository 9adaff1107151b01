import Testing
import VigilCore

/// The router: grouping, group wait, group interval, repeat interval, resolves and silences, as
/// Alertmanager does them, driven by explicit times.
@Suite struct RouterTests {
  static let minute: Int64 = 60_000

  func alert(
    _ name: String, provider: String = "openai", model: String = "gpt-4o", firing: Bool = true, at: Int64,
    since: Int64 = 0
  )
    -> NotifiedAlert
  {
    NotifiedAlert(
      labels: ["alertname": name, "provider": provider, "model": model, "severity": "warning"],
      annotations: ["summary": "\(name) on \(provider)/\(model)"], status: firing ? .firing : .resolved,
      startsAtMs: firing ? at : since, endsAtMs: firing ? nil : at)
  }

  func chat(
    wait: Int64 = 30_000, interval: Int64 = 5 * minute, repeatEvery: Int64 = 240 * minute,
    resolved: Bool = true
  )
    -> Receiver
  {
    var routing = Routing()
    routing.groupWaitMs = wait
    routing.groupIntervalMs = interval
    routing.repeatIntervalMs = repeatEvery
    var r = Receiver(
      name: "chat", kind: .webhook(WebhookReceiver(url: .literal("http://127.0.0.1/"))), routing: routing)
    r.sendResolved = resolved
    return r
  }

  @Test func aNewGroupWaitsItsGroupWaitThenSendsEverythingThatJoinedItAsOneMessage() {
    var router = Router(receivers: [chat()])
    router.add(alert("HighErrorRate", model: "a", at: 0), receivers: ["chat"], atMs: 0)
    #expect(router.flush(atMs: 10_000).isEmpty)
    router.add(alert("HighErrorRate", model: "b", at: 20_000), receivers: ["chat"], atMs: 20_000)
    #expect(router.flush(atMs: 29_999).isEmpty)
    let sent = router.flush(atMs: 30_000)
    #expect(sent.count == 1)
    #expect(sent[0].alerts.map { $0.labels["model"]! } == ["a", "b"])
    #expect(sent[0].groupKey == #"{alertname="HighErrorRate", provider="openai"}"#)
    #expect(sent[0].title == "[FIRING:2] HighErrorRate (provider=openai)")
  }

  @Test func differentGroupLabelsMakeDifferentMessages() {
    var router = Router(receivers: [chat()])
    router.add(alert("HighErrorRate", provider: "openai", at: 0), receivers: ["chat"], atMs: 0)
    router.add(alert("HighErrorRate", provider: "anthropic", at: 0), receivers: ["chat"], atMs: 0)
    router.add(alert("ServerErrors", provider: "openai", at: 0), receivers: ["chat"], atMs: 0)
    let sent = router.flush(atMs: 30_000)
    #expect(sent.count == 3)
    #expect(Set(sent.map(\.groupKey)).count == 3)
  }

  @Test func aGroupSendsWhatChangedAtMostEveryGroupInterval() {
    var router = Router(receivers: [chat()])
    router.add(alert("E", model: "a", at: 0), receivers: ["chat"], atMs: 0)
    #expect(router.flush(atMs: 30_000).count == 1)
    router.add(alert("E", model: "b", at: 60_000), receivers: ["chat"], atMs: 60_000)
    // The next flush of the group is 5 minutes after the last: the new alert waits for it.
    #expect(router.flush(atMs: 60_000).isEmpty)
    #expect(router.flush(atMs: 30_000 + 5 * Self.minute - 1).isEmpty)
    let sent = router.flush(atMs: 30_000 + 5 * Self.minute)
    #expect(sent.count == 1 && sent[0].firing.count == 2)
    // Nothing changed since: no message at the next interval.
    #expect(router.flush(atMs: 30_000 + 10 * Self.minute).isEmpty)
  }

  @Test func aStillFiringGroupRepeatsAfterTheRepeatIntervalOnly() {
    var router = Router(receivers: [chat(repeatEvery: 60 * Self.minute)])
    router.add(alert("E", at: 0), receivers: ["chat"], atMs: 0)
    #expect(router.flush(atMs: 30_000).count == 1)
    for m in stride(from: Int64(5), to: 60, by: 5) {
      #expect(router.flush(atMs: 30_000 + m * Self.minute).isEmpty)
    }
    let again = router.flush(atMs: 30_000 + 60 * Self.minute)
    #expect(again.count == 1 && again[0].firing.count == 1)
  }

  @Test func aResolveIsSentOnceAndEmptiesTheGroup() {
    var router = Router(receivers: [chat()])
    router.add(alert("E", at: 0), receivers: ["chat"], atMs: 0)
    _ = router.flush(atMs: 30_000)
    router.add(alert("E", firing: false, at: 2 * Self.minute), receivers: ["chat"], atMs: 2 * Self.minute)
    let sent = router.flush(atMs: 30_000 + 5 * Self.minute)
    #expect(sent.count == 1 && sent[0].status == .resolved && sent[0].resolved.count == 1)
    #expect(sent[0].title == "[RESOLVED] E (provider=openai)")
    #expect(router.groups.isEmpty)
    #expect(router.flush(atMs: Self.minute * 100).isEmpty)
  }

  @Test func withSendResolvedOffAResolveIsRecordedButNotSent() {
    var router = Router(receivers: [chat(resolved: false)])
    router.add(alert("E", at: 0), receivers: ["chat"], atMs: 0)
    _ = router.flush(atMs: 30_000)
    router.add(alert("E", firing: false, at: Self.minute), receivers: ["chat"], atMs: Self.minute)
    #expect(router.flush(atMs: 30_000 + 5 * Self.minute).isEmpty)
    #expect(router.groups.isEmpty)
  }

  @Test func anAlertThatFiresAndResolvesWithinTheGroupWaitSendsNothing() {
    var router = Router(receivers: [chat()])
    router.add(alert("E", at: 0), receivers: ["chat"], atMs: 0)
    router.add(alert("E", firing: false, at: 10_000), receivers: ["chat"], atMs: 10_000)
    #expect(router.flush(atMs: 30_000).isEmpty)
    #expect(router.groups.isEmpty)
  }

  @Test func aSilenceMutesWithoutLosingTheAlertAndItsEndSendsIt() throws {
    var router = Router(receivers: [chat()])
    let silence = Silence(
      id: "s1", matchers: [try LabelMatcher.parse("provider=openai")], startsAtMs: 0,
      endsAtMs: 20 * Self.minute)
    router.add(alert("E", provider: "openai", at: 0), receivers: ["chat"], atMs: 0)
    router.add(alert("E", provider: "anthropic", at: 0), receivers: ["chat"], atMs: 0)
    let first = router.flush(atMs: 30_000, silences: [silence])
    #expect(first.count == 1 && first[0].groupLabels["provider"] == "anthropic")
    // Muted, not forgotten: the openai group still holds its alert.
    #expect(router.groups.values.contains { $0.labels["provider"] == "openai" && $0.alerts.count == 1 })
    #expect(router.flush(atMs: 10 * Self.minute, silences: [silence]).isEmpty)
    let after = router.flush(atMs: 20 * Self.minute, silences: [silence])
    #expect(after.count == 1 && after[0].groupLabels["provider"] == "openai" && after[0].status == .firing)
  }

  @Test func aResolveOfAnAlertNeverSentBecauseSilencedIsNotSent() throws {
    var router = Router(receivers: [chat()])
    let silence = Silence(
      id: "s", matchers: [try LabelMatcher.parse("alertname=E")], startsAtMs: 0, endsAtMs: .max)
    router.add(alert("E", at: 0), receivers: ["chat"], atMs: 0)
    #expect(router.flush(atMs: 30_000, silences: [silence]).isEmpty)
    router.add(alert("E", firing: false, at: Self.minute), receivers: ["chat"], atMs: Self.minute)
    #expect(router.flush(atMs: 10 * Self.minute, silences: [silence]).isEmpty)
    #expect(router.groups.isEmpty)
  }

  @Test func aBurstOfAThousandAlertsIsOneMessagePerReceiverWithinOneGroupWait() {
    var stdout = Receiver.stdout
    stdout.routing.groupWaitMs = 30_000
    var router = Router(receivers: [chat(), stdout])
    for i in 0..<1000 {
      router.add(
        alert("ServerErrors", model: "m\(i)", at: Int64(i)), receivers: ["chat", "stdout"], atMs: Int64(i))
    }
    let sent = router.flush(atMs: 31_000)
    #expect(sent.count == 2)
    #expect(sent.allSatisfy { $0.alerts.count == 1000 })
  }

  @Test func flushNewGroupsEndsTheGroupWaitForACronRun() {
    var router = Router(receivers: [chat()])
    router.add(alert("E", at: 0), receivers: ["chat"], atMs: 0)
    #expect(router.flush(atMs: 1000, flushNewGroups: true).count == 1)
    router.add(alert("E", model: "b", at: 2000), receivers: ["chat"], atMs: 2000)
    // Only the group wait ends; the group interval still holds.
    #expect(router.flush(atMs: 3000, flushNewGroups: true).isEmpty)
  }

  @Test func groupsSurviveARestartThroughTheirSavedState() {
    var router = Router(receivers: [chat()])
    router.add(alert("E", at: 0), receivers: ["chat"], atMs: 0)
    _ = router.flush(atMs: 30_000)
    var restarted = Router(receivers: [chat()], groups: Array(router.groups.values))
    #expect(restarted.flush(atMs: 30_000 + 5 * Self.minute).isEmpty)  // nothing new: nothing re-sent
    restarted.add(alert("E", firing: false, at: Self.minute * 6), receivers: ["chat"], atMs: Self.minute * 6)
    #expect(restarted.flush(atMs: 30_000 + 10 * Self.minute).map(\.status) == [.resolved])
  }

  @Test func nextFlushIsWhenAGroupHasSomethingToSendNotMerelyWhenItMay() {
    var stdout = Receiver.stdout  // group_interval 0: may flush at any time
    stdout.routing.repeatIntervalMs = 0
    var router = Router(receivers: [stdout, chat(repeatEvery: 60 * Self.minute)])
    router.add(alert("E", at: 0), receivers: ["stdout", "chat"], atMs: 0)
    #expect(router.nextFlushMs() == 0)  // stdout: at once
    #expect(router.flush(atMs: 0).count == 1)
    #expect(router.nextFlushMs() == 30_000)  // chat: at the end of its group wait
    #expect(router.flush(atMs: 30_000).count == 1)
    // Both told: stdout never repeats, chat repeats in an hour. A daemon sleeps until then.
    #expect(router.nextFlushMs() == 30_000 + 60 * Self.minute)
    router.add(alert("E", firing: false, at: Self.minute), receivers: ["stdout", "chat"], atMs: Self.minute)
    #expect(router.nextFlushMs()! <= Self.minute)  // stdout's resolve is news: due now
  }

  @Test func unknownReceiversAreIgnored() {
    var router = Router(receivers: [chat()])
    router.add(alert("E", at: 0), receivers: ["nobody"], atMs: 0)
    #expect(router.groups.isEmpty)
  }
}

@Suite struct MatcherTests {
  @Test(arguments: [
    ("provider=openai", ["provider": "openai"], true),
    ("provider=openai", ["provider": "anthropic"], false),
    ("provider!=openai", ["provider": "anthropic"], true),
    (#"alertname=~"High.*""#, ["alertname": "HighErrorRate"], true),
    (#"alertname=~"High""#, ["alertname": "HighErrorRate"], false),  // the whole value must match
    ("env!~dev|test", ["env": "prod"], true),
    ("env!~dev|test", ["env": "test"], false),
    ("team=", [:], true),  // a missing label is the empty value
    (#"model="gpt \"4\"""#, ["model": #"gpt "4""#], true),
  ])
  func matchersMatchAsInAlertmanager(text: String, labels: [String: String], expected: Bool) throws {
    #expect(try LabelMatcher.parse(text).matches(labels) == expected)
  }

  @Test func badMatchersAreRefusedWithAReason() {
    #expect(throws: MatcherError.self) { try LabelMatcher.parse("provider") }
    #expect(throws: MatcherError.self) { try LabelMatcher.parse("=openai") }
    #expect(throws: MatcherError.self) { try LabelMatcher.parse("model=~(") }
    #expect(throws: MatcherError.self) { try LabelMatcher.parse("bad-name=x") }
  }

  @Test func aMatcherPrintsInAFormItParsesBackFrom() throws {
    for text in [#"model=~"gpt-4\\.\\d+""#, #"a!="x,y""#] {
      let m = try LabelMatcher.parse(text)
      #expect(try LabelMatcher.parse(m.description) == m)
    }
  }
}

@Suite struct DeliveryPolicyTests {
  @Test func backoffIsFullJitterUnderAGrowingCeilingWithACap() {
    var policy = DeliveryPolicy()
    policy.initialBackoffMs = 1000
    policy.maxBackoffMs = 60_000
    var random = SeededRandom(seed: 7)
    for attempt in 1...12 {
      let ceiling = min(60_000, 1000 << (attempt - 1))
      var seen: [Int64] = []
      for _ in 0..<200 {
        seen.append(policy.backoffMs(afterAttempts: attempt, retryAfterMs: nil, using: &random))
      }
      #expect(seen.allSatisfy { $0 >= 0 && $0 <= ceiling })
      // Full jitter spreads over the whole range, not just near the ceiling.
      #expect(seen.min()! < ceiling / 4 && seen.max()! > ceiling * 3 / 4)
    }
  }

  @Test func retryAfterIsHonouredAsAFloorUpToTheLongestBackoff() {
    let policy = DeliveryPolicy()
    var random = SeededRandom(seed: 1)
    #expect(policy.backoffMs(afterAttempts: 1, retryAfterMs: 7000, using: &random) >= 7000)
    #expect(policy.backoffMs(afterAttempts: 1, retryAfterMs: 86_400_000, using: &random) == 300_000)
    #expect(policy.backoffMs(afterAttempts: 1, retryAfterMs: .max, using: &random) == 300_000)
    #expect(policy.backoffMs(afterAttempts: 1, retryAfterMs: -5, using: &random) <= 1000)
  }
}
