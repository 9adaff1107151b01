import CSQLite
import Foundation
import Testing
import VigilCore
import VigilTestSupport

@testable import VigilStore

#if canImport(Glibc)
  import Glibc
#endif

@Suite struct StoreTests {
  func call(
    _ ms: Int64, _ status: Int, provider: String = "openai", model: String = "gpt-4o", latency: Double? = 100
  )
    -> CallRecord
  {
    CallRecord(timestampMs: ms, status: status, provider: provider, model: model, latencyMs: latency)
  }

  /// What an evaluation remembers comes back as it was saved, by the next cron run or a restart:
  /// a resolved SLO page's release too (without it, the next run's page fired again on the
  /// failures it had announced).
  @Test func alertStatesComeBackAsTheyWereSaved() throws {
    let dir = TemporaryDirectory()
    let store = try Store(path: dir.file("v.db"))
    var firing = AlertState()
    firing.phase = .firing
    firing.groupLabels = ["provider": "openai"]
    firing.activeSinceMs = 1_000
    firing.firedAtMs = 2_000
    firing.resolvingSinceMs = 3_000
    firing.lastValue = 0.25
    firing.lastEvaluationMs = 4_000
    firing.noDataSinceMs = 5_000
    var released = AlertState()
    released.groupLabels = ["provider": "anthropic"]
    released.lastEvaluationMs = 4_000
    released.releasedAtMs = 3_990
    let states = [
      AlertKey(rule: "HighErrorRate", group: "provider=openai"): firing,
      AlertKey(rule: "ProviderAvailabilityPage", group: "provider=anthropic"): released,
    ]
    try store.saveEvaluation(states: states, transitions: [])
    #expect(try Store(path: dir.file("v.db")).alertStates() == states)
  }

  @Test func newDatabaseHasTheCurrentSchemaVersionAndWAL() throws {
    let dir = TemporaryDirectory()
    let store = try Store(path: dir.file("v.db"))
    #expect(try store.connection.scalar("PRAGMA user_version") == Int64(Store.schemaVersion))
    let mode = try store.connection.prepare("PRAGMA journal_mode")
    _ = try mode.step()
    #expect(mode.text(0) == "wal")
    // Opening again applies nothing twice.
    _ = try Store(path: dir.file("v.db"))
  }

  @Test func sourceActivityIsWhatEachSourceWroteInTheStretch() throws {
    let dir = TemporaryDirectory()
    let store = try Store(path: dir.file("v.db"))
    for (source, range) in [("/var/log/app.jsonl", 0..<60), ("udp:127.0.0.1:9515", 0..<120)] {
      for minute in range {
        var batch = IngestBatch(source: source)
        for k in 0..<10 { try batch.add(call(Int64(minute) * 60_000 + Int64(k) * 1000, 200)) }
        try store.write(batch)
      }
    }
    let activity = try store.sourceActivity(fromMs: 3_600_000, toMs: 7_200_000).sorted {
      $0.source < $1.source
    }
    #expect(activity.map(\.source) == ["udp:127.0.0.1:9515"])
    #expect(activity.first?.calls == 600)
    let lastOfAll: Int64 = 119 * 60_000 + 9000
    #expect(activity.first?.lastCallMs == lastOfAll)
    // No look-ahead: the last call before the end of the stretch.
    let early = try store.sourceActivity(fromMs: 0, toMs: 1_800_000).sorted { $0.source < $1.source }
    #expect(early.map(\.source) == ["/var/log/app.jsonl", "udp:127.0.0.1:9515"])
    let lastBeforeHalfAnHour: Int64 = 29 * 60_000 + 9000
    #expect(early.map(\.lastCallMs) == [lastBeforeHalfAnHour, lastBeforeHalfAnHour])
  }

