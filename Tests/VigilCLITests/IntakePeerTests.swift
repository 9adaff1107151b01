import Foundation
import Testing
import VigilCore
import VigilStore
import VigilSync
import VigilTestPeers
import VigilTestSupport

/// Applications that never wrote a Vigil line: the official `openai` and `anthropic` SDKs
/// instrumented by OpenLLMetry exporting OTLP/HTTP protobuf, and a LiteLLM proxy logging through
/// its generic_api callback, all in front of a scripted fake provider, into a real `vigil serve`.
@Suite(.serialized) struct IntakePeerTests {
  static let pythonModules = [
    "openai", "anthropic", "opentelemetry.sdk", "opentelemetry.exporter.otlp.proto.http",
    "opentelemetry.instrumentation.openai", "opentelemetry.instrumentation.anthropic", "litellm",
  ]

  static func requirePeers() {
    let missing = PythonPeer.missing(pythonModules)
    #expect(
      missing.isEmpty,
      "missing Python test peers \(missing): pip install openai anthropic opentelemetry-sdk opentelemetry-exporter-otlp-proto-http opentelemetry-instrumentation-openai opentelemetry-instrumentation-anthropic 'litellm[proxy]' (scripts/test does)"
    )
  }

  static func rules(_ path: String) {
    LogFile.write(
      path,
      """
      version: 1
      defaults: {evaluation_interval: 1s, group_by: [provider]}
      rules:
        - {alert: AuthFailures, metric: auth_failures, op: ">=", threshold: 5, window: 5m}

      """)
  }

  /// The stored calls: provider, model, status, error code, app, env, source; sorted.
  static func rows(_ db: String) throws -> [String] {
    let store = try Store(path: db)
    let s = try store.connection.prepare(
      "SELECT provider, model, status, coalesce(error_code, ''), coalesce(app, ''), coalesce(env, ''), source FROM call_log"
    )
    var out: [String] = []
    while try s.step() {
      out.append((0..<7).map { s.text(Int32($0)) ?? String(s.int64(Int32($0))) }.joined(separator: " "))
    }
    return out.sorted()
  }

  @Test func theSDKsThroughOpenLLMetryAreStoredOnceEachAndAnAlertFires() async throws {
    Self.requirePeers()
    let dir = TemporaryDirectory()
    Self.rules(dir.file("alerts.yaml"))
    let provider = try PythonPeer.fakeProvider(
      script: ["200", "429q", "500", "401", "401", "401", "401", "401", "200f", "400", "529", "200f"],
      directory: dir.path)
    let serve = try ServeProcess(loopbackIn: dir)
    defer { _ = serve.terminate() }
    #expect(await serve.waitUntilListening() && serve.otlpPort > 0, "\(serve.log)")
    let base = "http://127.0.0.1:\(provider.port)"
    let otlp = "http://127.0.0.1:\(serve.otlpPort)"
    let client = PythonPeer.script("sdk_client.py")
    let (s1, o1) = try await WorkerThread.run {
      try PythonPeer.run([
        "python3", client, "--sdk", "openai", "--base-url", base, "--otlp", otlp, "--calls", "10",
      ])
    }
    #expect(s1 == 0 && o1.contains("FAILURES 8"), "\(o1)")
    // Anthropic's SDK traces its own calls beside OpenLLMetry: still one call each.
    let (s2, o2) = try await WorkerThread.run {
      try PythonPeer.run([
        "python3", client, "--sdk", "anthropic", "--base-url", base, "--otlp", otlp, "--calls", "2",
      ])
    }
    #expect(s2 == 0 && o2.contains("FAILURES 1"), "\(o2)")
    #expect(
      await VigilProcess.waitUntil(seconds: 30) { VigilProcess.storedCalls(dir.file("v.db")) >= 12 },
      "\(serve.log)"
    )
    let rows = try Self.rows(dir.file("v.db"))
    let expected =
      [
        "openai gpt-4o-mini 200  support-bot prod otlp",
        "openai gpt-4o-mini 429 insufficient_quota support-bot prod otlp",
        "openai gpt-4o-mini 500  support-bot prod otlp",
      ]
      + Array(repeating: "openai gpt-4o-mini 401  support-bot prod otlp", count: 5)
      + [
        "openai gpt-4o-mini 200  support-bot prod otlp",
        "openai gpt-4o-mini 400 context_length_exceeded support-bot prod otlp",
      ]
      + [
        "anthropic claude-sonnet-4 529  support-bot prod otlp",
        "anthropic claude-sonnet-4 200  support-bot prod otlp",
      ]
    #expect(rows == expected.sorted(), "\(rows)")
    // The quota 429 is billing, not throttling.
    let store = try Store(path: dir.file("v.db"))
    #expect(
      try store.connection.scalar(
        "SELECT count(*) FROM call_log WHERE status = 429 AND error_code = 'insufficient_quota'") == 1)
    // Five 401s within five minutes: AuthFailures fires for openai, from OTLP-sourced calls.
    var firing = false
    for _ in 0..<100 where !firing {
      let alerts = try await serve.get("/api/alerts").json["alerts"] as? [[String: Any]] ?? []
      firing = alerts.contains {
        $0["rule"] as? String == "AuthFailures" && $0["state"] as? String == "firing"
          && ($0["labels"] as? [String: String])?["provider"] == "openai"
      }
      if !firing { try await Task.sleep(for: .milliseconds(200)) }
    }
    #expect(firing, "\(serve.log)")
    let metrics = try await serve.get("/metrics").body
    #expect(metrics.contains(#"vigil_ingest_records_total{source="otlp",outcome="stored"} 12"#), "\(metrics)")
    // The answers the safety system stopped, as each instrumentation reports them, and the prompt
    // too long: their own classes.
    #expect(
      try store.connection.scalar(
        "SELECT count(*) FROM call_log WHERE status = 200 AND finish_reason IN ('content_filter', 'refusal')")
        == 2)
    for (provider, code, cls) in [
      ("openai", 200, "content_filter"), ("anthropic", 200, "content_filter"),
      ("openai", 400, "context_length"),
    ] {
      #expect(
        metrics.split(separator: "\n").contains {
          $0.hasPrefix("vigil_attempts_total{") && $0.contains("provider=\"\(provider)\"")
            && $0.contains("code=\"\(code)\"") && $0.contains("class=\"\(cls)\"")
        }, "\(provider) \(code) \(cls)")
    }
  }

  /// Bad bodies get a clear 4xx (a partial success for bad spans), nothing crashes, and
  /// `/metrics` counts them.
  @Test func badOTLPBodiesAreRefusedClearlyAndCounted() async throws {
    let dir = TemporaryDirectory()
    Self.rules(dir.file("alerts.yaml"))
    let serve = try ServeProcess(loopbackIn: dir)
    defer { _ = serve.terminate() }
    #expect(await serve.waitUntilListening() && serve.otlpPort > 0, "\(serve.log)")
    let url = "http://127.0.0.1:\(serve.otlpPort)/v1/traces"
    let proto = [("Content-Type", "application/x-protobuf")]
    // A truncated protobuf: a field that says it is longer than the body.
    var r = try await HTTPGet.post(url, headers: proto, body: [0x0A, 0xFF, 0xFF, 0x03, 1, 2])
    #expect(r.status == 400 && r.body.contains("not an OTLP traces export"), "\(r.body)")
    r = try await HTTPGet.post(url, headers: [("Content-Type", "text/plain")], body: [1])
    #expect(r.status == 415 && r.body.contains("application/x-protobuf or application/json"))
    // A gzip bomb: 100 MiB of zeros in about 100 KB.
    let bomb = try Gzip.compress([UInt8](repeating: 0, count: 100 << 20))
    r = try await HTTPGet.post(url, headers: proto + [("Content-Encoding", "gzip")], body: bomb)
    #expect(r.status == 413, "\(r.body)")
    r = try await HTTPGet.post(url, headers: proto, body: [UInt8](repeating: 0, count: 21 << 20))
    #expect(r.status == 413)
    // One span with a megabyte model name: refused with a partial success, its neighbour stored.
    let huge = String(repeating: "m", count: 1 << 20)
    let json = """
      {"resourceSpans":[{"scopeSpans":[{"spans":[
        {"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","name":"chat","kind":3,
         "startTimeUnixNano":"\(WallClock.nowMs() * 1_000_000)","endTimeUnixNano":"\(WallClock.nowMs() * 1_000_000 + 1)",
         "attributes":[{"key":"gen_ai.operation.name","value":{"stringValue":"chat"}},
                       {"key":"gen_ai.request.model","value":{"stringValue":"\(huge)"}}]},
        {"traceId":"5b8efff798038103d269b633813fc60d","spanId":"eee19b7ec3c1b175","name":"chat","kind":3,
         "startTimeUnixNano":"\(WallClock.nowMs() * 1_000_000)","endTimeUnixNano":"\(WallClock.nowMs() * 1_000_000 + 1)",
         "attributes":[{"key":"gen_ai.operation.name","value":{"stringValue":"chat"}}]}]}]}]}
      """
    r = try await HTTPGet.post(url, headers: [("Content-Type", "application/json")], body: Array(json.utf8))
    #expect(r.status == 200, "\(r.body)")
    let partial = r.json["partialSuccess"] as? [String: Any]
    #expect(
      "\(partial?["rejectedSpans"] ?? "")" == "1"
        && (partial?["errorMessage"] as? String)?.contains("256 bytes") == true, "\(r.body)")
    // Stored by the spool's drain moments after the answer.
    #expect(await VigilProcess.waitUntil(seconds: 30) { VigilProcess.storedCalls(dir.file("v.db")) == 1 })
    #expect(try await serve.get("/healthz").status == 200)
    let metrics = try await serve.get("/metrics").body
    for line in [
      #"vigil_intake_requests_total{endpoint="otlp_traces",code="400"} 1"#,
      #"vigil_intake_requests_total{endpoint="otlp_traces",code="413"} 2"#,
      #"vigil_intake_requests_total{endpoint="otlp_traces",code="415"} 1"#,
      #"vigil_intake_requests_total{endpoint="otlp_traces",code="200"} 1"#,
      #"vigil_ingest_records_total{source="otlp",outcome="rejected"} 1"#,
    ] {
      #expect(metrics.contains(line), "\(line)")
    }
  }

  @Test func aLiteLLMProxyLogsEveryRequestThroughItsGenericCallback() async throws {
    Self.requirePeers()
    let dir = TemporaryDirectory()
    Self.rules(dir.file("alerts.yaml"))
    let provider = try PythonPeer.fakeProvider(script: ["200", "429", "500", "401"], directory: dir.path)
    let serve = try ServeProcess(loopbackIn: dir)
    defer { _ = serve.terminate() }
    #expect(await serve.waitUntilListening(), "\(serve.log)")
    let proxy = try await LiteLLMProxy.start(provider: provider, serve: serve, in: dir)
    defer { proxy.peer.stop() }
    var statuses: [Int] = []
    for _ in 0..<4 { statuses.append(try await proxy.chat().status) }
    #expect(statuses == [200, 429, 500, 401], "\(proxy.peer.log() ?? "")")
    #expect(
      await VigilProcess.waitUntil(seconds: 60) { VigilProcess.storedCalls(dir.file("v.db")) >= 4 },
      "\(proxy.peer.log() ?? "")\n\(serve.log)")
    let rows = try Self.rows(dir.file("v.db"))
    // No team or key alias: the app is the model group; the 429's code is recovered from the
    // text LiteLLM keeps of OpenAI's error.
    #expect(
      rows
        == [
          "openai fast 200  fast  litellm", "openai fast 401  fast  litellm",
          "openai fast 429 rate_limit_exceeded fast  litellm", "openai fast 500  fast  litellm",
        ],
      "\(rows)")
  }

  /// A port nothing listens on now (bound, then released).
  static func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = 0
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafePointer(to: &addr) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) }
    }
    _ = withUnsafeMutablePointer(to: &addr) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
    }
    return Int(UInt16(bigEndian: addr.sin_port))
  }
}
