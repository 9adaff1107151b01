import Foundation
import Testing
import VigilCore
import VigilStore
import VigilTestSupport

@testable import VigilIngest

#if canImport(Glibc)
  import Glibc
#endif

/// Follow mode, driven one `poll()` at a time: no sleeps, every step decided by the test.
@Suite struct FollowerTests {
  func counts(_ store: Store) throws -> (rows: Int64, distinct: Int64) {
    (try store.callCount(), try store.connection.scalar("SELECT count(DISTINCT request_id) FROM calls") ?? 0)
  }

  @Test func readsNewFilesAndNewLinesAndHoldsAPartialLine() throws {
    let dir = TemporaryDirectory()
    let store = try Store(path: dir.file("v.db"))
    let follower = Follower(store: store, patterns: [dir.file("*.log")])
    try follower.poll()
    #expect(try store.callCount() == 0)
    LogFile.write(dir.file("a.log"), LogFile.lines(0..<5))
    try follower.poll()
    #expect(try store.callCount() == 5)
    let next = LogFile.line(5)
    LogFile.append(dir.file("a.log"), String(next.prefix(20)))
    try follower.poll()
    #expect(try store.callCount() == 5)
    #expect(try store.rejectCount() == 0)
    LogFile.append(dir.file("a.log"), String(next.dropFirst(20)) + "\n")
    try follower.poll()
    #expect(try counts(store) == (6, 6))
    LogFile.write(dir.file("b.log"), LogFile.lines(100..<103))
    try follower.poll()
    #expect(try counts(store) == (9, 9))
    #expect(follower.watchedPaths == [dir.file("a.log"), dir.file("b.log")])
  }

  @Test func rotationByRenameAndCreateLosesAndRepeatsNothing() throws {
    let dir = TemporaryDirectory()
    let log = dir.file("app.log")
    let store = try Store(path: dir.file("v.db"))
    let follower = Follower(store: store, patterns: [log])
    LogFile.write(log, LogFile.lines(0..<10))
    try follower.poll()
    // The application writes more, logrotate renames, the application writes to the old file
    // (it has not reopened yet), then a new file is created.
    LogFile.append(log, LogFile.lines(10..<15))
    LogFile.shell("mv '\(log)' '\(log).1'")
    LogFile.append(log + ".1", LogFile.lines(15..<18))
    LogFile.write(log, LogFile.lines(18..<25))
    try follower.poll()
    try follower.poll()
    try follower.poll()
    #expect(try counts(store) == (25, 25))
    #expect(follower.watchedPaths == [log])
    LogFile.append(log, LogFile.lines(25..<30))
    try follower.poll()
    #expect(try counts(store) == (30, 30))
  }

  @Test func renamedFileStillMatchedKeepsBeingRead() throws {
    let dir = TemporaryDirectory()
    let log = dir.file("app.log")
    let store = try Store(path: dir.file("v.db"))
    let follower = Follower(store: store, patterns: [dir.file("app.log*")])
    LogFile.write(log, LogFile.lines(0..<10))
    try follower.poll()
    LogFile.shell("mv '\(log)' '\(log).1'")
    LogFile.append(log + ".1", LogFile.lines(10..<12))
    LogFile.write(log, LogFile.lines(12..<14))
    try follower.poll()
    #expect(try counts(store) == (14, 14))
    #expect(follower.takeEvents().contains { $0.contains("renamed to") })
  }

  @Test func copytruncateReadsTheCopyForLinesWrittenBeforeTheTruncation() throws {
    let dir = TemporaryDirectory()
    let log = dir.file("app.log")
    let store = try Store(path: dir.file("v.db"))
    let follower = Follower(store: store, patterns: [dir.file("app.log*")])
    LogFile.write(log, LogFile.lines(0..<10))
    try follower.poll()
    // Lines written after the last poll and before logrotate copies and truncates.
    LogFile.append(log, LogFile.lines(10..<13))
    LogFile.shell("cp '\(log)' '\(log).1' && truncate -s 0 '\(log)'")
    LogFile.append(log, LogFile.lines(13..<16))
    try follower.poll()
    try follower.poll()
    #expect(try counts(store) == (16, 16))
    LogFile.append(log, LogFile.lines(16..<20))
    try follower.poll()
    #expect(try counts(store) == (20, 20))
  }

  @Test func copytruncateSeenBetweenCopyAndTruncateIsReadOnce() throws {
    let dir = TemporaryDirectory()
    let log = dir.file("app.log")
    let store = try Store(path: dir.file("v.db"))
    let follower = Follower(store: store, patterns: [dir.file("app.log*")])
    LogFile.write(log, LogFile.lines(0..<10))
    try follower.poll()
    LogFile.append(log, LogFile.lines(10..<12))
    LogFile.shell("cp '\(log)' '\(log).1'")
    try follower.poll()  // sees the copy before the truncation
    LogFile.shell("truncate -s 0 '\(log)'")
    LogFile.append(log, LogFile.lines(12..<15))
    try follower.poll()
    try follower.poll()
    #expect(try counts(store) == (15, 15))
  }

