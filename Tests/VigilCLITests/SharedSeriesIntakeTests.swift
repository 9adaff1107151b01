import Foundation
import Testing
import VigilStore
import VigilSync
import VigilTestPeers
import VigilTestSupport

/// Every input of one `vigil serve` at once (a tailed file, UDP, OTLP/HTTP, LiteLLM), all on the
/// same series, beside a second process (`vigil ingest` from cron) writing the same database: each
/// input creates the series it sees on its own connection, and none may wedge on one that another
/// created first.
@Suite(.serialized) struct SharedSeriesIntakeTests {
  static let baseMs = (Int64(Date().timeIntervalSince1970) - 600) * 1000

  static func line(_ n: Int, _ tag: String) -> String {
    #"{"ts":\#(baseMs + Int64(n)),"status":\#(n % 10 == 0 ? 500 : 200),"provider":"openai","model":"gpt-4o","latency_ms":120,"request_id":"\#(tag)-\#(n)"}"#
  }

  static func otlpRequest(_ first: Int, count: Int) -> [UInt8] {
    let spans = (first..<first + count).map { n in
      let end = (baseMs + Int64(n)) * 1_000_000
      return """
        {"traceId":"\(String(format: "%032x", n + 1))","spanId":"\(String(format: "%016x", n + 1))","name":"chat gpt-4o","kind":3,
         "startTimeUnixNano":"\(end - 120_000_000)","endTimeUnixNano":"\(end)",
         "attributes":[{"key":"gen_ai.operation.name","value":{"stringValue":"chat"}},
           {"key":"gen_ai.system","value":{"stringValue":"openai"}},
           {"key":"gen_ai.request.model","value":{"stringValue":"gpt-4o"}},
           {"key":"http.response.status_code","value":{"intValue":"200"}}]}
        """
    }
    return Array(#"{"resourceSpans":[{"scopeSpans":[{"spans":[\#(spans.joined(separator: ","))]}]}]}"#.utf8)
  }

  /// LiteLLM rows without a model group: a row's group is its `app` when it names no team or key
  /// alias, which would make a series of its own; here every input shares one.
  static func litellmRequest(_ first: Int, count: Int) -> [UInt8] {
    let rows = (first..<first + count).map { n in
      let end = Double(baseMs + Int64(n)) / 1000
      return """
        {"id":"l-\(n)","status":"success","startTime":\(end - 0.12),"endTime":\(end),"model":"gpt-4o",
         "custom_llm_provider":"openai","error_information":null}
        """
    }
    return Array("[\(rows.joined(separator: ","))]".utf8)
  }

  @Test func everyInputStoresEveryLineWhenAnotherCreatedTheSeriesFirst() async throws {
    let dir = TemporaryDirectory()
    LogFile.write(
      dir.file("alerts.yaml"),
      "version: 1\nrules:\n  - {alert: Errors, metric: error_rate, op: \">\", threshold: 0.5, window: 5m}\n")
    let log = dir.file("app.jsonl")
    LogFile.write(log, "")
    let serve = try ServeProcess(loopbackIn: dir, ["--follow", log])
    defer { _ = serve.terminate() }
    #expect(await serve.waitUntilListening(), "\(serve.log)")
    let db = dir.file("v.db")

    // UDP creates the series first; the follower's connection has never seen it.
    let udp = UDPSender(port: serve.udpPort)
    udp.send(Self.line(0, "udp") + "\n")
    #expect(await VigilProcess.waitUntil(seconds: 30) { VigilProcess.storedCalls(db) == 1 }, "\(serve.log)")

    let other = dir.file("cron.jsonl")
    LogFile.write(other, (0..<2000).map { Self.line($0, "cron") + "\n" }.joined())
    async let cron = VigilProcess.run(["ingest", "--db", db, other])
    let (otlpURL, litellmURL) = ("http://127.0.0.1:\(serve.otlpPort)/v1/traces", serve.url("/ingest/litellm"))
    async let http: [Int] = {
      var statuses: [Int] = []
      for k in 0..<20 {
        let otlp = try await HTTPGet.post(
          otlpURL, headers: [("Content-Type", "application/json")],
          body: Self.otlpRequest(k * 25, count: 25))
        let litellm = try await HTTPGet.post(
          litellmURL, headers: [("Content-Type", "application/json")],
          body: Self.litellmRequest(k * 25, count: 25))
        statuses += [otlp.status, litellm.status]
      }
      return statuses
    }()
    for k in 0..<30 {
      LogFile.append(log, (k * 100..<(k + 1) * 100).map { Self.line($0, "file") + "\n" }.joined())
      // Five lines a datagram, paced so that the kernel's buffer never overflows.
      for d in 0..<20 {
        let first = 1 + k * 100 + d * 5
        udp.send((first..<first + 5).map { Self.line($0, "udp") + "\n" }.joined())
      }
      usleep(20_000)
    }
    let (status, _, err) = try await cron
    #expect(status == 0, "\(err)")
    #expect(try await http == Array(repeating: 200, count: 40))

    // 3,001 by UDP, 3,000 from the file, 500 each over OTLP and LiteLLM, 2,000 by the other process.
    let expected: Int64 = 3001 + 3000 + 500 + 500 + 2000
    let stored = await VigilProcess.waitUntil(seconds: 60) { VigilProcess.storedCalls(db) >= expected }
    #expect(stored, "stored \(VigilProcess.storedCalls(db)) of \(expected)\n\(serve.log)")
    let store = try Store(path: db)
    #expect(try store.connection.scalar("SELECT count(*) FROM calls") == expected)
    let series = try store.connection.prepare(
      "SELECT provider || '/' || model || '/' || app || '/' || env || '/' || endpoint FROM series")
    var names: [String] = []
    while try series.step() { names.append(series.text(0) ?? "") }
    // OTLP names the operation as the endpoint; the other four inputs share one series.
    #expect(names.sorted() == ["openai/gpt-4o///", "openai/gpt-4o///chat"])
    #expect(try store.connection.scalar("SELECT sum(attempts) FROM rollups") == expected)
    #expect(!serve.log.contains("UNIQUE"), "\(serve.log)")
    #expect(serve.terminate() == 0, "\(serve.log)")
  }
}
