import Foundation
import Testing
import VigilTestSupport

/// `vigil config check` validates vigil.yaml as `amtool check-config` does its file; each of the
/// two checks names the other when given the other's file; a report needs no rules (issue 24).
@Suite struct ConfigCheckTests {
  @Test func aServeFileIsCheckedWithItsRulesAndSummarised() async throws {
    let dir = TemporaryDirectory()
    let rules = FileManager.default.currentDirectoryPath + "/alerts.yaml"
    LogFile.write(
      dir.file("vigil.yaml"),
      """
      version: 1
      db: \(dir.file("v.db"))
      rules: \(rules)
      follow:
        paths: ['/var/log/myapp/llm-calls.jsonl*']
      http:
        listen: 127.0.0.1:9516
      retention:
        raw: 7d

      """)
    var (status, out, err) = try await VigilProcess.run(["config", "check", dir.file("vigil.yaml")])
    #expect(status == 0, "\(err)")
    #expect(out.hasPrefix("\(dir.file("vigil.yaml")): serve settings OK\n"), "\(out)")
    #expect(out.contains("  rules: \(rules) (15 rules, 2 receivers)\n"), "\(out)")
    #expect(out.contains("  follow: /var/log/myapp/llm-calls.jsonl* (start at beginning)\n"), "\(out)")
    #expect(out.contains("  http: 127.0.0.1:9516\n") && out.contains("  retention: raw 1w, "), "\(out)")
    // Errors at their line and column; a rules file it names that is missing is one too.
    LogFile.write(
      dir.file("bad.yaml"),
      "version: 1\nrules: \(dir.file("none.yaml"))\nfolow:\n  paths: [x]\nhttp: {listen: nowhere}\n")
    (status, out, err) = try await VigilProcess.run(["config", "check", dir.file("bad.yaml")])
    #expect(status == 1 && out.isEmpty, "\(out)")
    #expect(
      err.contains("bad.yaml:3:1: unknown key 'folow' in the serve settings (did you mean 'follow'?)"),
      "\(err)")
    #expect(err.contains("bad.yaml:5:"), "\(err)")
    LogFile.write(dir.file("norules.yaml"), "version: 1\nrules: \(dir.file("none.yaml"))\n")
    (status, _, err) = try await VigilProcess.run(["config", "check", dir.file("norules.yaml")])
    #expect(status == 1 && err.contains("no rules file at \(dir.file("none.yaml"))"), "\(err)")
    // Each check names the other for the other's file.
    (status, _, err) = try await VigilProcess.run(["rules", "check", dir.file("vigil.yaml")])
    #expect(status == 1, "\(err)")
    #expect(
      err.contains(
        "is a serve settings file (vigil.yaml), not a rules file: check it with `vigil config check \(dir.file("vigil.yaml"))`"
      ), "\(err)")
    (status, _, err) = try await VigilProcess.run(["config", "check", rules])
    #expect(
      status == 1 && err.contains("looks like a rules file (alerts.yaml): check it with `vigil rules check"))
  }

  @Test func aReportOutsideTheRepositoryNeedsNoRules() async throws {
    let dir = TemporaryDirectory()
    let log = dir.file("app.log")
    NotifyCommandTests.writeIncident(log)
    var (status, out, err) = try await VigilProcess.run(
      ["ingest", "--db", dir.file("v.db"), log], directory: dir.path)
    #expect(status == 0, "\(err)")
    (status, out, err) = try await VigilProcess.run(
      ["report", "--db", dir.file("v.db"), "--from", "2026-11-25T10:00:00Z", "--to", "2026-11-25T10:30:00Z"],
      directory: dir.path)
    #expect(status == 0, "\(err)")
    #expect(out.contains("Vigil report: 2026-11-25T10:00:00Z to 2026-11-25T10:30:00Z"), "\(out)")
    // A rules file asked for by name must exist.
    (status, _, err) = try await VigilProcess.run(
      ["report", "--db", dir.file("v.db"), "--rules", dir.file("alerts.yaml")], directory: dir.path)
    #expect(status == 2 && err.contains("no rules file at"), "\(err)")
  }
}
