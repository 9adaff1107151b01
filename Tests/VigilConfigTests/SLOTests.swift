import Foundation
import Testing
import VigilCore
import VigilStore
import VigilTestSupport

@testable import VigilConfig

/// SLOs in the form of the SRE workbook's multi-window, multi-burn-rate alerts.
@Suite struct SLOTests {
  static let yaml = """
    version: 1
    defaults: {evaluation_interval: 15s, group_by: [provider]}
    slos:
      - name: ProviderAvailability
        objective: 99.9%
    rules: []
    """

  static func rules() throws -> RuleSet { try RulesLoader.load(yaml: yaml, file: "alerts.yaml") }

  /// `perSecond` logical requests every second of `[from, to)` seconds, `failing` of each
  /// second's with `status`.
  static func traffic(
    _ data: InMemoryRollups, _ from: Int, _ to: Int, perSecond: Int = 10, failing: Int = 0, status: Int = 503,
    every seconds: Int = 1
  ) {
    for s in stride(from: from, to: to, by: seconds) {
      for i in 0..<perSecond {
        data.add(
          CallRecord(
            timestampMs: Int64(s) * 1000 + Int64(i) * 1000 / Int64(perSecond),
            status: i < failing ? status : 200,
            provider: "openai"))
      }
    }
  }

  /// Announced transitions of the page alert, evaluating every 15 s over `[from, to)` seconds
  /// (with the SLO's `no_data` as given).
  static func pages(_ data: any RollupSource, from: Int, to: Int, noData: String = "keep") throws
    -> [AlertTransition]
  {
    let set = try RulesLoader.load(
      yaml: yaml.replacingOccurrences(
        of: "objective: 99.9%", with: "objective: 99.9%\n    no_data: \(noData)"),
      file: "alerts.yaml")
    var out: [AlertTransition] = []
    try Replay(rules: set, source: data).run(
      at: stride(from: Int64(from) * 1000, to: Int64(to) * 1000, by: 15_000)
    ) {
      _, e in out += e.transitions.filter { $0.isAnnounced && $0.key.rule == "ProviderAvailabilityPage" }
    }
    return out
  }

  @Test func anSLOBecomesAPageAndATicketWithTheWorkbooksWindows() throws {
    let set = try Self.rules()
    #expect(set.rules.map(\.name) == ["ProviderAvailabilityPage", "ProviderAvailabilityTicket"])
    let page = try #require(set.rules[0].burn)
    #expect(
      page.pairs == [
        .init(longMs: 3_600_000, shortMs: 300_000, factor: 14.4),
        .init(longMs: 21_600_000, shortMs: 1_800_000, factor: 6),
      ])
    #expect(set.rules[1].burn?.pairs.map(\.longMs) == [86_400_000, 259_200_000])
    #expect(set.rules[0].severity == "critical" && set.rules[1].severity == "warning")
    // A 7-day period scales the windows: the page's 1 h and 5 m become 14 m and 70 s.
    let weekly = try RulesLoader.load(
      yaml: Self.yaml.replacingOccurrences(of: "objective: 99.9%", with: "objective: 99.9%\n    period: 7d"),
      file: "a.yaml")
    #expect(weekly.rules[0].burn?.pairs.first == .init(longMs: 840_000, shortMs: 70_000, factor: 14.4))
  }

  @Test func anObjectiveThatCannotBurnThatFastIsCappedAndSaysSo() throws {
    let set = try RulesLoader.load(
      yaml: Self.yaml.replacingOccurrences(of: "99.9%", with: "90%"), file: "alerts.yaml")
    let burn = try #require(set.rules[0].burn)
    #expect(burn.pairs.map { ($0.factor * 1000).rounded() / 1000 } == [10, 6])
    // Capped, the fast pair still holds when every request fails, and only then.
    var fast = burn
    fast.pairs = [burn.pairs[0]]
    #expect(fast.judge { _ in RequestCounts(requests: 100, unavailable: 100) }.holds)
    #expect(!fast.judge { _ in RequestCounts(requests: 100, unavailable: 99) }.holds)
    // Cancelled requests are outside the SLI: 99 failures of the 99 requests not cancelled burn it all.
    #expect(fast.judge { _ in RequestCounts(requests: 100, unavailable: 99, cancelled: 1) }.holds)
    #expect(burn.burn(RequestCounts(requests: 1000, unavailable: 10, cancelled: 900)) == 0.1 / burn.budget)
    #expect(burn.burn(RequestCounts(requests: 5, unavailable: 0, cancelled: 5)) == nil)
    #expect(set.warnings.count == 1)
    #expect(set.warnings.first?.contains("cannot burn faster than 10.00x") == true)
  }

  @Test func aProviderFailingEveryCallPagesWithinTwoMinutes() throws {
    let data = InMemoryRollups()
    Self.traffic(data, 0, 3600)
    Self.traffic(data, 3600, 4200, failing: 10)
    let pages = try Self.pages(data, from: 3000, to: 4200)
    let fired = try #require(pages.first { $0.kind == .firing })
    #expect(fired.atMs - 3_600_000 <= 120_000, "paged \(fired.atMs - 3_600_000) ms after the first failure")
    // A minute into the outage, the 1 h & 5 m pair holds at 16.7x (the 6 h window, which an hour
    // of history covers only in part, is judged as if the rest had been healthy: 2.8x); over the
    // data so far (an hour), the budget is spent.
    #expect(
      fired.summary
        == "ProviderAvailability for openai: error budget burning 16.7x the allowed rate (objective 99.9%), failures: capacity 600 (100%); budget left: none; at this rate exhausted in: 0s"
    )
  }

  @Test func aThreePercentBlipOfTwoMinutesNeverPages() throws {
    let data = InMemoryRollups()
    Self.traffic(data, 0, 7200, perSecond: 100)
    Self.traffic(data, 3600, 3720, perSecond: 100, failing: 3)
    #expect(try Self.pages(data, from: 3000, to: 7200).isEmpty)
  }

  @Test func thirtyPercentErrorsInATrickleOfOneRequestAMinuteNeverPage() throws {
    let data = InMemoryRollups()
    for s in stride(from: 0, to: 4 * 3600, by: 60) {
      data.add(
        CallRecord(timestampMs: Int64(s) * 1000, status: s % 600 < 180 ? 503 : 200, provider: "openai"))
    }
    #expect(try Self.pages(data, from: 3600, to: 4 * 3600).isEmpty)
  }
}