  /// A write whose calls straddle the stretch's edges counts only its calls inside (the report's
  /// sources table once said 21,830 calls beside a header of 21,829).
  @Test func sourceActivityCountsExactlyTheCallsOfTheStretch() throws {
    let dir = TemporaryDirectory()
    let store = try Store(path: dir.file("v.db"))
    var batch = IngestBatch(source: "/var/log/app.jsonl")
    for k in 0..<100 { try batch.add(call(Int64(k) * 1000, 200)) }
    try store.write(batch)
    let inside = try store.sourceActivity(fromMs: 10_500, toMs: 42_000)
    #expect(inside.map(\.calls) == [31])
    #expect(inside.first?.lastCallMs == 41_000)
    #expect(try store.sourceActivity(fromMs: 0, toMs: 100_000).map(\.calls) == [100])
    #expect(try store.sourceActivity(fromMs: 10_100, toMs: 10_900).isEmpty)
  }

  /// A database written by the previous version (schema 6) opens, gains the new class columns
  /// (zero for its old rollups) and takes new calls of every class, old counts intact.
  @Test func aSchemaSixDatabaseMigratesAndKeepsItsRollups() throws {
    let dir = TemporaryDirectory()
    let path = dir.file("v6.db")
    do {
      let c = try SQLiteConnection(path: path, busyTimeoutMs: 1000)
      for step in 0..<6 { try c.execute(Store.migrations[step]) }
      try c.execute(
        """
        INSERT INTO series(id, provider, model, app, env, endpoint) VALUES (1, 'openai', 'gpt-4o', '', '', '');
        INSERT INTO rollups(bucket, series, attempts, requests, errors, s429, s5xx, auth, c_success, c_client,
          c_capacity, c_quota, c_server, c_network, exhausted, latency_sum, prompt_tokens, completion_tokens,
          failed_tokens, latency, unavailable) VALUES (0, 1, 3, 3, 1, 0, 0, 0, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, x'', 0);
        INSERT INTO request_minutes(minute, series, requests, unavailable) VALUES (0, 1, 3, 0);
        PRAGMA user_version=6;
        """)
    }
    let store = try Store(path: path)
    #expect(try store.connection.scalar("PRAGMA user_version") == Int64(Store.schemaVersion))
    var batch = IngestBatch(source: "t")
    try batch.add(CallRecord(timestampMs: 1000, status: 499, provider: "openai", model: "gpt-4o"))
    try batch.add(
      CallRecord(timestampMs: 2000, status: 200, provider: "openai", model: "gpt-4o", finishReason: "refusal")
    )
    var headers = CallRecord(timestampMs: 3000, status: 200, provider: "openai", model: "gpt-4o")
    headers.rateLimitRemainingRequests = 40
    headers.rateLimitLimitRequests = 50
    headers.rateLimitResetRequestsS = 12
    try batch.add(headers)
    try store.write(batch)
    let row = try #require(try store.rollupRows(fromMs: 0, toMs: 10_000, latency: false).first)
    #expect(row.rollup.attempts == 6 && row.rollup.count(of: .client) == 1)
    // Schema 8: what the rate-limit headers said, in a table of its own; read through the
    // protocol (a store answers from that table, not from every rollup).
    let source: any RollupSource = store
    let fits = try #require(try source.rateLimitRows(fromMs: 0, toMs: 10_000).first).rollup
    #expect(fits.rateLimits.requests.n == 1 && fits.rateLimits.requests.limit == 50 && fits.attempts == 1)
    #expect(fits.rateLimits.requests.maxResetS == 12 && fits.rateLimits.tokens.isEmpty)
    #expect(row.rollup.rateLimits.isEmpty)
    #expect(row.rollup.count(of: .cancelled) == 1 && row.rollup.count(of: .contentFilter) == 1)
    #expect(row.rollup.count(of: .success) == 3)
    // The cancelled request leaves the SLI in the tiers and the rollups alike.
    let key = SeriesKey(provider: "openai", model: "gpt-4o", app: "", env: "", endpoint: "")
    let counts = try store.requestCounts(starts: [0], toMs: 120_000)[0]?[key]
    #expect(counts?.requests == 6 && counts?.cancelled == 1 && counts?.inSLI == 5)
    let limits = try store.connection.prepare(
      "SELECT ratelimit_limit_requests, ratelimit_reset_requests_s FROM call_log WHERE ratelimit_limit_requests IS NOT NULL"
    )
    #expect(try limits.step() && limits.int64(0) == 50 && limits.double(1) == 12)
    let finish = try store.connection.prepare(
      "SELECT finish_reason FROM call_log WHERE status = 200 AND finish_reason IS NOT NULL")
    #expect(try finish.step() && finish.text(0) == "refusal")
  }

