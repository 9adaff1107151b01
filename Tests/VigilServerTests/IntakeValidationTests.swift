import Foundation
import Logging
import Testing
import VigilConfig
import VigilCore
import VigilStore
import VigilTestPeers
import VigilTestSupport

@testable import VigilServer

/// Calls that arrive over OTLP pass the checks a call-log line passes before they reach a rollup:
/// a value no call can have is refused (counted in `partial_success`, kept as a reject), the rest
/// of the request is stored, and serve goes on.
@Suite struct IntakeValidationTests {
  static let t0: Int64 = 1_800_000_000_000_000_000

  /// A GenAI span and, under it, HTTP client spans (its attempts) with the given statuses and
  /// durations in nanoseconds.
  static func call(_ id: Int, attempts: [(status: Int64, durationNs: Int64)]) -> String {
    let trace = String(format: "%032x", id)
    let parent = String(format: "%016x", id * 100)
    var spans = [
      """
      {"traceId":"\(trace)","spanId":"\(parent)","name":"chat gpt-4o","kind":3,
       "startTimeUnixNano":"\(t0)","endTimeUnixNano":"\(t0 + 2_000_000_000)",
       "attributes":[{"key":"gen_ai.operation.name","value":{"stringValue":"chat"}},
         {"key":"gen_ai.system","value":{"stringValue":"openai"}},
         {"key":"gen_ai.request.model","value":{"stringValue":"gpt-4o"}}]}
      """
    ]
    for (k, a) in attempts.enumerated() {
      let start = t0 + Int64(k) * 1_000_000
      spans.append(
        """
        {"traceId":"\(trace)","spanId":"\(String(format: "%016x", id * 100 + k + 1))","parentSpanId":"\(parent)",
         "name":"POST","kind":3,"startTimeUnixNano":"\(start)","endTimeUnixNano":"\(start + a.durationNs)",
         "attributes":[{"key":"http.response.status_code","value":{"intValue":"\(a.status)"}}]}
        """)
    }
    return spans.joined(separator: ",")
  }

  @Test func attemptSpansWithValuesNoCallCanHaveAreRefusedAndTheRestIsStored() async throws {
    let dir = TemporaryDirectory()
    let clock = ManualClock(nowMs: DaemonTests.start)
    let daemon = try await DaemonTests.daemon(dir, clock: clock)
    let running = Task { try await daemon.run() }
    #expect(await DaemonTests.waitFor { daemon.state.listeners.otlpPort != nil })
    let port = try #require(daemon.state.listeners.otlpPort)
    let fiftySixYearsNs: Int64 = 56 * 365 * 86_400 * 1_000_000_000
    let spans = [
      Self.call(1, attempts: [(-5, 100_000_000)]),  // a negative status: trapped in the rollup
      Self.call(2, attempts: [(32767, 100_000_000)]),
      Self.call(3, attempts: [(200, fiftySixYearsNs)]),
      Self.call(4, attempts: [(503, 100_000_000), (200, 150_000_000)]),
    ]
    let body = #"{"resourceSpans":[{"scopeSpans":[{"spans":[\#(spans.joined(separator: ","))]}]}]}"#
    let reply = try await HTTPGet.post(
      "http://127.0.0.1:\(port)/v1/traces", headers: [("Content-Type", "application/json")],
      body: Array(body.utf8))
    #expect(reply.status == 200, "\(reply.body)")
    #expect(reply.body.contains(#""rejectedSpans":"3""#), "\(reply.body)")
    #expect(reply.body.contains("status -5 is not 0 or 100-599"), "\(reply.body)")
    // Serve goes on: the next request is answered too.
    let again = try await HTTPGet.post(
      "http://127.0.0.1:\(port)/v1/traces", headers: [("Content-Type", "application/json")],
      body: Array(
        #"{"resourceSpans":[{"scopeSpans":[{"spans":[\#(Self.call(5, attempts: [(200, 1_000_000)]))]}]}]}"#
          .utf8))
    #expect(again.status == 200)
    await daemon.shutDown()
    try await running.value
    let store = try Store(path: dir.file("v.db"))
    // Call 4's two attempts and call 5's one.
    #expect(try store.callCount() == 3)
    #expect(try store.connection.scalar("SELECT max(status) FROM calls") == 503)
    #expect(try store.connection.scalar("SELECT max(latency_ms) FROM calls") ?? 0 < 1000)
    #expect(try store.connection.scalar("SELECT count(*) FROM rejects WHERE source = 'otlp'") == 1)
  }
}