/// A request whose retry never arrives counts by its last attempt, and a page resolves once its
/// shortest window is clean.
@Suite struct SLORetryAndResetTests {
  /// `perSecond` requests every second of `[from, to)` seconds, each a first attempt of five
  /// with `status`; with `retryAfter`, each failure's second attempt succeeds that many seconds on.
  static func records(
    _ from: Int, _ to: Int, perSecond: Int = 10, status: Int = 200, retryAfter: Int? = nil
  ) -> [CallRecord] {
    var out: [CallRecord] = []
    for s in from..<to {
      for i in 0..<perSecond {
        let ms = Int64(s) * 1000 + Int64(i) * 1000 / Int64(perSecond)
        out.append(
          CallRecord(timestampMs: ms, status: status, provider: "openai", attempt: 1, maxAttempts: 5))
        if let retryAfter, status != 200 {
          out.append(
            CallRecord(
              timestampMs: ms + Int64(retryAfter) * 1000, status: 200, provider: "openai", attempt: 2,
              maxAttempts: 5))
        }
      }
    }
    return out
  }

  static func attempts(
    _ data: InMemoryRollups, _ from: Int, _ to: Int, status: Int = 200, retryAfter: Int? = nil
  ) {
    for r in records(from, to, status: status, retryAfter: retryAfter) { data.add(r) }
  }

  @Test func anOutageWhoseRetriesNeverComeBurnsTheBudgetAndPages() throws {
    // An hour of good requests, then ten minutes of 503s logged as attempt 1 of 5 by an app that
    // gave up (crashed, tripped a breaker): no attempt follows, none says it was the last.
    let data = InMemoryRollups()
    Self.attempts(data, 0, 3600)
    Self.attempts(data, 3600, 4200, status: 503)
    let pages = try SLOTests.pages(data, from: 3000, to: 4800)
    let fired = try #require(pages.first { $0.kind == .firing }, "no page for a 10-minute outage")
    // The hour's 1.44% (52 s) and the minute each failure waits for its retry.
    #expect(fired.atMs - 3_600_000 <= 135_000, "paged \(fired.atMs - 3_600_000) ms after the first failure")
    #expect(fired.summary.contains("failures: capacity 1200 (100%)"))
    // The budget is spent: the failures count in the period too.
    #expect(fired.summary.contains("budget left: none"))
  }

