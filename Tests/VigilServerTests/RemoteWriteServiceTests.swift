import Logging
import SwiftProtobuf
import Testing
import VigilConfig
import VigilCore
import VigilRemoteWrite
import VigilStore
import VigilTestPeers
import VigilTestSupport

@testable import VigilServer

/// The remote-write sender against a real HTTP receiver on 127.0.0.1 that decodes what it gets
/// (snappy, then the protobuf WriteRequest), with time driven by a manual clock.
@Suite(.serialized) struct RemoteWriteServiceTests {
  static let start: Int64 = 1_800_000_000_000

  /// 60 calls to openai, one every 2 s from 5 minutes before `start`, every sixth a 500.
  static func write(_ store: Store, fromMs: Int64, calls: Int = 60) throws {
    var batch = IngestBatch(source: "/var/log/app.jsonl")
    for k in 0..<calls {
      try batch.add(
        CallRecord(
          timestampMs: fromMs + Int64(k) * 2000, status: k % 6 == 5 ? 500 : 200, provider: "openai",
          model: "gpt-4o", latencyMs: 800))
    }
    try store.write(batch)
  }

  struct Series {
    var labels: [String: String]
    var samples: [(t: Int64, v: Double)]
  }

  /// What a request carried, each series by its labels.
  static func decode(_ request: RecordingHTTPServer.Request) throws -> [Series] {
    let raw = try #require(Snappy.decompress(request.body, maxBytes: 64 << 20))
    let w = try Prometheus_WriteRequest(serializedBytes: raw)
    return w.timeseries.map { s in
      Series(
        labels: Dictionary(uniqueKeysWithValues: s.labels.map { ($0.name, $0.value) }),
        samples: s.samples.map { ($0.timestamp, $0.value) })
    }
  }

  /// The samples of one series across requests, in the order they were sent.
  static func samples(
    _ requests: [RecordingHTTPServer.Request], _ name: String, _ extra: [String: String] = [:]
  )
    throws -> [(t: Int64, v: Double)]
  {
    try requests.flatMap { try decode($0) }
      .filter { s in s.labels["__name__"] == name && extra.allSatisfy { s.labels[$0.key] == $0.value } }
      .flatMap(\.samples)
  }

  static func target(_ receiver: RecordingHTTPServer) -> RemoteWriteTarget {
    var t = RemoteWriteTarget(name: "central", url: receiver.url("/api/v1/write"))
    t.maxBackfillMs = 600_000
    t.externalLabels = [.init(name: "instance", value: "vigil-a")]
    return t
  }

  static func service(_ t: RemoteWriteTarget, db: String, state: RemoteWriteState, clock: ManualClock)
    -> RemoteWriteService<ManualClock>
  {
    var s = RemoteWriteService(
      target: t, headers: [("Authorization", "Bearer s3cret")], db: db, state: state,
      logger: Logger(label: "test"), clock: clock)
    s.maxSamplesPerRequest = 200
    return s
  }

