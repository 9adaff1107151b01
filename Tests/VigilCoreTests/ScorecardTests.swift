import Testing
import VigilCore

/// The scorecard of a backtest on hand-made messages whose answers are known: recall,
/// precision, time to detect and to reset, messages per incident, the worst 12 hours, false
/// pages per week, the rule table and the goals.
@Suite struct ScorecardTests {
  static let t0: Int64 = 1_800_000_000_000
  static let minute: Int64 = 60_000

  static func at(_ minutes: Int64) -> Int64 { t0 + minutes * minute }

  static func message(
    _ receiver: String, _ rule: String, provider: String, firing: Bool, at minutes: Int64
  ) -> AlertNotification {
    let alert = NotifiedAlert(
      labels: ["alertname": rule, "provider": provider, "severity": "critical"], annotations: [:],
      status: firing ? .firing : .resolved, startsAtMs: at(minutes), endsAtMs: firing ? nil : at(minutes))
    return AlertNotification(
      receiver: receiver, groupLabels: ["provider": provider], alerts: [alert], atMs: at(minutes))
  }

  static func incident(
    _ name: String, provider: String, from: Int64, to: Int64, expect: LabelledIncident.Expect,
    perSecond: Double? = nil, kind: String = ""
  ) throws -> LabelledIncident {
    LabelledIncident(
      name: name, kind: kind, startMs: at(from), endMs: at(to),
      matchers: [try LabelMatcher.parse("provider=\(provider)")], expect: expect, perSecond: perSecond)
  }

  /// An outage on OpenAI (paged after a minute, reset 3 minutes after its end), a 429 storm on
  /// Anthropic that nothing pages, a blip on Google that pages (false), and a page on OpenAI
  /// hours after its incident (false); the ticket receiver gets one ticket for the outage.
  static func fixture(goals: [ScoreGoals] = []) throws -> Scorecard {
    var file = IncidentsFile()
    file.incidents = [
      try incident(
        "openai outage", provider: "openai", from: 10, to: 20, expect: .page, perSecond: 5, kind: "outage"),
      try incident("anthropic storm", provider: "anthropic", from: 60, to: 70, expect: .page, perSecond: 0.5),
      try incident("google blip", provider: "google", from: 100, to: 102, expect: .none),
    ]
    file.receiverKinds = ["tickets": .ticket]
    file.goals = goals
    let messages = [
      message("stdout", "ServerErrors", provider: "openai", firing: true, at: 11),
      message("tickets", "ProviderAvailabilityTicket", provider: "openai", firing: true, at: 12),
      message("stdout", "ServerErrors", provider: "openai", firing: false, at: 23),
      message("stdout", "HighErrorRate", provider: "google", firing: true, at: 101),
      message("stdout", "ServerErrors", provider: "openai", firing: true, at: 300),
      message("stdout", "ServerErrors", provider: "openai", firing: false, at: 305),
    ]
    return Scorecard(
      messages: messages, file: file, receivers: ["stdout", "tickets"],
      rules: ["HighErrorRate", "ServerErrors", "SlowResponses"],
      fired: ["ServerErrors": 2, "HighErrorRate": 1],
      spanMs: 86_400_000)
  }

  @Test func recallPrecisionAndTimesAreCountedOnMessages() throws {
    let card = try Self.fixture()
    let stdout = try #require(card.receivers.first { $0.receiver == "stdout" })
    #expect(stdout.kind == .page)
    #expect(stdout.incidents.map(\.incident) == [0, 1])
    let f = card.figures(stdout.incidents)
    #expect(f.incidents == 2 && f.detected == 1)
    #expect(f.recall == 0.5)
    #expect(stdout.firingMessages == 3 && stdout.truePages == 1 && stdout.resolvedMessages == 2)
    #expect(stdout.precision == 1.0 / 3)
    #expect(f.ttdMaxMs == Self.minute && f.ttdMedianMs == Self.minute)
    #expect(f.ttrMaxMs == 3 * Self.minute && f.neverReset == 0)
    #expect(f.messagesMax == 2 && f.messagesMean == 2)
    #expect(stdout.incidents[0].rules == ["ServerErrors"])
    #expect(stdout.incidents[1].detectedAtMs == nil)
    // Three firing messages within 12 hours; two false ones in a day are 14 a week.
    #expect(stdout.worst12h == 3)
    #expect(stdout.falsePages.map(\.atMs) == [Self.at(101), Self.at(300)])
    #expect(stdout.falsePerWeek == 14)
  }