  @Test func refusesADatabaseFromANewerVigil() throws {
    let dir = TemporaryDirectory()
    do {
      let store = try Store(path: dir.file("v.db"))
      try store.connection.execute("PRAGMA user_version=99")
    }
    #expect {
      _ = try Store(path: dir.file("v.db"))
    } throws: { error in
      "\(error)".contains("schema version 99, newer than this vigil supports")
    }
  }

  @Test func refusesAFileThatIsNotSQLite() throws {
    let dir = TemporaryDirectory()
    let path = dir.file("notes.db")
    let f = fopen(path, "w")!
    fputs(String(repeating: "this is not a database\n", count: 200), f)
    fclose(f)
    #expect {
      _ = try Store(path: path)
    } throws: { error in
      "\(error)" == "\(path) is not a SQLite database (file is not a database)"
    }
  }

  @Test func writesCallsRollupsRejectsAndCheckpointInOneBatch() throws {
    let dir = TemporaryDirectory()
    let store = try Store(path: dir.file("v.db"))
    var batch = IngestBatch(source: "app.log")
    try batch.add(call(1_000, 200))
    try batch.add(call(2_000, 429))
    try batch.add(call(12_000, 503, provider: "anthropic", model: "claude"))
    var withDetail = call(3_000, 429)
    withDetail.errorCode = "insufficient_quota"
    withDetail.retryAfterS = 2.5
    try batch.add(withDetail)
    batch.rejects.append(
      Reject(
        source: "app.log", offset: 99, lineNumber: 4, reason: RejectReason(.syntax, "bad"), line: "{oops"))
    batch.checkpoint = Checkpoint(
      fingerprint: "abc", path: "app.log", device: 1, inode: 2, offset: 120, lineNumber: 5)
    try store.write(batch, nowMs: 5)

    #expect(try store.callCount() == 4)
    #expect(try store.rejectCount() == 1)
    #expect(try store.checkpoint(fingerprint: "abc")?.offset == 120)
    let rejects = try store.rejects()
    #expect(rejects.first?.reason == "bad" && rejects.first?.offset == 99 && rejects.first?.lineNumber == 4)

    let window = try store.rollups(fromMs: 0, toMs: 20_000)
    let openai = try #require(window[SeriesKey(provider: "openai", model: "gpt-4o")])
    #expect(openai.attempts == 3)
    #expect(openai.status429 == 2)
    #expect(openai.count(of: .quota) == 1)
    #expect(openai.count(of: .capacity) == 1)
    #expect(window[SeriesKey(provider: "anthropic", model: "claude")]?.status5xx == 1)
    // Only the first bucket.
    #expect(
      try store.rollups(fromMs: 0, toMs: 10_000)[SeriesKey(provider: "anthropic", model: "claude")] == nil)

    // The view shows every field, rare ones from the JSON detail column.
    let row = try store.connection.prepare(
      "SELECT provider, error_code, retry_after_s, source FROM call_log WHERE error_code IS NOT NULL")
    #expect(try row.step())
    #expect(row.text(0) == "openai" && row.text(1) == "insufficient_quota" && row.double(2) == 2.5)
    #expect(row.text(3) == "app.log")
  }

  @Test func everyFieldComesBackThroughTheCallLogViewWhetherDetailsWereEncodedEarlyOrNot() throws {
    let record = CallRecord(
      timestampMs: 1_000, status: 429, provider: "openai", model: "gpt-4o", latencyMs: 12.5, attempt: 2,
      maxAttempts: 3, retriesExhausted: true, errorType: "rate\"limit\\ \n\t é", errorCode: "c\u{1}",
      requestID: "req-1", retryAfterS: 0.25, rateLimitRemainingRequests: 0, rateLimitRemainingTokens: 123_456,
      promptTokens: 10, completionTokens: 0, app: "a", env: "e", endpoint: "/v1/chat")
    let plain = CallRecord(timestampMs: 2_000, status: 200, provider: "openai", model: "gpt-4o")
    for encodeFirst in [false, true] {
      let dir = TemporaryDirectory()
      let store = try Store(path: dir.file("v.db"))
      var batch = IngestBatch(source: "app.log")
      try batch.add(record)
      try batch.add(plain)
      if encodeFirst { batch.encodeDetails() }
      try store.write(batch)
      let s = try store.connection.prepare(
        """
        SELECT v.ts, v.status, provider, model, app, env, endpoint, v.latency_ms, v.attempt, v.max_attempts,
          retries_exhausted, error_type, error_code, v.request_id, retry_after_s, ratelimit_remaining_requests,
          ratelimit_remaining_tokens, v.prompt_tokens, v.completion_tokens, c.detail IS NULL
        FROM call_log v JOIN calls c USING (id) ORDER BY id
        """)
      #expect(try s.step())
      let back = CallRecord(
        timestampMs: s.int64(0), status: Int(s.int64(1)), provider: s.text(2)!, model: s.text(3)!,
        latencyMs: s.double(7), attempt: Int(s.int64(8)), maxAttempts: Int(s.int64(9)),
        retriesExhausted: s.int64(10) == 1, errorType: s.text(11), errorCode: s.text(12),
        requestID: s.text(13),
        retryAfterS: s.double(14), rateLimitRemainingRequests: s.int64(15),
        rateLimitRemainingTokens: s.int64(16),
        promptTokens: s.int64(17), completionTokens: s.int64(18), app: s.text(4), env: s.text(5),
        endpoint: s.text(6))
      #expect(back == record)
      #expect(s.int64(19) == 0)
      #expect(try s.step())
      #expect(s.isNull(7) && s.isNull(9) && s.isNull(11) && s.isNull(14) && s.isNull(17) && s.int64(19) == 1)
      #expect(s.text(4) == "" && s.int64(8) == 1 && s.int64(10) == 0)
    }
  }

  /// A NUL byte in a label is stored whole, so it is read back whole: labels that differ only
  /// after it stay six series and six alerts (read up to the NUL, they merged into one).
  @Test func labelsHoldingANulByteAreReadBackWhole() throws {
    let dir = TemporaryDirectory()
    let store = try Store(path: dir.file("v.db"))
    var expected: Set<SeriesKey> = []
    var batch = IngestBatch(source: "a")
    for k in 0..<6 {
      let v = "v\u{0}\(k)"
      let series = SeriesKey(
        provider: k == 0 || k == 5 ? v : "p", model: k == 1 ? v : "m", app: k == 2 ? v : "",
        env: k == 3 ? v : "", endpoint: k == 4 ? v : "")
      expected.insert(series)
      for s in 0..<20 {
        var r = CallRecord(
          timestampMs: 1_000 + Int64(s) * 100, status: 500, provider: series.provider, model: series.model,
          latencyMs: 100, app: series.app.isEmpty ? nil : series.app,
          env: series.env.isEmpty ? nil : series.env,
          endpoint: series.endpoint.isEmpty ? nil : series.endpoint)
        r.requestID = "req\u{0}\(k)"
        try batch.add(r)
      }
    }
    try store.write(batch)
    let rows = try store.rollupRows(fromMs: 0, toMs: 10_000, latency: false)
    #expect(Set(rows.map(\.series)) == expected)
    // In a fresh connection too (no cache of series ids between).
    let again = try Store(path: dir.file("v.db"))
    #expect(Set(try again.rollupRows(fromMs: 0, toMs: 10_000, latency: false).map(\.series)) == expected)
    var rule = AlertRule(name: "E", metric: .errorRate, threshold: 0.5, windowMs: 60_000)
    rule.groupBy = [.provider, .model, .app, .env, .endpoint]
    let evaluation = try Evaluator.evaluate(
      RuleSet(rules: [rule]), source: again, atMs: 20_000, previous: [:])
    #expect(evaluation.firing.count == 6)
    let ids = try again.connection.prepare("SELECT DISTINCT request_id FROM calls ORDER BY 1")
    var read: [String] = []
    while try ids.step() { read.append(ids.text(0) ?? "") }
    #expect(read == (0..<6).map { "req\u{0}\($0)" })
  }

  @Test func aBatchIsFullAtItsLineCountOrItsTextLimitWhicheverComesFirst() throws {
    var batch = IngestBatch(source: "a")
    #expect(!batch.isFull(lines: 2))
    try batch.add(call(1_000, 200))
    batch.rejects.append(
      Reject(source: "a", offset: 0, lineNumber: 2, reason: RejectReason(.syntax, "bad"), line: "{"))
    #expect(batch.isFull(lines: 2) && !batch.isFull(lines: 3))
    // Few lines, but long request ids: full by text, so that 32-bit text offsets never overflow.
    var long = IngestBatch(source: "a")
    let id = String(repeating: "x", count: IngestBatch.maxTextBytes / 4)
    for k in 0..<4 {
      #expect(!long.isFull(lines: 1_000))
      var r = call(Int64(k), 200)
      r.requestID = id
      try long.add(r)
    }
    #expect(long.isFull(lines: 1_000))
    #expect(long.records.last?.requestID?.count == id.count)
  }

  @Test func statusCodesAndRetryTokensAreKeptPerRollupAndMerge() throws {
    let dir = TemporaryDirectory()
    let store = try Store(path: dir.file("v.db"))
    var retry = call(1_000, 429)
    retry.attempt = 2
    retry.promptTokens = 100
    retry.completionTokens = 20
    for statuses in [[200, 200, 429], [200, 503]] {
      var batch = IngestBatch(source: "a")
      for s in statuses { try batch.add(call(1_000, s)) }
      try batch.add(retry)
      try store.write(batch)
    }
    let rows = try store.rollupRows(fromMs: 0, toMs: 10_000, latency: false, codes: true)
    #expect(rows.count == 1)
    #expect(
      rows[0].rollup.codes.sorted.map { [$0.status, Int($0.count)] } == [[200, 3], [429, 3], [503, 1]])
    #expect(rows[0].rollup.retryTokens == 240)
    // Evaluation does not pay for what it does not read.
    #expect(try store.rollupRows(fromMs: 0, toMs: 10_000, latency: false)[0].rollup.codes.isEmpty)
  }

  @Test func rollupsOfLaterBatchesMergeIntoStoredOnes() throws {
    let dir = TemporaryDirectory()
    let store = try Store(path: dir.file("v.db"))
    var exact = LatencyHistogram()
    for part in 0..<3 {
      var batch = IngestBatch(source: "s")
      for i in 0..<50 {
        let latency = Double(part * 1000 + i * 7 + 1)
        exact.record(latency)
        try batch.add(call(Int64(i * 10), i % 10 == 0 ? 500 : 200, latency: latency))
      }
      try store.write(batch)
    }
    let r = try #require(try store.rollups(fromMs: 0, toMs: 10_000).values.first)
    #expect(r.attempts == 150)
    #expect(r.status5xx == 15)
    #expect(r.latency == exact)
    #expect(try store.connection.scalar("SELECT count(*) FROM rollups") == 1)
  }

  /// Whatever the library's limit on bound values per statement (999 before SQLite 3.32, or
  /// lower), the bulk insert fits it and stores every call.
  @Test(arguments: [nil, 999, 100] as [Int32?])
  func multiRowAndSingleRowInsertsBothStoreEveryCall(variableLimit: Int32?) throws {
    let dir = TemporaryDirectory()
    let store = try Store(path: dir.file("v.db"))
    if let variableLimit {
      sqlite3_limit(store.connection.handle, SQLITE_LIMIT_VARIABLE_NUMBER, variableLimit)
    }
    #expect(
      store.rowsPerInsert
        == (variableLimit.map { max(1, Int($0) / Store.callColumns) } ?? Store.maxRowsPerInsert))
    var batch = IngestBatch(source: "s")
    let n = Store.maxRowsPerInsert * 3 + 5
    for i in 0..<n { try batch.add(call(Int64(i), 200 + (i % 2) * 300)) }
    try store.write(batch)
    #expect(try store.callCount() == Int64(n))
    #expect(try store.connection.scalar("SELECT count(*) FROM calls WHERE status = 500") == Int64(n / 2))
    #expect(try store.connection.scalar("SELECT sum(ts) FROM calls") == Int64(n * (n - 1) / 2))
    let chunk = try store.connection.prepare("SELECT first_call, last_call, min_ts, max_ts FROM chunks")
    #expect(try chunk.step())
    #expect(
      chunk.int64(0) == 1 && chunk.int64(1) == Int64(n) && chunk.int64(2) == 0
        && chunk.int64(3) == Int64(n - 1))
  }

  @Test func retentionPrunesOldRawRowsAndKeepsRollupsLonger() throws {
    let dir = TemporaryDirectory()
    let store = try Store(path: dir.file("v.db"))
    var old = IngestBatch(source: "s")
    for i in 0..<10 { try old.add(call(Int64(i) * 1000, 200)) }
    try store.write(old, nowMs: 0)
    var recent = IngestBatch(source: "s")
    for i in 0..<5 { try recent.add(call(1_000_000 + Int64(i), 200)) }
    try store.write(recent, nowMs: 1_000_000)
    let deleted = try store.prune(rawBeforeMs: 500_000, rollupsBeforeMs: 0)
    #expect(deleted == 10)
    #expect(try store.callCount() == 5)
    // Rollups of the pruned calls are still there for charts and backtests.
    #expect(try store.rollups(fromMs: 0, toMs: 20_000).values.first?.attempts == 10)
    try store.prune(rawBeforeMs: 500_000, rollupsBeforeMs: 500_000)
    #expect(try store.rollups(fromMs: 0, toMs: 20_000).isEmpty)
  }

  @Test func aLockedDatabaseGivesAClearErrorAndKeepsNothingHalfWritten() throws {
    let dir = TemporaryDirectory()
    let path = dir.file("v.db")
    let writer = try Store(path: path)
    let other = try Store(path: path, busyTimeoutMs: 50)
    try writer.connection.execute("BEGIN IMMEDIATE")
    var batch = IngestBatch(source: "s")
    try batch.add(call(1, 200))
    #expect {
      try other.write(batch)
    } throws: { error in
      (error as? StoreError)?.isBusy == true && "\(error)".contains("is locked by another process")
    }
    try writer.connection.execute("ROLLBACK")
    try other.write(batch)
    #expect(try other.callCount() == 1)
  }
}

