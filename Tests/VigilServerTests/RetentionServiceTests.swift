import Logging
import Testing
import VigilConfig
import VigilCore
import VigilStore
import VigilTestSupport

@testable import VigilServer

/// Serve's retention measures ages back from the newest stored call, never by the wall clock
/// alone: it once deleted a whole import of older logs (the bundled example) the moment serve
/// started, and later reports lost their error codes and sources.
@Suite struct RetentionServiceTests {
  static let day: Int64 = 86_400_000
  static let start: Int64 = 1_800_000_000_000

  static func write(_ store: Store, atMs: Int64, calls: Int) throws {
    var batch = IngestBatch(source: "/var/log/app.jsonl")
    for k in 0..<calls {
      try batch.add(
        CallRecord(timestampMs: atMs + Int64(k) * 1000, status: 200, provider: "openai", model: "m"))
    }
    try store.write(batch)
  }

  static func rawCalls(_ store: Store) throws -> Int64 {
    try store.connection.scalar("SELECT count(*) FROM calls") ?? -1
  }

  @Test func anImportOfOldLogsSurvivesServeAndOnlyWhatAgedBehindNewerCallsGoes() async throws {
    let dir = TemporaryDirectory()
    var config = ServeConfig()
    config.db = dir.file("v.db")
    config.retainRawMs = 7 * Self.day
    config.retainRollupsMs = 90 * Self.day
    let store = try Store(path: config.db)
    // Logs of 30 and 20 days ago, imported now.
    try Self.write(store, atMs: Self.start - 30 * Self.day, calls: 100)
    try Self.write(store, atMs: Self.start - 20 * Self.day, calls: 50)
    let clock = ManualClock(nowMs: Self.start)
    let service = RetentionService(config: config, logger: Logger(label: "test"), clock: clock)
    let task = Task { try await service.run() }
    #expect(await clock.waitForSleeper())
    // The newest call is 20 days old: the 30-day-old ones are 10 days behind it and go; the
    // newest import stays whole, though the wall clock says it is 20 days old.
    #expect(try Self.rawCalls(store) == 50)

    // Live traffic arrives: now the 20-day-old calls are old beside it.
    try Self.write(store, atMs: Self.start, calls: 10)
    let begun = clock.sleepsBegun
    clock.advance(byMs: config.retentionEveryMs)
    #expect(await clock.waitForSleeper(after: begun))
    #expect(try Self.rawCalls(store) == 10)
    task.cancel()
    try await task.value
  }

  @Test func theReferenceIsTheNewestCallNeverLaterThanNow() throws {
    let dir = TemporaryDirectory()
    let store = try Store(path: dir.file("v.db"))
    #expect(try store.retentionReferenceMs(nowMs: Self.start) == nil)
    try Self.write(store, atMs: Self.start - Self.day, calls: 1)
    let newestMinuteEnd = RollupKey.bucket(of: Self.start - Self.day) + rollupBucketMs
    #expect(try store.retentionReferenceMs(nowMs: Self.start) == newestMinuteEnd)
    #expect(try store.retentionReferenceMs() == newestMinuteEnd)
    // A call stamped in the future (a skewed clock) does not move ages past now.
    try Self.write(store, atMs: Self.start + Self.day, calls: 1)
    #expect(try store.retentionReferenceMs(nowMs: Self.start) == Self.start)
  }
}
