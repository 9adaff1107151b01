import Foundation
import Testing
import VigilStore
import VigilSync
import VigilTestSupport

/// The mechanics of `check` and `backtest` (announcing once, exit codes, cursors), on two of the
/// article's rules routed to stdout as they change. The shipped alerts.yaml, with its SLO, folding
/// and inhibitions, has its own scenarios (ShippedAlertsScenarioTests).
@Suite(.serialized) struct AlertCommandTests {
  static let rules = """
    version: 1
    defaults: {evaluation_interval: 15s, min_requests: 20, group_by: [provider]}
    rules:
      - alert: HighErrorRate
        metric: error_rate
        threshold: 5%
        window: 2m
        for: 3m
        resolve_threshold: 4%
      - alert: ServerErrors
        metric: rate_5xx
        threshold: 2%
        window: 1m
        for: 5m
        keep_firing_for: 1m
        severity: critical
    """

  /// The two rules, in `dir`.
  func writeRules(_ dir: TemporaryDirectory) -> String {
    LogFile.write(dir.file("rules.yaml"), Self.rules)
    return dir.file("rules.yaml")
  }

  /// A log where openai fails a third of the time from 10:05 to 10:20 (UTC).
  func writeIncident(_ path: String) {
    var text = ""
    let start = 1_795_600_800  // 2026-11-25T10:00:00Z
    for s in 0..<1800 {
      for p in ["openai", "anthropic"] {
        let failing = p == "openai" && s >= 300 && s < 1200 && s % 3 == 0
        text +=
          #"{"ts":\#(start + s),"status":\#(failing ? 500 : 200),"provider":"\#(p)","model":"m","request_id":"\#(p)\#(s)"}"#
          + "\n"
      }
    }
    LogFile.write(path, text)
  }

