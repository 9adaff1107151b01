import Foundation
import Testing
import VigilStore
import VigilSync
import VigilTestPeers
import VigilTestSupport

/// The streaming loggers (`examples/loggers/*_streams.py`) with the real openai and anthropic SDKs
/// reading the fake provider's Server-Sent Events, into a real `vigil serve` that tails the file
/// and listens on UDP (issue 23): every attempt stored once with how its stream ended, the
/// provider's in-band type and the class Vigil gives it; a stream that failed before its first
/// token retried, one that had delivered output never.
@Suite(.serialized) struct StreamLoggerTests {
  /// The fake provider's script for `stream_check.py`, in its order.
  static let script = [
    "sok", "sok", "serr", "serr@0", "sok", "sok", "serr:rate_limit_exceeded", "sinc", "serr", "scut",
    "sstall@0",
    "sok",
  ]

  @Test func theStreamingLoggersLogEveryAttemptWithHowItsStreamEnded() async throws {
    IntakePeerTests.requirePeers()
    let dir = TemporaryDirectory()
    LogFile.write(dir.file("alerts.yaml"), "version: 1\nrules: []\n")
    let log = dir.file("llm-calls.jsonl")
    let provider = try PythonPeer(
      [
        "python3", PythonPeer.script("fake_provider.py"), "--script", Self.script.joined(separator: ","),
        "--stall", "3",
      ],
      directory: dir.path, announcesPort: true)
    let serve = try ServeProcess(
      loopbackIn: dir, ["--follow", log, "--start-at", "beginning", "--otlp", "off"])
    defer { _ = serve.terminate() }
    #expect(await serve.waitUntilListening(otlp: false), "\(serve.log)")
    let examples = FileManager.default.currentDirectoryPath + "/examples/loggers"
    let (status, output) = try await WorkerThread.run { [udp = serve.udpPort] in
      try PythonPeer.run([
        "python3", PythonPeer.script("stream_check.py"), "--examples", examples, "--base-url",
        "http://127.0.0.1:\(provider.port)", "--log", log, "--udp", String(udp),
      ])
    }
    #expect(status == 0, "\(output)")
    let result = try #require(
      try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any], "\(output)")
    // What the application saw: a failure before the first token is retried and invisible; one
    // after output is raised (the SDK's own error, or StreamFailed where the SDK raises nothing).
    let calls = (result["calls"] as? [[String: Any]] ?? []).map {
      "\($0["call"] as? String ?? ""): \($0["text"] as? String ?? "") \($0["raised"] as? String ?? "-")"
    }
    #expect(
      calls == [
        "chat clean: Hello there! -", "chat cancelled by the caller: Hello -",
        "chat error chunk: Hello there APIError",
        "chat error before the first token: Hello there! -", "responses clean: Hello there! -",
        "responses failed: Hello there StreamFailed", "responses incomplete: Hello there! -",
        "anthropic overloaded: Hello there APIStatusError", "anthropic cut: Hello there APIConnectionError",
        "anthropic stall before the first token: Hello there! -",
      ], "\(calls)")
    // Twelve attempts: eight from the file, four over UDP, each once.
    #expect(
      await VigilProcess.waitUntil(seconds: 30) { VigilProcess.storedCalls(dir.file("v.db")) >= 12 },
      "\(serve.log)")
    let store = try Store(path: dir.file("v.db"))
    let s = try store.connection.prepare(
      """
      SELECT provider, endpoint, status, attempt, stream, stream_outcome, coalesce(stream_error_type, '-'),
        coalesce(finish_reason, '-'), output_tokens_partial, ttft_ms, max_chunk_gap_ms, error_after_ms
      FROM call_log ORDER BY id
      """)
    var rows: [String] = []
    while try s.step() {
      rows.append(
        (0..<9).map { s.text(Int32($0)) ?? (s.isNull(Int32($0)) ? "-" : String(s.int64(Int32($0)))) }
          .joined(separator: " "))
      // Every attempt reached its first chunk (the stream's opening event): a time to first token.
      #expect(s.double(9) > 0, "\(rows.last ?? "")")
      if s.text(5) == "idle_timeout" {
        // The stall: the silence that ended it is the longest gap, about the 1 s idle timeout.
        #expect(s.double(10) >= 900 && s.double(11) >= 900, "\(rows.last ?? "")")
      }
    }
    #expect(
      rows.sorted()
        == [
          "openai chat.completions 200 1 1 completed - stop -",
          "openai chat.completions 200 1 1 client_cancelled - - 1",
          "openai chat.completions 200 1 1 error_event server_error - 2",
          "openai chat.completions 200 1 1 error_event server_error - 0",
          "openai chat.completions 200 2 1 completed - stop -",
          "openai responses 200 1 1 completed - stop -",
          "openai responses 200 1 1 error_event rate_limit_exceeded - 2",
          "openai responses 200 1 1 completed - length -",
          "anthropic messages 200 1 1 error_event overloaded_error - 2",
          "anthropic messages 200 1 1 truncated - - 2",
          "anthropic messages 200 1 1 idle_timeout - - 0",
          "anthropic messages 200 2 1 completed - end_turn -",
        ].sorted(), "\(rows)")
    // The classes: an overload or a rate limit inside the stream is capacity, OpenAI's
    // server_error is server, a cut or a stall is network: as without streaming.
    let metrics = try await serve.get("/metrics").body
    for (provider, endpoint, cls, n) in [
      ("openai", "chat.completions", "server", 2), ("openai", "responses", "capacity", 1),
      ("anthropic", "messages", "capacity", 1), ("anthropic", "messages", "network", 2),
    ] {
      #expect(
        metrics.split(separator: "\n").contains {
          $0.hasPrefix("vigil_stream_failures_total{") && $0.contains("provider=\"\(provider)\"")
            && $0.contains("endpoint=\"\(endpoint)\"") && $0.contains("class=\"\(cls)\"")
            && $0.hasSuffix(" \(n)")
        }, "\(provider) \(endpoint) \(cls) \(n)\n\(metrics)")
    }
  }
}
