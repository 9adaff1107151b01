import Foundation
import Testing
import VigilCore
import VigilTestSupport

/// `vigil backtest --incidents`: the scorecard of real replays (the shipped rules, the corpus
/// generator's logs), its exit status on goals, and a refused incidents file.
@Suite(.serialized) struct ScorecardCommandTests {
  /// Writes a corpus with scripts/gen_corpus.py into `dir`.
  static func generate(_ arguments: [String], in dir: TemporaryDirectory) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "scripts/gen_corpus.py", "--out", dir.path] + arguments
    process.standardOutput = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    #expect(process.terminationStatus == 0)
  }

  static func logs(in dir: TemporaryDirectory) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".jsonl") }.sorted()
      .map(dir.file)
  }

  /// The incident the generator wrote (the first), as `start` and `matchers` lines.
  static func firstIncident(in dir: TemporaryDirectory) throws -> (start: String, matchers: String) {
    let text = try String(contentsOfFile: dir.file("incidents.yaml"), encoding: .utf8)
    let lines = text.split(separator: "\n").map(String.init)
    let start = try #require(lines.first { $0.hasPrefix("    start: ") })
    let matchers = try #require(lines.first { $0.hasPrefix("    matchers: ") })
    return (String(start.dropFirst(11)), String(matchers.dropFirst(14)))
  }

  static func incidentsFile(start: String, matchers: String, goals: String) -> String {
    """
    receivers: {stdout: page, tickets: ticket}
    goals: \(goals)
    incidents:
      - name: the outage
        kind: outage
        start: \(start)
        duration: 10m
        matchers: \(matchers)
        expect: page
        traffic: 5/s
    """
  }

  @Test func unmetGoalsExitOneAndMetGoalsZero() async throws {
    let dir = TemporaryDirectory()
    try Self.generate(["--hours", "3", "--kinds", "outage", "--levels", "5", "--no-noise"], in: dir)
    let (start, matchers) = try Self.firstIncident(in: dir)
    let logs = try Self.logs(in: dir)
    LogFile.write(
      dir.file("met.yaml"),
      Self.incidentsFile(
        start: start, matchers: matchers, goals: "{recall: 100%, time_to_detect: 2m, precision: 100%}"))
    let (met, out, err) = try await VigilProcess.run(
      ["backtest", "--rules", "alerts.yaml", "--incidents", dir.file("met.yaml")] + logs)
    #expect(met == 0, "\(out)\n\(err)")
    #expect(out.contains("goals (3 of 3 met):"), "\(out)")
    #expect(out.contains("ok   recall >= 100% (stdout, all incidents): 100% (1 of 1)"), "\(out)")
    LogFile.write(
      dir.file("unmet.yaml"),
      Self.incidentsFile(start: start, matchers: matchers, goals: "{recall: 100%, time_to_detect: 10s}"))
    let (unmet, out2, err2) = try await VigilProcess.run(
      ["backtest", "--rules", "alerts.yaml", "--incidents", dir.file("unmet.yaml")] + logs)
    #expect(unmet == 1, "\(out2)\n\(err2)")
    #expect(out2.contains("FAIL time_to_detect <= 10s (stdout, all incidents): "), "\(out2)")
    #expect(out2.contains("ok   recall"), "\(out2)")
    // A silence recorded in a database mutes the incident's alerts: the page is never sent.
    let matcher = String(matchers.dropFirst().dropLast())
    let db = dir.file("vigil.db")
    let (added, _, addErr) = try await VigilProcess.run([
      "silence", "add", "--db", db, matcher, "--start", start, "--duration", "1d", "--comment", "maintenance",
    ])
    #expect(added == 0, "\(addErr)")
    let (silenced, out3, err3) = try await VigilProcess.run(
      ["backtest", "--rules", "alerts.yaml", "--incidents", dir.file("met.yaml"), "--silences-from", db]
        + logs)
    #expect(silenced == 1, "\(out3)\n\(err3)")
    #expect(out3.contains("missed by stdout (1):\n  the outage (outage, \(start), 10m at 5/s)"), "\(out3)")
    #expect(out3.contains("FAIL recall >= 100% (stdout, all incidents): 0% (0 of 1)"), "\(out3)")
  }

  @Test func aBadIncidentsFileIsRefusedWithItsPlaceAndExitsTwo() async throws {
    let dir = TemporaryDirectory()
    LogFile.write(dir.file("calls.jsonl"), LogFile.lines(0..<10))
    LogFile.write(
      dir.file("incidents.yaml"),
      """
      incidents:
        - name: typo
          strat: 2026-11-20T09:00:00Z
          duration: 10m
          matchers: [provider=openai]
          expect: page
      """)
    let (status, out, err) = try await VigilProcess.run([
      "backtest", "--rules", "alerts.yaml", "--incidents", dir.file("incidents.yaml"),
      dir.file("calls.jsonl"),
    ])
    #expect(status == 2)
    #expect(out.isEmpty)
    #expect(
      err.contains("incidents.yaml:3:5: unknown key 'strat' in an incident (did you mean 'start'?)"), "\(err)"
    )
    #expect(err.contains("incidents.yaml:2:5: incident 'typo' needs 'start' (an RFC 3339 time)"), "\(err)")
  }

  /// A log source that stops in the middle of one file: a backtest reads the file in large
  /// batches, and once noted each batch as one write spanning the silence, so SourceQuiet never
  /// fired in a backtest. Writes are now noted per 10 seconds, as a follower delivers them.
  @Test func aSourceSilentInTheMiddleOfOneFileIsSeenByABacktest() async throws {
    let dir = TemporaryDirectory()
    let t0 = 1_795_600_800
    var text = ""
    for s in stride(from: 0, to: 7200, by: 5) where !(4200..<5400).contains(s) {
      text +=
        #"{"ts":\#(t0 + s),"status":200,"provider":"openai","model":"gpt-4o","latency_ms":500,"request_id":"r\#(s)"}"#
        + "\n"
    }
    LogFile.write(dir.file("worker.jsonl"), text)
    let (status, out, err) = try await VigilProcess.run([
      "backtest", "--rules", "alerts.yaml", "--format", "json", dir.file("worker.jsonl"),
    ])
    #expect(status == 0, "\(err)")
    let events = out.split(separator: "\n").compactMap {
      try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
    }
    let quiet = events.filter { $0["rule"] as? String == "SourceQuiet" }
    let states = quiet.compactMap { $0["state"] as? String }
    #expect(states == ["firing", "resolved"], "\(quiet)")
    let at = try #require(quiet.first?["at"] as? String)
    let firedMs = try #require(Timestamp.parseRFC3339(at))
    // The last call before the silence is at 4195 s; it fires at the first step (15 s) once
    // ten minutes have passed without a call.
    #expect(firedMs > Int64(t0 + 4195 + 600) * 1000 && firedMs <= Int64(t0 + 4195 + 615) * 1000, "\(at)")
  }

  /// The whole path on a small generated corpus with noise: the shipped rules, every incident
  /// kind the rules have a signal for at 5 calls/s, scored as JSON; the exit status agrees with
  /// the goals, and each incident is found by the rule meant for it.
  @Test func theShippedRulesOnASmallGeneratedCorpus() async throws {
    let dir = TemporaryDirectory()
    try Self.generate(
      ["--hours", "8", "--kinds", "outage,key_revoked,quota,source_silent", "--levels", "5", "--seed", "5"],
      in: dir)
    let (status, out, err) = try await VigilProcess.run(
      ["backtest", "--rules", "alerts.yaml", "--incidents", dir.file("incidents.yaml"), "--format", "json"]
        + (try Self.logs(in: dir)))
    #expect(status == 0 || status == 1, "\(err)")
    let card = try #require(
      try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any], "\(out)")
    #expect((card["met"] as? Bool) == (status == 0))
    let receivers = try #require(card["receivers"] as? [[String: Any]])
    let stdout = try #require(receivers.first { $0["receiver"] as? String == "stdout" })
    #expect(stdout["kind"] as? String == "page")
    let incidents = try #require(stdout["by_incident"] as? [[String: Any]])
    #expect(incidents.count == 4)
    func rules(_ kind: String) -> [String] {
      (incidents.first { $0["kind"] as? String == kind }?["rules"] as? [String]) ?? []
    }
    #expect(
      rules("outage").contains { $0 == "ProviderAvailabilityPage" || $0 == "HighErrorRate" }, "\(incidents)")
    #expect(rules("key_revoked").contains("AuthFailures"), "\(incidents)")
    #expect(rules("quota").contains("QuotaExhausted"), "\(incidents)")
    #expect(rules("source_silent").contains("SourceQuiet"), "\(incidents)")
    let outage = try #require(incidents.first { $0["kind"] as? String == "outage" })
    // The issue's goal is 60 s at 1 call/s or more with a full history; this corpus is hours
    // long, and a young group's SLO windows are judged as full windows whose uncovered part was
    // healthy, so its page comes a little later (63 s measured): 60 s is the goal on the week.
    #expect(((outage["time_to_detect_s"] as? Double) ?? 999) <= 75, "\(outage)")
    let goals = try #require(card["goals"] as? [[String: Any]])
    #expect(goals.count == 7)
    // One row per shipped rule (15 with the stream rules).
    #expect(try #require(card["rules"] as? [[String: Any]]).count == 15)
  }
}
