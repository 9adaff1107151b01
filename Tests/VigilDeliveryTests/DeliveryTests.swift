import AsyncHTTPClient
import Foundation
import Synchronization
import Testing
import VigilCore
import VigilStore
import VigilTestPeers
import VigilTestSupport

@testable import VigilAlerting
@testable import VigilDelivery

#if canImport(Glibc)
  import Glibc
#endif

/// Delivery through the outbox to a real HTTP server on 127.0.0.1, with time passed in.
@Suite(.serialized) struct DeliveryTests {
  @Test func theSignatureIsHMACSHA256OfTheBody() {
    // RFC 4231, test case 2.
    #expect(
      Signature.hex(Array("what do ya want for nothing?".utf8), secret: "Jefe")
        == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
  }

  static let now: Int64 = 1_795_600_800_000

  /// A database, a rules set with the given receivers, and a sender over them.
  final class Fixture: @unchecked Sendable {
    let dir = TemporaryDirectory()
    let http = OutboxSender.makeHTTPClient()
    var rules = RuleSet()
    let store: Store
    let printed = Printed()

    init(_ receivers: [Receiver], maxAttempts: Int = 10) throws {
      rules.receivers = [.stdout] + receivers
      rules.delivery.maxAttempts = maxAttempts
      store = try Store(path: dir.file("v.db"))
    }

    func sender(environment: [String: String] = [:]) throws -> OutboxSender {
      let printed = self.printed
      return try OutboxSender(
        databasePath: dir.file("v.db"), rules: rules, environment: environment, http: http,
        stdout: { printed.append($0) }, random: SeededRandom(seed: 42))
    }

    /// Queues one message per title for `receiver`.
    func enqueue(_ receiver: String, titles: [String] = ["[FIRING:1] E"]) throws {
      let r = rules.receiver(named: receiver)!
      let messages = try titles.map { title in
        var alert = AlertFixtures.alert("E")
        alert.annotations["summary"] = title
        var m = try MessageRenderer(externalURL: "http://vigil.test", nowMs: DeliveryTests.now).render(
          AlertFixtures.notification([alert], receiver: receiver), for: r)
        m.title = title
        return m
      }
      try store.enqueue(messages, nowMs: DeliveryTests.now)
    }

    func entries() throws -> [OutboxEntry] {
      try store.outbox(states: OutboxEntry.State.allCases).sorted { $0.id < $1.id }
    }

    deinit { try? http.syncShutdown() }
  }

  final class Printed: @unchecked Sendable {
    let lock = NSLock()
    var bytes: [UInt8] = []
    func append(_ b: [UInt8]) {
      lock.lock()
      bytes += b
      lock.unlock()
    }
  }

  static func webhook(
    _ name: String, _ url: SecretValue, timeoutMs: Int64 = 5000,
    configure: (inout WebhookReceiver) -> Void = { _ in }
  )
    -> Receiver
  {
    var w = WebhookReceiver(url: url)
    w.timeoutMs = timeoutMs
    configure(&w)
    return Receiver(name: name, kind: .webhook(w))
  }

  @Test func aDeliveredMessageCarriesItsHeadersAndAVerifiableSignature() async throws {
    let server = try await RecordingHTTPServer()
    defer { Task { await server.close() } }
    let f = try Fixture([
      Self.webhook("hook", .environment("HOOK_URL")) {
        $0.headers = [
          .init(name: "X-Team", value: .literal("ml")),
          .init(name: "Authorization", value: .environment("HOOK_TOKEN")),
        ]
        $0.signingSecret = .environment("HOOK_SECRET")
      }
    ])
    try f.enqueue("hook")
    let env = [
      "HOOK_URL": server.url("/alerts?token=abc"), "HOOK_TOKEN": "Bearer t0k3n", "HOOK_SECRET": "s3cret",
    ]
    let report = try await f.sender(environment: env).deliverDue(nowMs: Self.now)
    #expect(report.delivered == 1 && report.problems.isEmpty)
    let request = try #require(server.requests.first)
    #expect(request.method == "POST" && request.uri == "/alerts?token=abc")
    #expect(request.header("Content-Type") == "application/json")
    #expect(request.header("X-Team") == "ml" && request.header("Authorization") == "Bearer t0k3n")
    #expect(request.header("X-Vigil-Delivery") == "1")
    #expect(request.header("User-Agent") == "vigil/\(VigilInfo.version)")
    // The receiver checks the signature with the shared secret over the bytes it received.
    #expect(request.header("X-Vigil-Signature") == "sha256=" + Signature.hex(request.body, secret: "s3cret"))
    #expect(request.json["version"] as? String == "4")
    let e = try f.entries()[0]
    #expect(e.state == .delivered && e.attempts == 1 && e.deliveredMs == Self.now)
  }