  @Test func checkAnnouncesOnceExitsOneWhileFiringAndZeroOnceResolved() async throws {
    let dir = TemporaryDirectory()
    let db = dir.file("v.db")
    let log = dir.file("app.log")
    writeIncident(log)
    let base = ["check", "--db", db, "--rules", writeRules(dir)]
    // Before the incident: nothing firing.
    var (status, out, err) = try await VigilProcess.run(base + ["--at", "2026-11-25T10:04:00Z", log])
    #expect(status == 0, "\(err)")
    #expect(!out.contains("FIRING"))
    #expect(out.contains("status at 2026-11-25T10:04:00Z"))
    // Well into it: ServerErrors and HighErrorRate fire for openai.
    (status, out, err) = try await VigilProcess.run(base + ["--at", "2026-11-25T10:12:00Z"])
    #expect(status == 1, "\(err)")
    #expect(out.contains("FIRING ServerErrors{provider=openai}"))
    #expect(out.contains("FIRING HighErrorRate{provider=openai}"))
    #expect(!out.contains("provider=anthropic} severity"))
    // A second run at a later instant announces nothing again, and still exits 1.
    (status, out, _) = try await VigilProcess.run(base + ["--at", "2026-11-25T10:13:00Z", "--quiet"])
    #expect(status == 1)
    #expect(out.isEmpty)
    // After it: resolved, announced once.
    (status, out, _) = try await VigilProcess.run(
      base + ["--at", "2026-11-25T10:29:00Z", "--format", "json"])
    #expect(status == 0)
    let lines = out.split(separator: "\n")
    #expect(lines.count == 2)
    #expect(
      lines.allSatisfy { $0.contains(#""state":"resolved""#) && $0.contains(#""labels":{"alertname":"#) })
    let store = try Store(path: db)
    #expect(try store.transitions().filter { $0.kind == "firing" }.count == 2)
  }

  @Test func aCheckForAnEarlierTimeNeverReannouncesAnIncident() async throws {
    let dir = TemporaryDirectory()
    let db = dir.file("v.db")
    let log = dir.file("app.log")
    writeIncident(log)
    let base = ["check", "--db", db, "--rules", writeRules(dir), "--quiet"]
    var (status, out, err) = try await VigilProcess.run(base + ["--at", "2026-11-25T10:29:00Z", log])
    #expect(status == 0, "\(err)")
    #expect(out.contains("FIRING ServerErrors{provider=openai}") && out.contains("RESOLVED ServerErrors"))
    // A manual re-run for the middle of the incident (or a clock stepped back): read-only.
    (status, out, err) = try await VigilProcess.run(base + ["--at", "2026-11-25T10:12:00Z"])
    #expect(status == 0, "\(err)")
    #expect(out.isEmpty, "\(out)")
    #expect(err.contains("is not after the last evaluation; nothing recorded or sent"))
    // The next run goes on from 10:29: nothing is announced a second time.
    (status, out, _) = try await VigilProcess.run(base + ["--at", "2026-11-25T10:30:00Z"])
    #expect(status == 0)
    #expect(out.isEmpty, "\(out)")
    let store = try Store(path: db)
    #expect(try store.transitions().filter { $0.kind == "firing" }.count == 2)
    #expect(try store.lastEvaluationMs() == 1_795_602_600_000)
  }

  @Test func twoChecksStartedTogetherAnnounceEveryAlertOnce() async throws {
    let dir = TemporaryDirectory()
    let db = dir.file("v.db")
    let log = dir.file("app.log")
    writeIncident(log)
    let (ingested, _, ingestErr) = try await VigilProcess.run(["ingest", "--no-progress", "--db", db, log])
    #expect(ingested == 0, "\(ingestErr)")
    let args = ["check", "--db", db, "--rules", writeRules(dir), "--quiet", "--at", "2026-11-25T10:29:00Z"]
    async let a = VigilProcess.run(args)
    async let b = VigilProcess.run(args)
    let (first, second) = try await (a, b)
    let announced = (first.1 + second.1).split(separator: "\n").filter { $0.contains("FIRING") }
    #expect(announced.count == 2, "\(first.1)\n---\n\(second.1)\n\(first.2)\(second.2)")
    let store = try Store(path: db)
    #expect(try store.transitions().filter { $0.kind == "firing" }.count == 2)
  }

  @Test func aFirstCheckReachesTheSameFiringTimeAsABacktest() async throws {
    let dir = TemporaryDirectory()
    let log = dir.file("app.log")
    writeIncident(log)
    let (status, out, err) = try await VigilProcess.run(
      [
        "check", "--db", dir.file("v.db"), "--rules", writeRules(dir), "--at", "2026-11-25T10:12:00Z",
        "--quiet", log,
      ])
    #expect(status == 1, "\(err)")
    // The backtest test below finds ServerErrors firing at 10:10:15; so does a first check.
    #expect(out.contains("2026-11-25T10:10:15Z FIRING ServerErrors{provider=openai}"), "\(out)")
  }

  @Test func checkRefusesABadRulesFileWithExitCode2() async throws {
    let dir = TemporaryDirectory()
    LogFile.write(
      dir.file("bad.yaml"), "version: 1\nrules:\n  - alert: A\n    metric: error_rat\n    threshold: 5%\n")
    let (status, out, err) = try await VigilProcess.run([
      "check", "--db", dir.file("v.db"), "--rules", dir.file("bad.yaml"),
    ])
    #expect(status == 2)
    #expect(out.isEmpty)
    #expect(
      err
        == "vigil: \(dir.file("bad.yaml")):4:13: rule 'A': unknown metric 'error_rat' (did you mean 'error_rate'?)\n"
    )
    let (cs, _, cerr) = try await VigilProcess.run(["rules", "check", dir.file("bad.yaml")])
    #expect(cs == 1 && cerr.contains(":4:13:"))
    let (ok, okOut, _) = try await VigilProcess.run(["rules", "check", "alerts.yaml"])
    #expect(ok == 0 && okOut.contains("15 rules OK"))
  }

  @Test func backtestPrintsJSONTransitionsAndASummaryPerRule() async throws {
    let dir = TemporaryDirectory()
    let log = dir.file("app.log")
    writeIncident(log)
    let (status, out, err) = try await VigilProcess.run([
      "backtest", "--rules", writeRules(dir), "--format", "json", log,
    ])
    #expect(status == 0, "\(err)")
    let objects = out.split(separator: "\n").map {
      try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
    }
    #expect(objects.allSatisfy { $0 != nil })
    let transitions = objects.compactMap { $0 }.filter { $0["state"] != nil }
    let firing = transitions.filter { $0["state"] as? String == "firing" }
    #expect(Set(firing.compactMap { $0["rule"] as? String }) == ["ServerErrors", "HighErrorRate"])
    for t in transitions {
      for key in ["at", "rule", "metric", "state", "labels", "value", "threshold"] {
        #expect(t[key] != nil, "\(key)")
      }
    }
    let server = try #require(firing.first { $0["rule"] as? String == "ServerErrors" })
    // 5xx from 10:05:00; 5 minutes of `for` after the 1m window passes 2%: 10:10:15 at the latest.
    #expect(server["at"] as? String == "2026-11-25T10:10:15Z")
    #expect((server["labels"] as? [String: String])?["provider"] == "openai")
    let summaries = objects.compactMap { $0 }.filter { $0["summary"] is String && $0["fired"] != nil }
    #expect(summaries.count == 2)
    let s = try #require(summaries.first { $0["summary"] as? String == "ServerErrors" })
    #expect(
      s["fired"] as? Int == 1 && s["flaps"] as? Int == 0
        && s["first_detection"] as? String == "2026-11-25T10:10:15Z")
  }

  @Test func aStrayTimestampYearsAwayDoesNotStallABacktest() async throws {
    let dir = TemporaryDirectory()
    let log = dir.file("app.log")
    writeIncident(log)
    LogFile.append(log, #"{"ts":86400,"status":200,"provider":"openai","model":"m"}"# + "\n")
    // Without the skip, 56 years of 15 s steps would never finish; `timeout` turns that into a
    // failure (exit 124) instead of a hung test run.
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
    process.arguments = ["120", VigilProcess.executable, "backtest", "--rules", writeRules(dir), log]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    #expect(process.terminationStatus == 0)
    #expect(out.contains("2026-11-25T10:10:15Z FIRING ServerErrors{provider=openai}"))
  }

  @Test func theShippedRuleTestsPassAndAFailingCaseExitsOne() async throws {
    let (status, out, err) = try await VigilProcess.run(["rules", "test", "alerts.test.yaml"])
    #expect(status == 0, "\(out)\(err)")
    #expect(out.contains("21 cases passed"))
    let dir = TemporaryDirectory()
    LogFile.shell("cp alerts.yaml '\(dir.file("alerts.yaml"))'")
    LogFile.write(
      dir.file("t.yaml"),
      """
      rule_files: [alerts.yaml]
      tests:
        - name: wrong on purpose
          traffic:
            - {provider: openai, from: 0m, to: 10m, rate: 5/s}
          expect:
            - {at: 5m, firing: [{alert: HighErrorRate}]}
      """)
    let (fs, fout, _) = try await VigilProcess.run(["rules", "test", dir.file("t.yaml")])
    #expect(fs == 1)
    #expect(fout.contains("case 'wrong on purpose' at 5m: expected firing but not: HighErrorRate{}"))
  }
}