  @Test func copytruncateAfterLinesTheCopyMissedReadsNothingTwice() throws {
    let dir = TemporaryDirectory()
    let log = dir.file("app.log")
    let store = try Store(path: dir.file("v.db"))
    let follower = Follower(store: store, patterns: [dir.file("app.log*")])
    LogFile.write(log, LogFile.lines(0..<10))
    try follower.poll()
    // logrotate copies; the application writes more before the truncation, and we read it from
    // the original: it is past the copy's end.
    LogFile.shell("cp '\(log)' '\(log).1'")
    LogFile.append(log, LogFile.lines(10..<13))
    try follower.poll()
    LogFile.shell("truncate -s 0 '\(log)'")
    LogFile.append(log, LogFile.lines(13..<16))
    for _ in 0..<3 { try follower.poll() }
    #expect(try counts(store) == (16, 16))
  }

  @Test func compressWithoutDelaycompressReadsTheOpenFileNotTheArchive() throws {
    let dir = TemporaryDirectory()
    let log = dir.file("app.log")
    let store = try Store(path: dir.file("v.db"))
    let follower = Follower(store: store, patterns: [dir.file("app.log*")])
    LogFile.write(log, LogFile.lines(0..<10))
    try follower.poll()
    // Renamed, written to before the application reopens, compressed and removed, all between
    // two polls: the renamed file is still open here, its tail unread.
    LogFile.shell("mv '\(log)' '\(log).1'")
    LogFile.append(log + ".1", LogFile.lines(10..<12))
    LogFile.write(log, LogFile.lines(12..<14))
    LogFile.shell("gzip '\(log).1'")
    for _ in 0..<4 { try follower.poll() }
    #expect(try counts(store) == (14, 14))
    #expect(follower.takeEvents().contains { $0.contains("a compressed copy of") })
  }

  @Test func copytruncateWithCompressReadsTheTailFromTheArchive() throws {
    let dir = TemporaryDirectory()
    let log = dir.file("app.log")
    let store = try Store(path: dir.file("v.db"))
    let follower = Follower(store: store, patterns: [dir.file("app.log*")])
    LogFile.write(log, LogFile.lines(0..<10))
    try follower.poll()
    // Copied, truncated, the copy compressed and removed, all between two polls: the lines
    // written since the last poll are only in the archive.
    LogFile.append(log, LogFile.lines(10..<13))
    LogFile.shell("cp '\(log)' '\(log).1' && truncate -s 0 '\(log)' && gzip '\(log).1'")
    LogFile.append(log, LogFile.lines(13..<15))
    for _ in 0..<3 { try follower.poll() }
    #expect(try counts(store) == (15, 15))
  }

  @Test func truncationWithoutAWatchedCopyStartsOver() throws {
    let dir = TemporaryDirectory()
    let log = dir.file("app.log")
    let store = try Store(path: dir.file("v.db"))
    let follower = Follower(store: store, patterns: [log])
    LogFile.write(log, LogFile.lines(0..<10))
    try follower.poll()
    LogFile.shell("truncate -s 0 '\(log)'")
    try follower.poll()
    LogFile.append(log, LogFile.lines(10..<13))
    try follower.poll()
    #expect(try counts(store) == (13, 13))
  }

  @Test func startAtEndSkipsExistingLinesButReadsNewFilesFromTheirStart() throws {
    let dir = TemporaryDirectory()
    let log = dir.file("a.log")
    LogFile.write(log, LogFile.lines(0..<10) + String(LogFile.line(10).prefix(15)))
    let store = try Store(path: dir.file("v.db"))
    var options = FollowOptions()
    options.startAt = .end
    let follower = Follower(store: store, patterns: [dir.file("*.log")], options: options)
    try follower.poll()
    #expect(try store.callCount() == 0)
    // The partial line at the end is read once complete, not cut in half.
    LogFile.append(log, String(LogFile.line(10).dropFirst(15)) + "\n")
    LogFile.write(dir.file("b.log"), LogFile.lines(20..<22))
    try follower.poll()
    #expect(try counts(store) == (3, 3))
    #expect(try store.rejectCount() == 0)
  }

  @Test func aNewFollowerResumesFromTheCheckpoint() throws {
    let dir = TemporaryDirectory()
    let log = dir.file("app.log")
    let dbPath = dir.file("v.db")
    LogFile.write(log, LogFile.lines(0..<10))
    do {
      let follower = Follower(store: try Store(path: dbPath), patterns: [log])
      try follower.poll()
    }
    LogFile.append(log, LogFile.lines(10..<15))
    let store = try Store(path: dbPath)
    let follower = Follower(store: store, patterns: [log])
    try follower.poll()
    #expect(try counts(store) == (15, 15))
    #expect(follower.takeEvents().contains { $0.contains("resuming at byte") })
  }