  @Test func aStoreCountsRetriesThatNeverComeAsBacktestsDo() throws {
    // `check` and `serve` read a database's minute and hour tiers: the same outage, written a
    // minute a batch, pages at the same instant.
    let data = InMemoryRollups()
    let dir = TemporaryDirectory()
    let store = try Store(path: dir.file("v.db"))
    for minute in 0..<70 {
      var batch = IngestBatch(source: "app.jsonl")
      for r in Self.records(minute * 60, minute * 60 + 60, status: minute >= 60 ? 503 : 200) {
        data.add(r)
        try batch.add(r)
      }
      try store.write(batch)
    }
    let fromStore = try SLOTests.pages(store, from: 3000, to: 4800)
    let inMemory = try SLOTests.pages(data, from: 3000, to: 4800)
    #expect(fromStore.first?.kind == .firing)
    #expect(fromStore.map(\.atMs) == inMemory.map(\.atMs))
    #expect(fromStore.map(\.kind) == inMemory.map(\.kind))
  }

  @Test func failuresWhoseRetriesSucceedWithinTheWaitPageNobody() throws {
    let data = InMemoryRollups()
    Self.attempts(data, 0, 3600)
    Self.attempts(data, 3600, 4200, status: 503, retryAfter: 20)
    #expect(try SLOTests.pages(data, from: 3000, to: 4800).isEmpty)
  }

  /// Announced firings of a rule of retry exhaustion over `[from, to)` seconds.
  static func exhaustionFirings(_ data: InMemoryRollups, from: Int, to: Int) throws -> [Int64] {
    let set = try RulesLoader.load(
      yaml: """
        version: 1
        defaults: {evaluation_interval: 15s, group_by: [provider]}
        rules:
          - {alert: RetriesExhausted, metric: retry_exhaustion_rate, threshold: 1%, window: 2m}
        """, file: "alerts.yaml")
    var out: [Int64] = []
    try Replay(rules: set, source: data).run(
      at: stride(from: Int64(from) * 1000, to: Int64(to) * 1000, by: 15_000)
    ) { _, e in out += e.transitions.filter { $0.kind == .firing }.map(\.atMs) }
    return out
  }

  @Test func retriesThatNeverComeAreExhaustedRetries() throws {
    // The same outage: its requests gave up as surely as if their last attempt had said so.
    let data = InMemoryRollups()
    Self.attempts(data, 0, 3600)
    Self.attempts(data, 3600, 4200, status: 503)
    let fired = try #require(try Self.exhaustionFirings(data, from: 3000, to: 4800).first)
    #expect(fired - 3_600_000 <= 90_000, "fired \(fired - 3_600_000) ms after the first failure")
    // Retried within the minute, they gave up nothing.
    let retried = InMemoryRollups()
    Self.attempts(retried, 0, 3600)
    Self.attempts(retried, 3600, 4200, status: 503, retryAfter: 20)
    #expect(try Self.exhaustionFirings(retried, from: 3000, to: 4800).isEmpty)
  }

  @Test func aSlowBurnAtOneRequestASecondStillPagesOnItsSixHourPair() throws {
    // 1% of requests failing (10x: under the 1 h pair's 14.4x) at 1 request/s, in bursts of a
    // hundred every 100 s: five minutes hold three bad requests, too few to say the burn stopped.
    let data = InMemoryRollups()
    SLOTests.traffic(data, 0, 8 * 3600, perSecond: 100, failing: 1, every: 100)
    let pages = try SLOTests.pages(data, from: 6 * 3600, to: 8 * 3600)
    #expect(pages.first?.kind == .firing)
    #expect(pages.count == 1, "\(pages.map(\.kind))")
  }

  @Test func aPageResolvesAboutFiveMinutesAfterAnOutageEnds() throws {
    // Ten minutes of every request failing: the 6 h & 30 m pair holds the failures for half an
    // hour after, but the last five minutes are clean and the page says so.
    let data = InMemoryRollups()
    SLOTests.traffic(data, 0, 3600)
    SLOTests.traffic(data, 3600, 4200, failing: 10)
    SLOTests.traffic(data, 4200, 9000)
    let pages = try SLOTests.pages(data, from: 3000, to: 9000)
    #expect(pages.map(\.kind) == [.firing, .resolved])
    let resolved = try #require(pages.last)
    let after = resolved.atMs - 4_200_000
    #expect(after >= 300_000 && after <= 330_000, "resolved \(after) ms after the outage ended")
  }

