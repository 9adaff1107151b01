import Foundation
import Testing
import VigilSync
import VigilTestPeers
import VigilTestSupport

/// The first hour with Vigil: mistakes a new user makes get a message that says what to do.
@Suite(.serialized) struct FirstHourMessageTests {
  /// The repository's root: where the README's first command runs.
  static var root: String {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().path
  }

  /// The README's first command, as it is written there: every all-clear it prints belongs to an
  /// alarm it announced, or says that the alert was folded into an incident already announced
  /// (it once printed "RESOLVED ServerErrors ..." for an alert it never announced), and each
  /// alert fires once: the example has one incident per provider (the Anthropic page once fired
  /// again at 09:53 for 15 s, on a 5-minute blip while its hour still held the outage).
  @Test func theFirstCommandNeverGivesAnAllClearForAnUnheardAlarm() async throws {
    let readme = try String(contentsOfFile: Self.root + "/README.md", encoding: .utf8)
    let first = try #require(
      readme.split(separator: "\n").first { $0.hasPrefix("swift run vigil check") }, "README's first command")
    let arguments = first.split(separator: " ").dropFirst(4).map(String.init)
    let dir = TemporaryDirectory()
    let (status, out, err) = try await VigilProcess.run(
      ["check", "--db", dir.file("v.db"), "--rules", Self.root + "/alerts.yaml"]
        + arguments.map { $0.hasPrefix("examples/") ? Self.root + "/" + $0 : $0 })
    #expect(status == 0 || status == 1, "\(err)")
    let lines = out.split(separator: "\n").map(String.init)
    var announced: Set<String> = []
    var resolves = 0
    for line in lines {
      let words = line.split(separator: " ")
      guard words.count > 2 else { continue }
      let alert = String(words[2])
      if words[1] == "FIRING" {
        #expect(!announced.contains(alert), "fired twice: \(line)\n\(out)")
        announced.insert(alert)
      }
      if words[1] == "RESOLVED" {
        resolves += 1
        #expect(announced.contains(alert) || line.contains("folded in"), "\(line)\n\(out)")
      }
    }
    #expect(resolves >= 3 && !announced.isEmpty, "\(out)")
  }

  /// What the repository holds is source: no Python bytecode, no database, no generated report
  /// (the README's own example output) committed, and .gitignore keeps them out.
  @Test func theRepositoryHoldsNoBuildOrRunOutput() async throws {
    let (status, files) = try await WorkerThread.run {
      try PythonPeer.run(["git", "-C", Self.root, "ls-files"])
    }
    #expect(status == 0, "\(files)")
    let generated = files.split(separator: "\n").filter {
      $0.contains("__pycache__/") || $0.hasSuffix(".pyc") || $0.hasSuffix(".db") || $0 == "report.html"
        || $0.hasPrefix(".build")
    }
    #expect(generated.isEmpty, "\(generated)")
    let ignore = try String(contentsOfFile: Self.root + "/.gitignore", encoding: .utf8)
    for pattern in ["__pycache__/", "/report.html", "*.db", ".build/"] {
      #expect(ignore.split(separator: "\n").contains(Substring(pattern)), "\(pattern) not in .gitignore")
    }
  }

  /// The README counts the shipped rules as `vigil rules check` does (it once said 11 of 13).
  @Test func theReadmeCountsTheShippedRulesAsRulesCheckDoes() async throws {
    let readme = try String(contentsOfFile: Self.root + "/README.md", encoding: .utf8)
    let stated = try #require(
      readme.firstMatch(of: #/stop arriving: (\d+) rules, as `vigil rules check alerts.yaml` counts/#),
      "the README's sentence on the shipped alerts.yaml")
    let (status, out, err) = try await VigilProcess.run(["rules", "check", Self.root + "/alerts.yaml"])
    #expect(status == 0, "\(err)")
    #expect(out.contains("alerts.yaml: \(stated.1) rules OK"), "README: \(stated.1); rules check: \(out)")
  }

  @Test func aMissingRulesFileNamesThePathAndTheFlag() async throws {
    let dir = TemporaryDirectory()
    let (status, _, err) = try await VigilProcess.run([
      "check", "--db", dir.file("v.db"), "--rules", dir.file("nope.yaml"),
    ])
    #expect(status == 2)
    #expect(err.contains("no rules file at \(dir.file("nope.yaml")): give one with --rules FILE"), "\(err)")
  }

  @Test func aPortInUseIsNamedWithTheFlagThatMovesIt() async throws {
    let dir = TemporaryDirectory()
    ServeTests.rules(dir.file("alerts.yaml"))
    let first = try ServeProcess(loopbackIn: dir)
    defer { _ = first.terminate() }
    #expect(await first.waitUntilListening(), "\(first.log)")
    let (status, _, err) = try await VigilProcess.run([
      "serve", "--db", dir.file("v2.db"), "--rules", dir.file("alerts.yaml"), "--udp", "off", "--otlp", "off",
      "--http", "127.0.0.1:\(first.httpPort)",
    ])
    #expect(status == 2)
    #expect(
      err.contains("http: cannot listen on 127.0.0.1:\(first.httpPort): Address already in use")
        && err.contains("--http HOST:PORT"), "\(err)")
  }

  @Test func aFollowPatternThatMatchesNothingWarns() async throws {
    let dir = TemporaryDirectory()
    ServeTests.rules(dir.file("alerts.yaml"))
    let serve = try ServeProcess(loopbackIn: dir, ["--follow", dir.file("logz/*.jsonl")])
    defer { _ = serve.terminate() }
    #expect(await serve.waitUntilListening(), "\(serve.log)")
    #expect(
      await VigilProcess.waitUntil(seconds: 30) {
        serve.log.contains("follow: no file matches \(dir.file("logz/*.jsonl")) yet")
      }, "\(serve.log)")
  }
}

extension FirstHourMessageTests {
  /// `--log-format json`: every line serve writes is a JSON object with a level and a message.
  @Test func jsonLogsAreOneObjectPerLine() async throws {
    let dir = TemporaryDirectory()
    ServeTests.rules(dir.file("alerts.yaml"))
    let serve = try ServeProcess(loopbackIn: dir, ["--log-format", "json"])
    #expect(await serve.waitUntilListening(), "\(serve.log)")
    #expect(serve.terminate() == 0)
    let lines = serve.log.split(separator: "\n")
    #expect(lines.count >= 4, "\(serve.log)")
    for line in lines {
      let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String]
      #expect(object?["level"] != nil && object?["msg"] != nil, "\(line)")
    }
    LogFile.write(dir.file("vigil.yaml"), "version: 1\nlog_format: xml\n")
    let (status, _, err) = try await VigilProcess.run(["serve", "--config", dir.file("vigil.yaml")])
    #expect(
      status == 2 && err.contains("vigil.yaml:2:13: log_format must be one of text, json, logfmt"), "\(err)")
  }
}
