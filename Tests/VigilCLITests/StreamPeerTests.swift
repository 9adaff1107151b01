import Foundation
import Testing
import VigilStore
import VigilSync
import VigilTestPeers
import VigilTestSupport

/// Streamed calls from applications that never wrote a Vigil line (issue 23): the official SDKs
/// instrumented by OpenLLMetry, and a LiteLLM proxy, in front of the fake provider's Server-Sent
/// Events, into a real `vigil serve`. Each failed stream is stored once, as a 200 whose stream
/// failed, with its outcome, its type where the peer reports one, and its class.
@Suite(.serialized) struct StreamPeerTests {
  /// The stored calls: provider, status, stream, stream outcome, stream error type, whether a
  /// time to first token was stored; sorted.
  static func rows(_ db: String) throws -> [String] {
    let store = try Store(path: db)
    let s = try store.connection.prepare(
      """
      SELECT provider, status, coalesce(stream, '-'), coalesce(stream_outcome, '-'),
        coalesce(stream_error_type, '-'), CASE WHEN ttft_ms > 0 THEN 'ttft' ELSE '-' END FROM call_log
      """)
    var out: [String] = []
    while try s.step() {
      out.append((0..<6).map { s.text(Int32($0)) ?? "?" }.joined(separator: " "))
    }
    return out.sorted()
  }

  /// Whether `/metrics` counts `n` failed streams of class `cls` for `provider`.
  static func failures(_ metrics: String, _ provider: String, _ cls: String, _ n: Int) -> Bool {
    metrics.split(separator: "\n").contains {
      $0.hasPrefix("vigil_stream_failures_total{") && $0.contains("provider=\"\(provider)\"")
        && $0.contains("class=\"\(cls)\"") && $0.hasSuffix(" \(n)")
    }
  }

  @Test func streamsThroughOpenLLMetryAreStoredOnceWithHowTheyEnded() async throws {
    IntakePeerTests.requirePeers()
    let dir = TemporaryDirectory()
    IntakePeerTests.rules(dir.file("alerts.yaml"))
    let provider = try PythonPeer(
      [
        "python3", PythonPeer.script("fake_provider.py"), "--script",
        "sok,serr,scut,sok,serr:rate_limit_exceeded,sinc,sok,serr,scut,sstall",
        "--stall", "3",
      ], directory: dir.path, announcesPort: true)
    let serve = try ServeProcess(loopbackIn: dir)
    defer { _ = serve.terminate() }
    #expect(await serve.waitUntilListening() && serve.otlpPort > 0, "\(serve.log)")
    let base = "http://127.0.0.1:\(provider.port)"
    let otlp = "http://127.0.0.1:\(serve.otlpPort)"
    let client = PythonPeer.script("sdk_client.py")
    // Chat Completions, the Responses API (a clean stream, response.failed, response.incomplete:
    // the SDK raises for none), then Anthropic.
    for (sdk, api, calls, failed) in [
      ("openai", "chat", 3, 2), ("openai", "responses", 3, 0), ("anthropic", "chat", 4, 3),
    ] {
      let (status, output) = try await WorkerThread.run {
        try PythonPeer.run([
          "python3", client, "--sdk", sdk, "--api", api, "--base-url", base, "--otlp", otlp, "--calls",
          String(calls), "--stream",
        ])
      }
      #expect(status == 0 && output.contains("FAILURES \(failed)"), "\(output)")
    }
    #expect(
      await VigilProcess.waitUntil(seconds: 30) { VigilProcess.storedCalls(dir.file("v.db")) >= 10 },
      "\(serve.log)")
    // OpenLLMetry's OpenAI instrumentation ends a stream that raised (the error chunk) or was cut
    // as an OK span without a finish reason, and records no time to first token: both are
    // `truncated`. Anthropic's SDK traces its own streams with the error's type and the time to
    // the first chunk: the overload is an error event of its type, the cut and the stall theirs.
    // Its Responses spans end OK with the finish reason `error` for a response.failed (the code is
    // not kept: an error event of no type, class server) and `length` for a response.incomplete.
    let rows = try Self.rows(dir.file("v.db"))
    #expect(
      rows
        == [
          "anthropic 200 1 - - ttft", "anthropic 200 1 error_event overloaded_error ttft",
          "anthropic 200 1 idle_timeout - ttft", "anthropic 200 1 truncated - ttft", "openai 200 1 - - -",
          "openai 200 1 - - -", "openai 200 1 - - -", "openai 200 1 error_event - -",
          "openai 200 1 truncated - -",
          "openai 200 1 truncated - -",
        ], "\(rows)")
    let metrics = try await serve.get("/metrics").body
    for (provider, cls, n) in [
      ("openai", "network", 2), ("openai", "server", 1), ("anthropic", "capacity", 1),
      ("anthropic", "network", 2),
    ] {
      #expect(Self.failures(metrics, provider, cls, n), "\(provider) \(cls) \(n)\n\(metrics)")
    }
  }

  /// A LiteLLM proxy (generic_api callback into `/ingest/litellm`) serving `stream: true`
  /// requests; `stream_timeout: 1` is its idle timeout. LiteLLM writes a failed stream's row with
  /// `stream: null` (its parameters say `stream: true`), the SDK's exception class and the first
  /// chunk's time: an error chunk is an error event (LiteLLM keeps its message, not its type:
  /// `api_error`), a cut after the first chunk is truncated, a stall an idle timeout.
  @Test func streamsThroughALiteLLMProxyAreStoredOnceWithHowTheyEnded() async throws {
    IntakePeerTests.requirePeers()
    let dir = TemporaryDirectory()
    IntakePeerTests.rules(dir.file("alerts.yaml"))
    let provider = try PythonPeer(
      ["python3", PythonPeer.script("fake_provider.py"), "--script", "sok,serr,scut,sstall", "--stall", "3"],
      directory: dir.path, announcesPort: true)
    let serve = try ServeProcess(loopbackIn: dir)
    defer { _ = serve.terminate() }
    #expect(await serve.waitUntilListening(), "\(serve.log)")
    let proxy = try await LiteLLMProxy.start(
      provider: provider, serve: serve, in: dir, params: ", stream_timeout: 1")
    defer { proxy.peer.stop() }
    var bodies: [String] = []
    for _ in 0..<4 {
      let r = try await proxy.chat(stream: true)
      #expect(r.status == 200, "\(r.body)")
      bodies.append(r.body)
    }
    // The proxy's clients saw one clean stream and three that ended in an error chunk.
    #expect(
      bodies[0].contains("[DONE]") && bodies.dropFirst().allSatisfy { $0.contains(#"{"error""#) }, "\(bodies)"
    )
    #expect(
      await VigilProcess.waitUntil(seconds: 60) { VigilProcess.storedCalls(dir.file("v.db")) >= 4 },
      "\(proxy.peer.log() ?? "")\n\(serve.log)")
    let rows = try Self.rows(dir.file("v.db"))
    #expect(
      rows
        == [
          "openai 200 1 - - ttft", "openai 200 1 error_event api_error ttft",
          "openai 200 1 idle_timeout - ttft",
          "openai 200 1 truncated - ttft",
        ], "\(rows)")
    let metrics = try await serve.get("/metrics").body
    for (cls, n) in [("server", 1), ("network", 2)] {
      #expect(Self.failures(metrics, "openai", cls, n), "\(cls) \(n)\n\(metrics)")
    }
  }
}
