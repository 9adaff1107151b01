import Foundation
import Testing
import VigilStore
import VigilSync
import VigilTestSupport

#if canImport(Glibc)
  import Glibc
#endif

@Suite(.serialized) struct IngestCommandTests {
  func distinct(_ db: String) throws -> (Int64, Int64) {
    let store = try Store(path: db)
    return (
      try store.callCount(), try store.connection.scalar("SELECT count(DISTINCT request_id) FROM calls") ?? 0
    )
  }

  @Test func aKilledImportResumesWithNoLineLostOrDuplicated() async throws {
    let dir = TemporaryDirectory()
    let log = dir.file("big.log")
    let db = dir.file("v.db")
    let total = 300_000
    let f = fopen(log, "w")!
    for n in 0..<total { fputs(LogFile.line(n) + "\n", f) }
    fclose(f)
    let (process, _) = try VigilProcess.start(["ingest", "--no-progress", "--db", db, log], in: dir)
    // Polled tightly on a thread of its own: the kill must land while the import is running.
    let pid = process.processIdentifier
    let started = try await WorkerThread.run {
      let started = VigilProcess.waitUntil { VigilProcess.storedCalls(db) > 0 }
      kill(pid, SIGKILL)
      return started
    }
    process.waitUntilExit()
    #expect(started)
    let partial = VigilProcess.storedCalls(db)
    #expect(partial > 0 && partial < Int64(total), "the kill must land in the middle of the file")
    let (status, out, err) = try await VigilProcess.run(["ingest", "--no-progress", "--db", db, log])
    #expect(status == 0, "\(err)")
    #expect(out.contains("resumed at byte"))
    #expect(try distinct(db) == (Int64(total), Int64(total)))
  }

  @Test func aKilledFollowerResumesExactlyAndSIGTERMStopsCleanly() async throws {
    let dir = TemporaryDirectory()
    let log = dir.file("app.log")
    let db = dir.file("v.db")
    LogFile.write(log, "")
    var (process, _) = try VigilProcess.start(
      ["ingest", "--follow", "--poll-interval", "20", "--db", db, dir.file("*.log")], in: dir)
    var written = 0
    for _ in 0..<20 {
      LogFile.append(log, LogFile.lines(written..<written + 500))
      written += 500
      usleep(5_000)
    }
    #expect(await VigilProcess.waitUntil { VigilProcess.storedCalls(db) > 0 })
    kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
    // The application keeps writing while vigil is down, then rotates.
    LogFile.append(log, LogFile.lines(written..<written + 1000))
    written += 1000
    (process, _) = try VigilProcess.start(
      ["ingest", "--follow", "--poll-interval", "20", "--db", db, dir.file("*.log")], in: dir)
    // Rotate only once the restarted follower has caught up: app.log.1 is not matched by *.log, so
    // lines still unread in a file renamed away while vigil is down cannot be found (as with Vector).
    #expect(await VigilProcess.waitUntil { VigilProcess.storedCalls(db) >= Int64(written) })
    LogFile.append(log, LogFile.lines(written..<written + 300))
    written += 300
    LogFile.shell("mv '\(log)' '\(dir.file("app.log.1"))'")
    LogFile.write(log, LogFile.lines(written..<written + 700))
    written += 700
    let caughtUp = await VigilProcess.waitUntil { VigilProcess.storedCalls(db) >= Int64(written) }
    kill(process.processIdentifier, SIGTERM)
    process.waitUntilExit()
    #expect(caughtUp)
    #expect(process.terminationStatus == 0)
    #expect(try distinct(db) == (Int64(written), Int64(written)))
  }

  @Test func aDatabaseThatIsNotSQLiteIsOneClearLineAndExitCode2() async throws {
    let dir = TemporaryDirectory()
    let db = dir.file("notes.txt")
    LogFile.write(db, String(repeating: "hello\n", count: 1000))
    LogFile.write(dir.file("a.log"), LogFile.lines(0..<3))
    let (status, _, err) = try await VigilProcess.run(["ingest", "--db", db, dir.file("a.log")])
    #expect(status == 2)
    #expect(err == "vigil: \(db) is not a SQLite database (file is not a database)\n")
  }

  @Test func aDatabaseLockedByAnotherProcessIsOneClearLineAndExitCode2() async throws {
    let dir = TemporaryDirectory()
    let db = dir.file("v.db")
    LogFile.write(dir.file("a.log"), LogFile.lines(0..<3))
    _ = try Store(path: db)
    // Another process holds the write lock.
    let holder = Process()
    holder.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
    holder.arguments = [
      "-c",
      "import sqlite3,sys,time; c=sqlite3.connect(sys.argv[1], isolation_level=None); c.execute('BEGIN IMMEDIATE'); print('locked', flush=True); time.sleep(30)",
      db,
    ]
    let out = Pipe()
    holder.standardOutput = out
    try holder.run()
    defer {
      // SIGKILL: the test runner's blocked signals are inherited, so SIGTERM would wait out the sleep.
      kill(holder.processIdentifier, SIGKILL)
      holder.waitUntilExit()
    }
    _ = out.fileHandleForReading.availableData  // waits for "locked"
    let (status, _, err) = try await VigilProcess.run([
      "ingest", "--busy-timeout", "100", "--db", db, dir.file("a.log"),
    ])
    #expect(status == 2)
    #expect(err.contains("vigil: database \(db) is locked by another process"), "\(err)")
    #expect(err.split(separator: "\n").filter { $0.hasPrefix("vigil: database") }.count == 1)
  }