  @Test func backfillsInOrderFromTheRollupsAndRetriesA503AsItsRetryAfterSays() async throws {
    let dir = TemporaryDirectory()
    let db = dir.file("v.db")
    try Self.write(try Store(path: db), fromMs: Self.start - 300_000)
    let receiver = try await RecordingHTTPServer()
    receiver.reply(.status(503, headers: [("Retry-After", "2")], body: "overloaded"))
    let clock = ManualClock(nowMs: Self.start)
    let state = RemoteWriteState()
    let task = Task {
      try await Self.service(Self.target(receiver), db: db, state: state, clock: clock).run()
    }
    // The 503: the sender sleeps the 2 seconds asked for, then sends the same request again.
    #expect(await receiver.waitForRequests(1))
    #expect(await clock.waitForSleeper())
    #expect(receiver.requests.count == 1)
    #expect(state.snapshot.first?.state == "retrying")
    clock.advance(byMs: 2000)
    #expect(await receiver.waitForRequests(2))
    let begun = clock.sleepsBegun
    #expect(await clock.waitForSleeper(after: begun))
    let requests = receiver.requests
    #expect(requests[0].body == requests[1].body)
    let first = requests[0]
    #expect(first.method == "POST" && first.uri == "/api/v1/write")
    #expect(first.header("Content-Encoding") == "snappy")
    #expect(first.header("Content-Type") == "application/x-protobuf")
    #expect(first.header("X-Prometheus-Remote-Write-Version") == "0.1.0")
    #expect(first.header("User-Agent")?.hasPrefix("vigil/") == true)
    #expect(first.header("Authorization") == "Bearer s3cret")
    // Several requests (200 samples each at most), steps of 15 s in order across them, from the
    // step of the first bucket through the last due at `start`, the counter cumulative.
    #expect(requests.count > 3)
    let sent = Array(requests.dropFirst())
    let reqs = try Self.samples(sent, "vigil_requests_total", ["provider": "openai", "instance": "vigil-a"])
    #expect(reqs.first?.t == Self.start - 300_000)
    // The retry came 2 s later, when the step at `start` was due too.
    #expect(reqs.last?.t == Self.start)
    #expect(zip(reqs, reqs.dropFirst()).allSatisfy { $1.t - $0.t == 15_000 && $1.v >= $0.v })
    #expect(reqs.last?.v == 60)
    let errors = try Self.samples(sent, "vigil_attempts_total", ["code": "500", "class": "server"])
    #expect(errors.last?.v == 10)
    let inf = try Self.samples(sent, "vigil_attempt_latency_seconds_bucket", ["le": "+Inf"])
    let le1 = try Self.samples(sent, "vigil_attempt_latency_seconds_bucket", ["le": "1"])
    #expect(inf.last?.v == 60 && le1.last?.v == 60)
    let r = try #require(state.snapshot.first)
    #expect(r.state == "up" && r.ackedMs == Self.start && r.failuresInRow == 0)
    #expect(
      r.samples["sent"] == Int64(try sent.flatMap { try Self.decode($0) }.reduce(0) { $0 + $1.samples.count })
    )
    #expect(r.samples["retried"] == Int64(try Self.decode(first).reduce(0) { $0 + $1.samples.count }))
    // The next step is sent when it is due, with the counters as they stand.
    clock.advance(byMs: 15_000)
    #expect(await receiver.waitForRequests(requests.count + 1))
    let next = try Self.samples([receiver.requests.last!], "vigil_requests_total")
    #expect(next.map(\.t) == [Self.start + 15_000] && next.first?.v == 60)
    task.cancel()
    try await task.value
    await receiver.close()
  }

  @Test func aRestartResumesFromTheLastAcknowledgedStepWithoutAReset() async throws {
    let dir = TemporaryDirectory()
    let db = dir.file("v.db")
    let store = try Store(path: db)
    try Self.write(store, fromMs: Self.start - 300_000)
    let receiver = try await RecordingHTTPServer()
    let clock = ManualClock(nowMs: Self.start)
    let state = RemoteWriteState()
    var task = Task {
      try await Self.service(Self.target(receiver), db: db, state: state, clock: clock).run()
    }
    #expect(await clock.waitForSleeper())
    task.cancel()
    try await task.value
    let before = receiver.requests.count
    // Down for 3 minutes while calls go on; then serve starts again.
    try Self.write(store, fromMs: Self.start, calls: 30)
    clock.advance(byMs: 180_000)
    task = Task { try await Self.service(Self.target(receiver), db: db, state: state, clock: clock).run() }
    #expect(await clock.waitForSleeper(after: clock.sleepsBegun))
    let after = Array(receiver.requests.dropFirst(before))
    let reqs = try Self.samples(after, "vigil_requests_total")
    // From the step after the last acknowledged one, every step, no reset: 60 and the 5 calls of
    // the bucket begun at `start`, then 90.
    #expect(reqs.first?.t == Self.start && reqs.first?.v == 65)
    #expect(reqs.last?.t == Self.start + 165_000 && reqs.last?.v == 90)
    #expect(zip(reqs, reqs.dropFirst()).allSatisfy { $1.t - $0.t == 15_000 && $1.v >= $0.v })
    task.cancel()
    try await task.value
    await receiver.close()
  }

  /// A database holding the 60 calls before `start`, a receiver, a clock at `start`, the state.
  struct Fixture {
    let dir = TemporaryDirectory()
    let db: String
    let store: Store
    let receiver: RecordingHTTPServer
    let clock = ManualClock(nowMs: RemoteWriteServiceTests.start)
    let state = RemoteWriteState()

    init() async throws {
      db = dir.file("v.db")
      store = try Store(path: db)
      try RemoteWriteServiceTests.write(store, fromMs: RemoteWriteServiceTests.start - 300_000)
      receiver = try await RecordingHTTPServer()
    }

    /// The sender to `receiver`, running until cancelled.
    func push() -> Task<Void, any Error> {
      let (t, db, state, clock) = (RemoteWriteServiceTests.target(receiver), db, state, clock)
      return Task { try await RemoteWriteServiceTests.service(t, db: db, state: state, clock: clock).run() }
    }
  }

  @Test func aReceiverBackAfterALongOutageHasTheSamplesWithinFiveSeconds() async throws {
    let f = try await Fixture()
    let (receiver, clock, state) = (f.receiver, f.clock, f.state)
    for _ in 0..<10 { receiver.reply(.status(503, body: "down")) }
    let task = f.push()
    // Each 503 (no Retry-After) waits twice as long as the one before, up to 5 s, not a minute:
    // central rules would otherwise see no samples for up to a minute after the receiver is back.
    var waits: [Int64] = []
    var begun: UInt64 = 0
    for n in 1...10 {
      #expect(await receiver.waitForRequests(n))
      #expect(await clock.waitForSleeper(after: begun))
      let wait = try #require(clock.nextDeadline) - clock.nowMs()
      waits.append(wait)
      begun = clock.sleepsBegun
      clock.advance(byMs: wait)
    }
    #expect(waits == [1000, 2000, 4000] + Array(repeating: 5000, count: 7))
    #expect(await receiver.waitForRequests(11))
    #expect(await clock.waitForSleeper(after: begun))
    // 42 s of waits: everything through the last step due then (start + 30 s) is acknowledged.
    #expect(clock.nowMs() == Self.start + 42_000)
    let r = try #require(state.snapshot.first)
    #expect(r.failuresInRow == 0 && r.ackedMs == Self.start + 30_000)
    task.cancel()
    try await task.value
    await receiver.close()
  }

  @Test func eachAcknowledgedStepStoresOnlyItsTimeAndACrashResumesFromThatStep() async throws {
    let f = try await Fixture()
    let (store, receiver, clock, state) = (f.store, f.receiver, f.clock, f.state)
    let t = Self.target(receiver)
    let wholeKey = RemoteWriteProgress.metaKey(name: t.name, url: t.url)
    let ackedKey = RemoteWriteProgress.ackedKey(name: t.name, url: t.url)
    var task = f.push()
    #expect(await clock.waitForSleeper())
    // Live steps until one is acknowledged after the whole progress was last stored: each
    // request stores its step (a few bytes), the whole (every series' totals) once a minute.
    var acked = Self.start
    var whole = ""
    for _ in 0..<5 {
      let begun = clock.sleepsBegun
      clock.advance(byMs: 15_000)
      #expect(await clock.waitForSleeper(after: begun))
      acked = try #require(state.snapshot.first?.ackedMs)
      whole = try #require(try store.meta(wholeKey))
      if try #require(RemoteWriteProgress.decode(whole)).ackedMs < acked { break }
    }
    #expect(try store.meta(ackedKey) == String(acked))
    #expect(try #require(RemoteWriteProgress.decode(whole)).ackedMs < acked)
    #expect(whole.utf8.count > 1000 && String(acked).utf8.count < 20)
    let sentBefore = try Self.samples(receiver.requests, "vigil_requests_total")
    #expect(sentBefore.last?.t == acked && sentBefore.last?.v == 60)
    // A stop stores the whole; a crash would have left the older one beside the acknowledged step.
    task.cancel()
    try await task.value
    #expect(RemoteWriteProgress.decode(try store.meta(wholeKey))?.ackedMs == acked)
    try store.setMeta(wholeKey, whole)
    let before = receiver.requests.count
    try Self.write(store, fromMs: clock.nowMs(), calls: 30)
    clock.advance(byMs: 180_000)
    task = f.push()
    #expect(await clock.waitForSleeper(after: clock.sleepsBegun))
    let reqs = try Self.samples(Array(receiver.requests.dropFirst(before)), "vigil_requests_total")
    // The step after the acknowledged one comes next (none is sent twice), the counter going on
    // from the 60 sent, every step through the 90 calls.
    #expect(reqs.first?.t == acked + 15_000 && (reqs.first?.v ?? 0) >= 60)
    #expect(zip(reqs, reqs.dropFirst()).allSatisfy { $1.t - $0.t == 15_000 && $1.v >= $0.v })
    #expect(reqs.last?.v == 90)
    task.cancel()
    try await task.value
    await receiver.close()
  }

  @Test func refusalsAreDroppedAndCountedAndTooOldIsSaidApart() async throws {
    let dir = TemporaryDirectory()
    let db = dir.file("v.db")
    try Self.write(try Store(path: db), fromMs: Self.start - 300_000)
    let receiver = try await RecordingHTTPServer()
    receiver.reply(
      .status(400, body: "out of bounds"), .status(400, body: "invalid labels"))
    let clock = ManualClock(nowMs: Self.start)
    let state = RemoteWriteState()
    let task = Task {
      try await Self.service(Self.target(receiver), db: db, state: state, clock: clock).run()
    }
    #expect(await clock.waitForSleeper())
    let requests = receiver.requests
    let count = { (r: RecordingHTTPServer.Request) in
      Int64(try Self.decode(r).reduce(0) { $0 + $1.samples.count })
    }
    let r = try #require(state.snapshot.first)
    // Neither refusal is sent again: each request went once, and the push went on past them.
    #expect(Set(requests.map(\.body)).count == requests.count)
    #expect(r.samples["too_old"] == (try count(requests[0])))
    #expect(r.samples["dropped"] == (try count(requests[1])))
    #expect(r.samples["sent"] == (try requests.dropFirst(2).reduce(0) { $0 + (try count($1)) }))
    #expect(r.ackedMs == Self.start - 15_000)
    #expect(r.lastError?.contains("invalid labels") == true)
    task.cancel()
    try await task.value
    await receiver.close()
  }

  @Test func metricsAndTheAPIShowEachReceiverAndAMissingSecretStopsTheStart() throws {
    let state = ServerState()
    state.remoteWrite.update("central", url: "http://127.0.0.1:9090/api/v1/write") {
      $0.samples["sent"] = 120
      $0.lagMs = 15_000
      $0.state = "up"
    }
    let page = MetricsPage.render(state: state, outbox: [:])
    #expect(page.contains("vigil_remote_write_samples_total{receiver=\"central\",result=\"sent\"} 120"))
    #expect(page.contains("vigil_remote_write_samples_total{receiver=\"central\",result=\"too_old\"} 0"))
    #expect(page.contains("vigil_remote_write_lag_seconds{receiver=\"central\"} 15"))
    let json = API.remoteWrite(state.remoteWrite.snapshot).text
    #expect(json.contains("\"state\":\"up\"") && json.contains("\"lag_seconds\":15"))
    var t = RemoteWriteTarget(name: "central", url: "http://127.0.0.1:9090/api/v1/write")
    t.bearerTokenEnv = "RW_TOKEN"
    #expect(throws: DaemonError.self) { try Daemon.remoteWriteHeaders(t, [:]) }
    let headers = try Daemon.remoteWriteHeaders(t, ["RW_TOKEN": "abc"])
    #expect(headers.map { "\($0.0): \($0.1)" } == ["Authorization: Bearer abc"])
    t.bearerTokenEnv = nil
    t.basicAuthUsername = "vigil"
    t.basicAuthPasswordEnv = "RW_PASSWORD"
    t.headers = [.init(name: "X-Scope-OrgID", value: .environment("TENANT"))]
    let basic = try Daemon.remoteWriteHeaders(t, ["RW_PASSWORD": "pw", "TENANT": "team-a"])
    #expect(
      basic.map { "\($0.0): \($0.1)" } == ["Authorization: Basic dmlnaWw6cHc=", "X-Scope-OrgID: team-a"])
  }
}
