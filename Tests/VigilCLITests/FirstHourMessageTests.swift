import Foundation
import Testing
import VigilTestSupport

/// The first hour with Vigil: mistakes a new user makes get a message that says what to do.
@Suite(.serialized) struct FirstHourMessageTests {
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