  @Test func aBlipAfterAResolvedOutageDoesNotPageAgainButANewOutageDoes() throws {
    // Ten minutes of every request failing, resolved about five minutes after. Ten minutes later,
    // five minutes of 2% failures (20x: at the 1 h & 5 m pair's 14.4x while the hour still holds
    // the outage) are no new incident: the resolved page's windows count from its resolve, as for
    // a provider first seen then, and dilute the blip (it once fired the page again for 15 s).
    let data = InMemoryRollups()
    SLOTests.traffic(data, 0, 3600)
    SLOTests.traffic(data, 3600, 4200, failing: 10)
    SLOTests.traffic(data, 4200, 5100)
    SLOTests.traffic(data, 5100, 5400, perSecond: 100, failing: 2)
    SLOTests.traffic(data, 5400, 6000)
    // A new outage 40 minutes after the first resolve still pages at once.
    SLOTests.traffic(data, 6000, 6600, failing: 10)
    SLOTests.traffic(data, 6600, 9000)
    let pages = try SLOTests.pages(data, from: 3000, to: 9000)
    #expect(
      pages.map(\.kind) == [.firing, .resolved, .firing, .resolved], "\(pages.map { ($0.kind, $0.atMs) })")
    let again = try #require(pages.count > 2 ? pages[2] : nil)
    #expect(
      again.atMs - 6_000_000 <= 120_000, "paged \(again.atMs - 6_000_000) ms after the new outage began")
  }

  @Test func tooFewRequestsSinceAResolveNeverPageEvenWithNoDataAlerting() throws {
    // At 2 requests/s, the minutes after a resolve hold fewer than `min_total` requests: no value
    // to judge by, which `no_data: alerting` takes for a breach. Since the resolve, that is no
    // evidence of a new burn: one firing, one resolved (not a page every 30 s).
    let data = InMemoryRollups()
    SLOTests.traffic(data, 0, 3600, perSecond: 2)
    SLOTests.traffic(data, 3600, 4200, perSecond: 2, failing: 2)
    SLOTests.traffic(data, 4200, 9000, perSecond: 2)
    let pages = try SLOTests.pages(data, from: 3000, to: 9000, noData: "alerting")
    #expect(pages.map(\.kind) == [.firing, .resolved], "\(pages.map { ($0.kind, $0.atMs) })")
  }

  @Test func aResolvedOutageIsNotCountedAgainOnceTheHourHasPassed() throws {
    // After a 10-minute outage resolves, 1% of requests fail (10x) from 40 minutes on. Counting
    // from the resolve, that burn is judged as with clean history: the 6 h & 30 m pair pages once
    // the 6 h window holds enough of it (about 4 h 16 m after the resolve), not an hour after the
    // resolve on the outage's failures, which the 6 h window still holds for 5 hours more.
    let data = InMemoryRollups()
    SLOTests.traffic(data, 0, 3600)
    SLOTests.traffic(data, 3600, 4200, failing: 10)
    SLOTests.traffic(data, 4200, 6900)
    SLOTests.traffic(data, 6900, 23_400, perSecond: 100, failing: 1, every: 10)
    let pages = try SLOTests.pages(data, from: 3000, to: 23_400)
    #expect(pages.map(\.kind) == [.firing, .resolved, .firing], "\(pages.map { ($0.kind, $0.atMs) })")
    let resolvedAt = try #require(pages.count > 1 ? pages[1].atMs : nil)
    let again = try #require(pages.count > 2 ? pages[2].atMs : nil)
    #expect(again - resolvedAt > 4 * 3_600_000, "paged again \(again - resolvedAt) ms after the resolve")
  }

  @Test func aReleaseIsForgottenWhenTheRuleOfItsNameIsNoLongerAnSLO() throws {
    // A reload replaced the SLO's page with a threshold rule of the same name, and the group has
    // no calls now: the release is not kept (nor read) for ever.
    let set = try RulesLoader.load(
      yaml: """
        version: 1
        rules:
          - alert: ProviderAvailabilityPage
            metric: error_rate
            threshold: 5%
            window: 5m
            group_by: [provider]
        """, file: "alerts.yaml")
    var released = AlertState()
    released.groupLabels = ["provider": "openai"]
    released.releasedAtMs = 3_600_000
    let key = AlertKey(rule: "ProviderAvailabilityPage", group: "provider=openai")
    let evaluation = try Evaluator.evaluate(
      set, source: InMemoryRollups(), atMs: 3_700_000, previous: [key: released])
    #expect(evaluation.states[key] == nil, "\(evaluation.states)")
  }
}
