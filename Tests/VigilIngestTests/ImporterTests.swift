import Testing
import VigilCore
import VigilStore
import VigilTestSupport

@testable import VigilIngest

#if canImport(Glibc)
  import Glibc
#endif

@Suite struct ImporterTests {
  func distinctRequests(_ store: Store) throws -> Int64 {
    try store.connection.scalar("SELECT count(DISTINCT request_id) FROM calls") ?? 0
  }

  @Test func secondRunAddsOnlyNewLines() throws {
    let dir = TemporaryDirectory()
    let log = dir.file("app.log")
    LogFile.write(log, LogFile.lines(0..<100))
    let store = try Store(path: dir.file("v.db"))
    var options = IngestOptions()
    options.batchLines = 16  // many transactions, each with its checkpoint
    let importer = Importer(store: store, options: options)
    #expect(try importer.ingest(path: log).stats.stored == 100)
    #expect(try importer.ingest(path: log).stats.stored == 0)
    LogFile.append(log, LogFile.lines(100..<130))
    let third = try importer.ingest(path: log)
    #expect(third.stats.stored == 30)
    #expect(third.startOffset > 0)
    #expect(try store.callCount() == 130)
    #expect(try distinctRequests(store) == 130)
    #expect(try store.rollups(fromMs: 0, toMs: .max).values.reduce(0) { $0 + $1.attempts } == 130)
  }