  @Test func aCompressedRotatedFileAddsNothingAlreadyRead() throws {
    let dir = TemporaryDirectory()
    let log = dir.file("app.log")
    let store = try Store(path: dir.file("v.db"))
    let follower = Follower(store: store, patterns: [dir.file("app.log*")])
    LogFile.write(log, LogFile.lines(0..<10))
    try follower.poll()
    LogFile.shell("mv '\(log)' '\(log).1'")
    LogFile.write(log, LogFile.lines(10..<12))
    try follower.poll()
    LogFile.shell("gzip '\(log).1'")
    try follower.poll()
    try follower.poll()
    try follower.poll()
    #expect(try counts(store) == (12, 12))
  }

  @Test func aFailedWriteHoldsItsLinesAndNoCheckpointMovesPastThem() throws {
    let dir = TemporaryDirectory()
    let log = dir.file("app.log")
    let db = dir.file("v.db")
    let store = try Store(path: db, busyTimeoutMs: 20)
    let options = FollowOptions()
    let follower = Follower(store: store, patterns: [log], options: options)
    LogFile.write(log, LogFile.lines(0..<10))
    try follower.poll()
    // Another process holds the write lock longer than our busy timeout.
    let other = try Store(path: db)
    try other.connection.execute("BEGIN IMMEDIATE")
    LogFile.append(log, LogFile.lines(10..<250))
    #expect(throws: StoreError.self) { try follower.poll() }
    #expect(follower.heldLines == 240)
    LogFile.append(log, LogFile.lines(250..<300))
    #expect(throws: StoreError.self) { try follower.poll() }
    #expect(follower.heldLines == 240, "nothing more is read while a batch is held")
    try other.connection.execute("COMMIT")
    try follower.poll()
    #expect(follower.heldLines == 0)
    #expect(try counts(store) == (300, 300))
    let size = try #require(try FileManager.default.attributesOfItem(atPath: log)[.size] as? Int)
    #expect(try store.connection.scalar("SELECT offset FROM checkpoints") == Int64(size))
    // A new follower (a restart) has nothing left to read.
    let again = Follower(store: try Store(path: db), patterns: [log], options: options)
    try again.poll()
    #expect(try counts(store) == (300, 300))
  }

  @Test func aFileClosedWhileItsBatchIsHeldIsNotClosedUntilStored() throws {
    let dir = TemporaryDirectory()
    let log = dir.file("app.log")
    let db = dir.file("v.db")
    let store = try Store(path: db, busyTimeoutMs: 20)
    let follower = Follower(store: store, patterns: [log])
    LogFile.write(log, LogFile.lines(0..<10))
    try follower.poll()
    let other = try Store(path: db)
    try other.connection.execute("BEGIN IMMEDIATE")
    LogFile.append(log, LogFile.lines(10..<20))
    LogFile.shell("mv '\(log)' '\(log).1'")
    for _ in 0..<4 { #expect(throws: StoreError.self) { try follower.poll() } }
    try other.connection.execute("COMMIT")
    for _ in 0..<4 { try follower.poll() }
    #expect(try counts(store) == (20, 20))
    #expect(follower.watchedPaths.isEmpty)
  }

  @Test func overlongLinesAreRejectedWithoutBufferingThem() throws {
    let dir = TemporaryDirectory()
    let log = dir.file("app.log")
    let store = try Store(path: dir.file("v.db"))
    var options = FollowOptions()
    options.ingest.maxLineBytes = 4096
    options.ingest.readSize = 1024
    let follower = Follower(store: store, patterns: [log], options: options)
    LogFile.write(log, LogFile.line(0) + "\n" + String(repeating: "y", count: 100_000))
    try follower.poll()
    #expect(try store.callCount() == 1)
    LogFile.append(log, String(repeating: "y", count: 100_000) + "\n" + LogFile.line(1) + "\n")
    try follower.poll()
    #expect(try store.callCount() == 2)
    let reject = try #require(try store.rejects().first)
    #expect(reject.kind == "tooLong")
    #expect(reject.reason.contains("200000"))
  }
}

@Suite struct FollowerBadInputTests {
  @Test func aDamagedCompressedFileIsReportedAndFollowingGoesOn() throws {
    let dir = TemporaryDirectory()
    let store = try Store(path: dir.file("v.db"))
    let follower = Follower(store: store, patterns: [dir.file("app.log*")])
    LogFile.write(dir.file("old.txt"), LogFile.lines(0..<2000, prefix: "old"))
    // A valid gzip header, then deflate data overwritten in the middle.
    LogFile.shell(
      "gzip -c '\(dir.file("old.txt"))' > '\(dir.file("app.log.2.gz"))' && "
        + "printf '\\377%.0s' $(seq 400) | dd of='\(dir.file("app.log.2.gz"))' bs=1 seek=2000 conv=notrunc 2>/dev/null"
    )
    LogFile.write(dir.file("app.log"), LogFile.lines(0..<10))
    try follower.poll()
    let events = follower.takeEvents()
    #expect(
      events.contains { $0.contains("app.log.2.gz: ") && $0.contains("corrupt gzip data") }, "\(events)")
    LogFile.append(dir.file("app.log"), LogFile.lines(10..<12))
    try follower.poll()
    #expect(try store.connection.scalar("SELECT count(*) FROM calls WHERE request_id LIKE 'r%'") == 12)
  }
}