  @Test func aTicketForAPagedIncidentIsTrueAndTicketReceiversJudgeOnlyTicketIncidents() throws {
    let card = try Self.fixture()
    let tickets = try #require(card.receivers.first { $0.receiver == "tickets" })
    #expect(tickets.kind == .ticket)
    #expect(tickets.incidents.isEmpty)
    #expect(tickets.truePages == 1 && tickets.falsePages.isEmpty && tickets.precision == 1)
  }

  @Test func theRuleTableCountsFiringsMessagesAndIncidents() throws {
    let card = try Self.fixture()
    #expect(
      card.rules.map(\.rule) == [
        "HighErrorRate", "ServerErrors", "SlowResponses", "ProviderAvailabilityTicket",
      ])
    let server = try #require(card.rules.first { $0.rule == "ServerErrors" })
    #expect(
      server
        == Scorecard.RuleScore(rule: "ServerErrors", fired: 2, inMessages: 2, inFalseMessages: 1, detected: 1)
    )
    let high = try #require(card.rules.first { $0.rule == "HighErrorRate" })
    #expect(high.inFalseMessages == 1 && high.detected == 0)
    #expect(card.rules.first { $0.rule == "SlowResponses" }?.inMessages == 0)
  }

  @Test func aLateDetectionWithinTheGraceCountsAndAfterItIsFalse() throws {
    var file = IncidentsFile()
    file.graceMs = 5 * Self.minute
    file.incidents = [try Self.incident("slow", provider: "openai", from: 0, to: 10, expect: .page)]
    let within = Scorecard(
      messages: [Self.message("stdout", "SlowResponses", provider: "openai", firing: true, at: 15)],
      file: file,
      receivers: ["stdout"], rules: [], fired: [:], spanMs: Self.weekMs)
    #expect(within.receivers[0].truePages == 1)
    #expect(within.timeToDetect(within.receivers[0].incidents[0]) == 15 * Self.minute)
    let after = Scorecard(
      messages: [Self.message("stdout", "SlowResponses", provider: "openai", firing: true, at: 16)],
      file: file,
      receivers: ["stdout"], rules: [], fired: [:], spanMs: Self.weekMs)
    #expect(after.receivers[0].truePages == 0 && after.receivers[0].falsePerWeek == 1)
    // Detected, never reset: the goal on reset fails and says so.
    var goal = ScoreGoals()
    goal.timeToResetMs = 5 * Self.minute
    file.goals = [goal]
    let open = Scorecard(
      messages: [Self.message("stdout", "SlowResponses", provider: "openai", firing: true, at: 5)],
      file: file,
      receivers: ["stdout"], rules: [], fired: [:], spanMs: Self.weekMs)
    let check = try #require(open.checkGoals().first)
    #expect(!check.met && check.actual == "1 never reset")
  }

  static let weekMs = Scorecard.weekMs

  @Test func goalsAreJudgedOnTheirScopeAndReceivers() throws {
    var recall = ScoreGoals()
    recall.recall = 1
    recall.scope.minPerSecond = 1
    recall.timeToDetectMs = 60_000
    recall.messagesPerIncident = 2
    var strict = ScoreGoals()
    strict.recall = 1
    strict.precision = 0.95
    strict.timeToDetectMs = 59_000
    strict.pagesPer12h = 3
    strict.falsePagesPerWeek = 0
    var tickets = ScoreGoals()
    tickets.precision = 1
    tickets.receivers = ["tickets"]
    let checks = try Self.fixture(goals: [recall, strict, tickets]).checkGoals()
    let table = checks.map { "\($0.met ? "ok" : "FAIL") \($0.goal) \($0.receiver) \($0.target) \($0.actual)" }
    #expect(
      table == [
        "ok recall stdout >= 100% 100% (1 of 1)",
        "ok time_to_detect stdout <= 1m 1m",
        "ok messages_per_incident stdout <= 2 2",
        "FAIL recall stdout >= 100% 50% (1 of 2)",
        "FAIL time_to_detect stdout <= 59s 1m",
        "FAIL precision stdout >= 95% 33.3% (1 of 3)",
        "ok pages_per_12h stdout <= 3 3",
        "FAIL false_pages_per_week stdout <= 0 14 (2 in 1d)",
        "ok precision tickets >= 100% 100% (1 of 1)",
      ])
    #expect(checks[0].scope == ">= 1/s")
    #expect(checks[5].scope == "")
  }

  @Test func theWorstTwelveHoursSlideOverTheMessages() {
    let h: Int64 = 3_600_000
    #expect(Scorecard.mostWithin(12 * h, []) == 0)
    #expect(Scorecard.mostWithin(12 * h, [0, 11 * h, 12 * h, 13 * h, 30 * h]) == 3)
    #expect(Scorecard.mostWithin(12 * h, [0, 12 * h, 24 * h]) == 1)
  }
}