  @Test func everyKindOfBadLineIsRejectedWithItsPositionAndGoodLinesAroundItAreStored() throws {
    let dir = TemporaryDirectory()
    let log = dir.file("mixed.log")
    let bad: [String] = [
      "{not json", "[1,2,3]", "42", #"{"status":200}"#, #"{"ts":1}"#, #"{"ts":1,"status":"200"}"#, "",
    ]
    var text = ""
    var n = 0
    for b in bad {
      text += LogFile.line(n) + "\n" + b + "\n"
      n += 1
    }
    LogFile.write(log, text)
    // Invalid UTF-8, a 10 MB line, binary garbage with NULs, then a good line.
    LogFile.appendBytes(log, Array(#"{"ts":1,"status":200,"model":""#.utf8) + [0xC3, 0x28, 0x22, 0x7D, 0x0A])
    LogFile.append(
      log, "{\"ts\":1,\"status\":200,\"pad\":\"" + String(repeating: "x", count: 10 << 20) + "\"}\n")
    var rng: UInt64 = 12345
    var garbage: [UInt8] = []
    for _ in 0..<50_000 {
      rng = rng &* 6_364_136_223_846_793_005 &+ 1
      let byte = UInt8(truncatingIfNeeded: rng >> 56)
      // A newline every 1,000 bytes, and none elsewhere, so the garbage is 50 lines of 1,000 bytes.
      garbage.append(garbage.count % 1000 == 999 ? 0x0A : (byte == 0x0A ? 0 : byte))
    }
    LogFile.appendBytes(log, garbage)
    LogFile.append(log, LogFile.line(999) + "\n")

    let store = try Store(path: dir.file("v.db"))
    let result = try Importer(store: store).ingest(path: log)
    #expect(result.stats.stored == Int64(bad.count + 1))
    #expect(result.stats.blank == 1)
    #expect(try store.callCount() == Int64(bad.count + 1))
    let rejects = try store.rejects(limit: 1000)
    let garbageLines: Int64 = 50
    #expect(result.stats.rejected == Int64(bad.count - 1) + 2 + garbageLines)
    let kinds = Set(rejects.map(\.kind))
    #expect(kinds.isSuperset(of: ["syntax", "notObject", "missingField", "badValue", "tooLong"]))
    let long = try #require(rejects.first { $0.kind == "tooLong" })
    #expect(long.reason.contains("10485"))
    #expect(long.line.utf8.count <= Reject.maxStoredBytes + 3)
    let first = try #require(rejects.last)
    #expect(
      first.source == log && first.lineNumber == 2 && first.offset == Int64(LogFile.line(0).utf8.count + 1))
  }

  @Test func anIncompleteLastLineWaitsForTheNextRun() throws {
    let dir = TemporaryDirectory()
    let log = dir.file("app.log")
    let full = LogFile.line(1)
    LogFile.write(log, LogFile.line(0) + "\n" + full.prefix(30))
    let store = try Store(path: dir.file("v.db"))
    let importer = Importer(store: store)
    let first = try importer.ingest(path: log)
    #expect(first.stats.stored == 1)
    #expect(first.stats.rejected == 0)
    #expect(first.notes.contains { $0.contains("has no newline and is not valid yet") })
    LogFile.append(log, String(full.dropFirst(30)) + "\n")
    #expect(try importer.ingest(path: log).stats.stored == 1)
    #expect(try store.callCount() == 2)
    #expect(try store.rejectCount() == 0)
  }

  @Test func aValidLastLineWithoutNewlineIsStoredOnce() throws {
    let dir = TemporaryDirectory()
    let log = dir.file("app.log")
    LogFile.write(log, LogFile.line(0) + "\n" + LogFile.line(1))
    let store = try Store(path: dir.file("v.db"))
    let importer = Importer(store: store)
    #expect(try importer.ingest(path: log).stats.stored == 2)
    LogFile.append(log, "\n" + LogFile.line(2) + "\n")
    #expect(try importer.ingest(path: log).stats.stored == 1)
    #expect(try distinctRequests(store) == 3)
    #expect(try store.callCount() == 3)
  }

  @Test func gzipFilesAreReadAndACompressedCopyOfAReadFileAddsNothing() throws {
    let dir = TemporaryDirectory()
    let log = dir.file("app.log")
    LogFile.write(log, LogFile.lines(0..<500))
    let store = try Store(path: dir.file("v.db"))
    let importer = Importer(store: store)
    #expect(try importer.ingest(path: log).stats.stored == 500)
    LogFile.shell("gzip -c '\(log)' > '\(log).1.gz'")
    #expect(try importer.ingest(path: log + ".1.gz").stats.stored == 0)
    let other = dir.file("other.log")
    LogFile.write(other, LogFile.lines(0..<300, prefix: "o"))
    LogFile.shell("gzip '\(other)'")
    #expect(try importer.ingest(path: other + ".gz").stats.stored == 300)
    #expect(try store.callCount() == 800)
  }

  @Test func aFileDeletedWhileBeingReadIsReadToItsEnd() throws {
    let dir = TemporaryDirectory()
    let log = dir.file("big.log")
    LogFile.write(log, LogFile.lines(0..<20_000))
    let store = try Store(path: dir.file("v.db"))
    var options = IngestOptions()
    options.batchLines = 1000
    options.readSize = 4096
    var deleted = false
    let result = try Importer(store: store, options: options).ingest(path: log) { _ in
      if !deleted {
        unlink(log)
        deleted = true
      }
    }
    #expect(deleted)
    #expect(result.stats.stored == 20_000)
    #expect(try distinctRequests(store) == 20_000)
  }

  @Test func standardInputIsReadToItsEndAndATruncatedLastLineIsRejected() throws {
    let dir = TemporaryDirectory()
    let store = try Store(path: dir.file("v.db"))
    var fds: [Int32] = [0, 0]
    #expect(pipe(&fds) == 0)
    let text = LogFile.lines(0..<10) + #"{"ts":1,"sta"#
    _ = text.withCString { write(fds[1], $0, strlen($0)) }
    close(fds[1])
    let result = try Importer(store: store).ingestStream(fd: fds[0])
    close(fds[0])
    #expect(result.stats.stored == 10)
    #expect(result.stats.rejected == 1)
    #expect(try store.rejects().first?.kind == "truncated")
  }

  @Test func aMissingFileIsAClearError() throws {
    let dir = TemporaryDirectory()
    let store = try Store(path: dir.file("v.db"))
    #expect {
      _ = try Importer(store: store).ingest(path: dir.file("nope.log"))
    } throws: { error in
      "\(error)" == "cannot open \(dir.file("nope.log")): No such file or directory"
    }
  }
}