  @Test func standardInputAndDryRun() async throws {
    let dir = TemporaryDirectory()
    let db = dir.file("v.db")
    let (status, out, err) = try await VigilProcess.run(
      ["ingest", "--db", db, "-"], stdin: LogFile.lines(0..<7) + "oops\n")
    #expect(status == 0)
    // Success notes go to stdout, not prefixed like errors; stderr holds nothing then.
    #expect(out.hasPrefix("8 lines: 7 stored, 1 rejected, 0 blank"), "\(out)")
    #expect(out.contains("`vigil rejects --db \(db)` lists the rejects"))
    #expect(!out.contains("vigil:") && err.isEmpty, "\(err)")
    let (rs, listing, _) = try await VigilProcess.run(["rejects", "--db", db])
    #expect(rs == 0)
    #expect(listing.contains("-: line 8, byte"))
    #expect(listing.contains("1 rejects stored"))
    LogFile.write(dir.file("a.log"), LogFile.lines(0..<5))
    let (ds, dout, _) = try await VigilProcess.run(["ingest", "--dry-run", "--db", db, dir.file("a.log")])
    #expect(ds == 0 && dout.contains("5 lines: 5 stored"))
    #expect(VigilProcess.storedCalls(db) == 7)
  }

  @Test func badArgumentsAreRefusedBeforeAnythingRuns() async throws {
    let (status, _, err) = try await VigilProcess.run(["ingest", "--follow", "-"])
    #expect(status != 0)
    #expect(err.contains("--follow watches files; it cannot follow stdin"))
    for bytes in ["512", "2147483648"] {
      let (status, _, err) = try await VigilProcess.run(
        ["ingest", "--max-line-bytes", bytes, "-"], stdin: "")
      #expect(status != 0)
      #expect(err.contains("--max-line-bytes must be between 1024 and 1073741824 (1 GiB)"))
    }
  }
}

@Suite struct SummaryCommandTests {
  @Test func summarisesTheArticleMetricsPerModelAndMarksBreaches() async throws {
    let dir = TemporaryDirectory()
    let db = dir.file("v.db")
    var text = ""
    for i in 0..<100 {
      // openai: 20% 429s; anthropic: healthy but slow at the tail.
      let ts = 1_795_613_524 + i
      text +=
        #"{"ts":\#(ts),"status":\#(i % 5 == 0 ? 429 : 200),"provider":"openai","model":"gpt-4o"}"# + "\n"
      let latency = i >= 98 ? 45000 : 900
      text +=
        #"{"ts":\#(ts),"status":200,"provider":"anthropic","model":"claude","latency_ms":\#(latency)}"# + "\n"
    }
    LogFile.write(dir.file("a.log"), text)
    let (s1, _, e1) = try await VigilProcess.run(["ingest", "--db", db, dir.file("a.log")])
    #expect(s1 == 0, "\(e1)")
    let (status, out, _) = try await VigilProcess.run(["summary", "--db", db])
    #expect(status == 0)
    let openai = try #require(out.split(separator: "\n").first { $0.hasPrefix("openai/gpt-4o") })
    #expect(openai.contains("20.00% !"))
    let anthropic = try #require(out.split(separator: "\n").first { $0.hasPrefix("anthropic/claude") })
    #expect(anthropic.contains(" 45.") && anthropic.contains("s !"))
    // A database with nothing in it (an empty log ingested) says so.
    LogFile.write(dir.file("none.log"), "")
    _ = try await VigilProcess.run(["ingest", "--db", dir.file("empty.db"), dir.file("none.log")])
    let (_, empty, _) = try await VigilProcess.run(["summary", "--db", dir.file("empty.db")])
    #expect(empty.contains("no calls stored"), "\(empty)")
  }
}

@Suite struct PruneCommandTests {
  @Test func prunesRawCallsByAgeAndKeepsRollupsLonger() async throws {
    let dir = TemporaryDirectory()
    let db = dir.file("v.db")
    // One call per hour over ten days, written as two files so the rows land in several chunks.
    for part in 0..<2 {
      var text = ""
      for h in Int64(part * 120)..<Int64(part * 120 + 120) {
        text += #"{"ts":\#(1_795_000_000 + h * 3600),"status":200,"request_id":"h\#(h)"}"# + "\n"
      }
      LogFile.write(dir.file("p\(part).log"), text)
      let (s, _, e) = try await VigilProcess.run(["ingest", "--db", db, dir.file("p\(part).log")])
      #expect(s == 0, "\(e)")
    }
    let (status, out, err) = try await VigilProcess.run([
      "prune", "--db", db, "--raw", "4d", "--rollups", "8d",
    ])
    #expect(status == 0, "\(err)")
    #expect(out.hasPrefix("pruned 120 raw calls"))
    let store = try Store(path: db)
    #expect(try store.callCount() == 120)
    let rollupCalls = try store.connection.scalar("SELECT sum(attempts) FROM rollups") ?? 0
    #expect(rollupCalls > 120 && rollupCalls < 240)
    let (bad, _, badErr) = try await VigilProcess.run(["prune", "--db", db, "--raw", "9d", "--rollups", "8d"])
    #expect(bad != 0 && badErr.contains("--rollups must be at least as long as --raw"))
  }
}