  @Test func a500IsRetriedWithBackoffAndTheSameBodyIsDeliveredOnce() async throws {
    let server = try await RecordingHTTPServer()
    defer { Task { await server.close() } }
    server.reply(.status(500, body: "upstream down"))
    let f = try Fixture([Self.webhook("hook", .literal(server.url()))])
    try f.enqueue("hook")
    let sender = try f.sender()
    var report = try await sender.deliverDue(nowMs: Self.now)
    #expect(report.retried == 1 && report.delivered == 0)
    #expect(
      report.problems.first?.description.contains("answered 500: upstream down (attempt 1 of 10, next in")
        == true)
    var e = try f.entries()[0]
    #expect(e.state == .pending && e.attempts == 1 && e.lastError?.contains("500") == true)
    // Full jitter under the first ceiling (1 s).
    #expect(e.nextAttemptMs >= Self.now && e.nextAttemptMs <= Self.now + 1000)
    // Not due yet one millisecond before: nothing is sent.
    if e.nextAttemptMs > Self.now {
      report = try await sender.deliverDue(nowMs: e.nextAttemptMs - 1)
      #expect(report == DeliveryReport())
    }
    report = try await sender.deliverDue(nowMs: e.nextAttemptMs)
    #expect(report.delivered == 1)
    e = try f.entries()[0]
    #expect(e.state == .delivered && e.attempts == 2)
    #expect(server.requests.count == 2 && server.requests[0].body == server.requests[1].body)
    #expect(try await sender.deliverDue(nowMs: Self.now + 3_600_000) == DeliveryReport())
  }

  @Test func retryAfterOfA429IsHonoured() async throws {
    let server = try await RecordingHTTPServer()
    defer { Task { await server.close() } }
    server.reply(.status(429, headers: [("Retry-After", "7")]))
    let f = try Fixture([Self.webhook("hook", .literal(server.url()))])
    try f.enqueue("hook")
    _ = try await f.sender().deliverDue(nowMs: Self.now)
    let e = try f.entries()[0]
    #expect(e.state == .pending && e.nextAttemptMs >= Self.now + 7000 && e.nextAttemptMs <= Self.now + 8000)
  }

  @Test(arguments: ["9223372036854775807", "99999999999999999999999999", "Fri, 31 Dec 9999 23:59:59 GMT"])
  func aRetryAfterBeyondAnyReasonIsHeldToTheLongestBackoff(retryAfter: String) async throws {
    let server = try await RecordingHTTPServer()
    defer { Task { await server.close() } }
    server.reply(.status(503, headers: [("Retry-After", retryAfter)]))
    let f = try Fixture([Self.webhook("hook", .literal(server.url()))])
    try f.enqueue("hook")
    let report = try await f.sender().deliverDue(nowMs: Self.now)
    #expect(report.retried == 1)
    let e = try f.entries()[0]
    // The default policy's longest backoff is 5 minutes.
    #expect(e.state == .pending && e.nextAttemptMs == Self.now + 300_000, "\(e.nextAttemptMs - Self.now)")
    // And the next round delivers it.
    #expect(try await f.sender().deliverDue(nowMs: e.nextAttemptMs).delivered == 1)
  }

  @Test(
    arguments: [
      ("7", 7000), ("0", 0), ("  12 ", 12_000), ("-5", nil), ("1e3", nil), ("soon", nil), ("", nil),
      ("99999999999999999999999999", 365 * 86_400_000),
    ] as [(String, Int64?)])
  func retryAfterValues(text: String, ms: Int64?) {
    #expect(RetryAfter.parse(text, nowMs: Self.now) == ms)
  }

  @Test func eachDeliveryIsRecordedAsItCompletesNotWhenTheSlowestReceiverIsDone() async throws {
    let fast = try await RecordingHTTPServer()
    let slow = try await RecordingHTTPServer()
    defer {
      Task {
        await fast.close()
        await slow.close()
      }
    }
    slow.reply(.hang)
    var slowHook = Self.webhook("slow", .literal(slow.url()))
    if case .webhook(var w) = slowHook.kind {
      w.timeoutMs = 3000
      slowHook.kind = .webhook(w)
    }
    let f = try Fixture([Self.webhook("fast", .literal(fast.url())), slowHook])
    try f.enqueue("fast")
    try f.enqueue("slow")
    let sender = try f.sender()
    let round = Task { try await sender.deliverDue(nowMs: Self.now) }
    // While the slow receiver still hangs, the fast one's delivery is already on record: a crash
    // now would not send it again.
    let reader = try Store(path: f.dir.file("v.db"))
    var recorded = false
    for _ in 0..<200 where !recorded {
      recorded = try reader.outbox(states: [.delivered]).contains { $0.message.receiver == "fast" }
      if !recorded { try await Task.sleep(for: .milliseconds(10)) }
    }
    #expect(recorded)
    #expect(try reader.outbox(states: [.pending]).map(\.message.receiver) == ["slow"])
    let report = try await round.value
    #expect(report.delivered == 1 && report.retried == 1)
    #expect(report.byReceiver["slow"]?["retry"] == 1)
  }

  /// Two deliverers on one outbox (two `check` runs from cron, `check` beside `serve`): while one
  /// is sending a message, the other leaves it (and the receiver's later ones) alone.
  @Test func twoDeliverersNeverSendOneMessageTwice() async throws {
    let server = try await RecordingHTTPServer()
    defer { Task { await server.close() } }
    server.reply(.hang)
    let f = try Fixture([Self.webhook("hook", .literal(server.url()), timeoutMs: 2000)])
    try f.enqueue("hook", titles: ["first", "second"])
    let first = try f.sender()
    let second = try f.sender()
    let round = Task { try await first.deliverDue(nowMs: Self.now) }
    var sending = false
    for _ in 0..<500 where !sending {
      sending = !server.requests.isEmpty
      if !sending { try await Task.sleep(for: .milliseconds(10)) }
    }
    #expect(sending)
    // The first is still waiting on its answer: the second sends nothing.
    let report = try await second.deliverDue(nowMs: Self.now)
    #expect(report.delivered == 0 && report.retried == 0 && report.dead == 0)
    #expect(server.requests.count == 1)
    let firstReport = try await round.value
    #expect(firstReport.retried == 1)
    #expect(server.requests.count == 1)
  }

  @Test func deliveryUntilADeadlineRetriesOnTheClockAndLeavesTheRestInTheOutbox() async throws {
    let server = try await RecordingHTTPServer()
    defer { Task { await server.close() } }
    server.reply(.status(500), .status(503), .status(200))
    let f = try Fixture([Self.webhook("hook", .literal(server.url()))])
    try f.enqueue("hook")
    let clock = ManualClock(nowMs: Self.now)
    let sender = try f.sender()
    let delivering = Task { try await sender.deliver(until: Self.now + 60_000, clock: clock) }
    // Each retry waits on the clock; move it to the next one until the message is through.
    for _ in 0..<2 {
      #expect(await clock.waitForSleeper())
      clock.advance(byMs: (clock.nextDeadline ?? clock.nowMs()) - clock.nowMs())
    }
    let total = try await delivering.value
    #expect(total.delivered == 1 && total.retried == 2)
    #expect(server.requests.count == 3)
    // A receiver still failing at the deadline: the message waits in the outbox, not dead.
    server.reply(.status(500), .status(500), .status(500), .status(500))
    try f.enqueue("hook", titles: ["[FIRING:1] later"])
    let finished = Mutex(false)
    let stuck = Task {
      defer { finished.withLock { $0 = true } }
      return try await sender.deliver(until: clock.nowMs() + 1500, clock: clock)
    }
    // Until it returns (not until no sleeper shows for a while: under load, a retry can take
    // longer than that to reach its next sleep, which nobody would then end).
    let giveUp = ContinuousClock.now + .seconds(120)
    while !finished.withLock({ $0 }) {
      if ContinuousClock.now > giveUp {
        Issue.record("deliver(until:) did not return")
        stuck.cancel()
        return
      }
      if await clock.waitForSleeper(seconds: 1) {
        clock.advance(byMs: (clock.nextDeadline ?? clock.nowMs()) - clock.nowMs())
      }
    }
    let report = try await stuck.value
    #expect(report.delivered == 0 && report.dead == 0 && report.retried >= 1)
    #expect(try f.entries().last?.state == .pending)
  }

  /// An Alertmanager that refuses every push (400), each resend period: a push carries the whole
  /// current set, so each replica keeps one dead letter, its latest, and the refusal is reported
  /// once, not once a period. A push it accepts clears them; a refusal after that is news again.
  @Test func aRefusedAlertmanagerPushLeavesOneDeadLetterPerReplicaAndIsReportedOnce() async throws {
    let server = try await RecordingHTTPServer()
    defer { Task { await server.close() } }
    for _ in 0..<20 { server.reply(.status(400, body: "bad alert")) }
    let am = Receiver(
      name: "am",
      kind: .alertmanager(
        AlertmanagerReceiver(urls: [.literal(server.url("/a")), .literal(server.url("/b"))])))
    let f = try Fixture([am])
    let sender = try f.sender()
    func push(_ period: Int) async throws -> DeliveryReport {
      let at = Self.now + Int64(period) * 60_000
      for replica in 0..<2 {
        let key = AlertmanagerReceiver.groupKey(replica: replica)
        try f.store.supersedePending(receiver: "am", groupKey: key)
        try f.store.enqueue(
          [
            OutboxMessage(
              receiver: "am", groupKey: key, status: .firing, alertCount: 1, title: "push \(period)",
              contentType: "application/json", body: Array("[]".utf8))
          ], nowMs: at)
      }
      return try await sender.deliverDue(nowMs: at)
    }
    var problems: [String] = []
    for period in 0..<10 {
      let report = try await push(period)
      #expect(report.dead == 2 && report.byReceiver["am"]?["dead"] == 2)
      problems += report.problems.map(\.description)
      let dead = try f.store.outbox(states: [.dead])
      #expect(dead.map(\.message.groupKey).sorted() == ["replica 1", "replica 2"], "period \(period)")
      #expect(dead.allSatisfy { $0.message.title == "push \(period)" })
    }
    #expect(
      problems.count == 2 && problems.allSatisfy { $0.contains("answered 400: bad alert") }, "\(problems)")
    #expect(server.requests.count == 20)
    let accepted = try await push(10)
    #expect(accepted.delivered == 2 && accepted.problems.isEmpty)
    #expect(try f.store.outbox(states: [.dead]).isEmpty)
    server.reply(.status(400, body: "bad alert"), .status(400, body: "bad alert"))
    #expect(try await push(11).problems.count == 2)
    #expect(try f.store.outbox(states: [.dead]).count == 2)
  }

  @Test func aClientErrorIsADeadLetterAtOnceAndRetryRevivesIt() async throws {
    let server = try await RecordingHTTPServer()
    defer { Task { await server.close() } }
    server.reply(.status(400, body: "invalid_payload"))
    let f = try Fixture([Self.webhook("hook", .literal(server.url()))])
    try f.enqueue("hook")
    let sender = try f.sender()
    let report = try await sender.deliverDue(nowMs: Self.now)
    #expect(
      report.dead == 1
        && report.problems.map(\.description) == [
          "#1 to hook: http://127.0.0.1:\(server.port) answered 400: invalid_payload (not retried)"
        ])
    #expect(try f.entries()[0].state == .dead)
    #expect(try await sender.deliverDue(nowMs: Self.now + 3_600_000) == DeliveryReport())
    #expect(try f.store.retryDead(ids: [], nowMs: Self.now + 60_000) == 1)
    #expect(try await sender.deliverDue(nowMs: Self.now + 60_000).delivered == 1)
    #expect(server.requests.count == 2)
  }

  @Test func afterTheLastAttemptAMessageIsADeadLetter() async throws {
    let server = try await RecordingHTTPServer()
    defer { Task { await server.close() } }
    server.reply(.status(503), .status(503), .status(503))
    let f = try Fixture([Self.webhook("hook", .literal(server.url()))], maxAttempts: 3)
    try f.enqueue("hook")
    let sender = try f.sender()
    var t = Self.now
    for _ in 0..<3 {
      _ = try await sender.deliverDue(nowMs: t)
      t = try f.entries()[0].nextAttemptMs
    }
    let e = try f.entries()[0]
    #expect(e.state == .dead && e.attempts == 3)
    #expect(server.requests.count == 3)
  }

  @Test func aReceiversMessagesKeepTheirOrderWhileTheFirstIsRetried() async throws {
    let server = try await RecordingHTTPServer()
    defer { Task { await server.close() } }
    server.reply(.status(500))
    let f = try Fixture([Self.webhook("hook", .literal(server.url()))])
    try f.enqueue("hook", titles: ["firing", "resolved"])
    let sender = try f.sender()
    _ = try await sender.deliverDue(nowMs: Self.now)
    #expect(server.requests.count == 1)
    // The second is due but waits behind the first, even past its own due time.
    #expect(try await sender.deliverDue(nowMs: Self.now).delivered == 0)
    let next = try f.entries()[0].nextAttemptMs
    // So nothing is due before the first's retry, and a deliverer with a deadline before it
    // returns at once. (The second's own due time once counted: deliver(until:) found it due,
    // sent nothing, and tried again at once, spinning a core until the deadline never came.)
    #expect(try await sender.nextDueMs() == next)
    let finished = Mutex(false)
    let delivering = Task {
      defer { finished.withLock { $0 = true } }
      return try await sender.deliver(until: next - 1, clock: ManualClock(nowMs: Self.now))
    }
    let giveUp = ContinuousClock.now + .seconds(60)
    while !finished.withLock({ $0 }) && ContinuousClock.now < giveUp {
      try await Task.sleep(for: .milliseconds(20))
    }
    #expect(finished.withLock { $0 }, "deliver(until:) spun instead of returning")
    delivering.cancel()
    #expect(try await delivering.value.delivered == 0)
    #expect(try await sender.deliverDue(nowMs: next).delivered == 2)
    let summaries = server.requests.map {
      (($0.json["alerts"] as? [[String: Any]])?.first?["annotations"] as? [String: String])?["summary"]
    }
    #expect(summaries == ["firing", "firing", "resolved"])
  }

  @Test func aHangingReceiverTimesOutWithoutHoldingUpAnother() async throws {
    let slow = try await RecordingHTTPServer()
    let fast = try await RecordingHTTPServer()
    defer {
      Task {
        await slow.close()
        await fast.close()
      }
    }
    slow.reply(.hang)
    let f = try Fixture([
      Self.webhook("slow", .literal(slow.url()), timeoutMs: 300), Self.webhook("fast", .literal(fast.url())),
    ])
    try f.enqueue("slow")
    try f.enqueue("fast")
    let report = try await f.sender().deliverDue(nowMs: Self.now)
    #expect(report.delivered == 1 && report.retried == 1)
    #expect(report.problems.first?.description.contains("timed out") == true)
    #expect(fast.requests.count == 1)
  }

  @Test func anUnsetVariableKeepsTheMessageWaitingAndNoSecretReachesAnError() async throws {
    let server = try await RecordingHTTPServer()
    defer { Task { await server.close() } }
    let f = try Fixture([Self.webhook("hook", .environment("HOOK_URL"))])
    try f.enqueue("hook")
    var report = try await f.sender(environment: [:]).deliverDue(nowMs: Self.now)
    #expect(
      report.retried == 1 && report.problems.first?.description.contains("$HOOK_URL is not set") == true)
    // The receiver echoes the URL (with its token) in an error: the token is not kept.
    let url = server.url("/services/T00/SECRET123")
    server.reply(.status(500, body: "bad url \(url)"))
    let next = try f.entries()[0].nextAttemptMs
    report = try await f.sender(environment: ["HOOK_URL": url]).deliverDue(nowMs: next)
    #expect(report.retried == 1)
    let error = try #require(try f.entries()[0].lastError)
    #expect(!error.contains("SECRET123") && error.contains("<redacted>"))
    #expect(!report.problems.map(\.description).joined().contains("SECRET123"))
  }

  @Test func aReceiverThatRefusesConnectionsIsRetried() async throws {
    // A port held bound but not listening refuses every connection, for as long as the test
    // runs: a port closed and released could be taken by another test meanwhile.
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafePointer(to: &addr) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) }
    }
    #expect(bound == 0)
    _ = withUnsafeMutablePointer(to: &addr) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
    }
    let port = Int(UInt16(bigEndian: addr.sin_port))
    let f = try Fixture([Self.webhook("hook", .literal("http://127.0.0.1:\(port)/hook"))])
    try f.enqueue("hook")
    let report = try await f.sender().deliverDue(nowMs: Self.now)
    #expect(report.retried == 1)
    #expect(
      report.problems.first?.description.contains("http://127.0.0.1:\(port): connection refused") == true,
      "\(report.problems)")
  }

  @Test func theStdoutReceiverPrintsItsMessage() async throws {
    let f = try Fixture([])
    try f.enqueue("stdout")
    #expect(try await f.sender().deliverDue(nowMs: Self.now).delivered == 1)
    #expect(
      String(decoding: f.printed.bytes, as: UTF8.self).contains("FIRING E{model=gpt-4o,provider=openai}"))
  }
}