@Suite struct ConcurrentOpenTests {
  /// Two processes (here: threads with their own connections) creating one new database at once
  /// must both succeed, with the schema created once.
  @Test func twoConnectionsCreatingTheSameDatabaseBothSucceed() throws {
    for round in 0..<20 {
      let dir = TemporaryDirectory()
      let path = dir.file("race\(round).db")
      let failures = Failures()
      let threads = (0..<2).map { _ in
        Thread {
          do { _ = try Store(path: path) } catch { failures.add("\(error)") }
        }
      }
      for thread in threads { thread.start() }
      while threads.contains(where: { !$0.isFinished }) { usleep(1000) }
      #expect(failures.all.isEmpty, "\(failures.all)")
    }
  }
}

final class Failures: @unchecked Sendable {
  private let lock = NSLock()
  private var items: [String] = []
  func add(_ s: String) { lock.withLock { items.append(s) } }
  var all: [String] { lock.withLock { items } }
}

@Suite struct SeriesVisibilityTests {
  @Test func aReaderSeesSeriesThatAnotherConnectionAddedLater() throws {
    let dir = TemporaryDirectory()
    let reader = try Store(path: dir.file("v.db"))
    let writer = try Store(path: dir.file("v.db"))
    var batch = IngestBatch(source: "s")
    try batch.add(CallRecord(timestampMs: 1000, status: 200, provider: "late", model: "m", latencyMs: 5))
    try writer.write(batch)
    let window = try reader.rollups(fromMs: 0, toMs: 10_000)
    #expect(window[SeriesKey(provider: "late", model: "m")]?.attempts == 1)
    let latency = try reader.latencyWindows(starts: [0], toMs: 10_000)
    #expect(latency[0]?[SeriesKey(provider: "late", model: "m")]?.count == 1)
  }
}
