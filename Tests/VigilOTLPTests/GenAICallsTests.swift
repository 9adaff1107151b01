import Foundation
import SwiftProtobuf
import Testing
import VigilCore

@testable import VigilOTLP

/// GenAI spans and log records into calls, as OpenLLMetry, the SDKs' own tracing and OpenInference
/// send them.
@Suite struct GenAICallsTests {
  static let t0: UInt64 = 1_795_600_800_000_000_000  // 2026-11-25T10:00:00Z in ns

  static func kv(_ key: String, _ value: Any) -> Vigil_Otlp_V1_KeyValue {
    var a = Vigil_Otlp_V1_AnyValue()
    switch value {
    case let s as String: a.stringValue = s
    case let i as Int: a.intValue = Int64(i)
    case let d as Double: a.doubleValue = d
    case let b as Bool: a.boolValue = b
    case let list as [String]:
      var arr = Vigil_Otlp_V1_ArrayValue()
      arr.values = list.map { s in
        var v = Vigil_Otlp_V1_AnyValue()
        v.stringValue = s
        return v
      }
      a.arrayValue = arr
    default: break
    }
    var kv = Vigil_Otlp_V1_KeyValue()
    kv.key = key
    kv.value = a
    return kv
  }

  static func span(
    _ name: String, id: UInt8, parent: UInt8? = nil, trace: UInt8 = 1, startMs: UInt64, endMs: UInt64,
    kind: Vigil_Otlp_V1_Span.SpanKind = .client, error: Bool = false, _ attributes: [String: Any],
    exception: (type: String, message: String)? = nil
  ) -> Vigil_Otlp_V1_Span {
    var s = Vigil_Otlp_V1_Span()
    s.name = name
    s.traceID = Data(repeating: trace, count: 16)
    s.spanID = Data(repeating: id, count: 8)
    if let parent { s.parentSpanID = Data(repeating: parent, count: 8) }
    s.kind = kind
    s.startTimeUnixNano = t0 + startMs * 1_000_000
    s.endTimeUnixNano = t0 + endMs * 1_000_000
    s.attributes = attributes.sorted { $0.key < $1.key }.map { kv($0.key, $0.value) }
    if error { s.status.code = .error }
    if let exception {
      var e = Vigil_Otlp_V1_Span.Event()
      e.name = "exception"
      e.attributes = [kv("exception.type", exception.type), kv("exception.message", exception.message)]
      s.events = [e]
    }
    return s
  }

  static func request(_ scopes: [(String, [Vigil_Otlp_V1_Span])], service: String = "support-bot")
    -> Vigil_Otlp_V1_ExportTraceServiceRequest
  {
    var rs = Vigil_Otlp_V1_ResourceSpans()
    rs.resource.attributes = [kv("service.name", service), kv("deployment.environment.name", "prod")]
    rs.scopeSpans = scopes.map { name, spans in
      var ss = Vigil_Otlp_V1_ScopeSpans()
      ss.scope.name = name
      ss.spans = spans
      return ss
    }
    var r = Vigil_Otlp_V1_ExportTraceServiceRequest()
    r.resourceSpans = [rs]
    return r
  }

  static let openLLMetry = "opentelemetry.instrumentation.openai.v1"
  static var chat: [String: Any] {
    [
      "gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai",
      "gen_ai.request.model": "gpt-4o-mini",
    ]
  }

  @Test func aSuccessfulSpanIsOneRequestWithItsModelTokensAppAndEnv() throws {
    var a = Self.chat
    a["gen_ai.usage.input_tokens"] = 11
    a["gen_ai.usage.output_tokens"] = 3
    a["gen_ai.response.id"] = "chatcmpl-1"
    let r = Self.request([(Self.openLLMetry, [Self.span("openai.chat", id: 1, startMs: 0, endMs: 840, a)])])
    let out = GenAICalls.calls(r)
    #expect(out.rejected == 0 && out.calls.count == 1)
    let c = try #require(out.calls.first)
    #expect(c.status == 200 && c.provider == "openai" && c.model == "gpt-4o-mini")
    #expect(c.timestampMs == 1_795_600_800_840 && c.latencyMs == 840)
    #expect(c.promptTokens == 11 && c.completionTokens == 3 && c.requestID == "chatcmpl-1")
    #expect(c.app == "support-bot" && c.env == "prod" && c.endpoint == "chat")
    #expect(c.attempt == 1 && !c.retriesExhausted)
  }

  /// Span times are any UInt64 an exporter sends: spans of two instrumentations at the ends of the
  /// range are compared without overflowing (a sum past UInt64, a difference past Int trapped).
  @Test(
    arguments: [
      (0, UInt64.max, UInt64.max - 1, UInt64.max), (0, 10, UInt64.max - 1, UInt64.max),
      (UInt64.max - 2, UInt64.max, UInt64.max - 1, UInt64.max),
    ] as [(UInt64, UInt64, UInt64, UInt64)])
  func spansOfTwoInstrumentationsAtTheEndsOfTimeAreComparedWithoutTrapping(
    a0: UInt64, a1: UInt64, b0: UInt64, b1: UInt64
  ) {
    func span(_ id: UInt8, _ start: UInt64, _ end: UInt64) -> Vigil_Otlp_V1_Span {
      var s = Self.span("openai.chat", id: id, startMs: 0, endMs: 1, Self.chat)
      s.startTimeUnixNano = start
      s.endTimeUnixNano = end
      return s
    }
    let r = Self.request([(Self.openLLMetry, [span(1, a0, a1)]), ("openai-sdk", [span(2, b0, b1)])])
    let out = GenAICalls.calls(r)
    #expect(out.calls.count + out.rejected == (a0 == UInt64.max - 2 ? 1 : 2), "\(out.calls)")
  }

  /// What OpenLLMetry sends on failure: status ERROR, `error.type` = the SDK's exception class,
  /// and an exception event whose message carries the status and, in some forms, the code.
  @Test(
    arguments: [
      (
        "RateLimitError",
        "Error code: 429 - You exceeded your current quota, please check your plan and billing details.", 429,
        "insufficient_quota", StatusClass.quota
      ),
      (
        "RateLimitError",
        "Error code: 429 - {'error': {'message': 'Rate limit reached', 'type': 'requests', 'code': 'rate_limit_exceeded'}}",
        429, "rate_limit_exceeded", .capacity
      ),
      (
        // What OpenAI's SDK renders for a 429 per minute: the code only in its documented text.
        "RateLimitError",
        "Error code: 429 - Rate limit reached for gpt-4o-mini on requests per min (RPM): Limit 3, Used 3, Requested 1.",
        429, "rate_limit_exceeded", .capacity
      ),
      (
        "InternalServerError", "Error code: 500 - The server had an error while processing your request.",
        500, nil, .server
      ),
      ("AuthenticationError", "Error code: 401 - Incorrect API key provided: sk-test.", 401, nil, .client),
      (
        "OverloadedError",
        "Error code: 529 - {'type': 'error', 'error': {'type': 'overloaded_error', 'message': 'Overloaded'}}",
        529, nil, .capacity
      ),
      ("APITimeoutError", "Request timed out.", 0, nil, .network),
      ("RateLimitError", "", 429, nil, .capacity),
    ] as [(String, String, Int, String?, StatusClass)])
  func aFailedSpanSaysItsStatusAndCode(
    _ type: String, _ message: String, _ status: Int, _ code: String?, _ cls: StatusClass
  )
    throws
  {
    var a = Self.chat
    a["error.type"] = type
    let r = Self.request([
      (
        Self.openLLMetry,
        [
          Self.span(
            "openai.chat", id: 1, startMs: 0, endMs: 50, error: true, a,
            exception: message.isEmpty ? nil : ("openai." + type, message))
        ]
      )
    ])
    let c = try #require(GenAICalls.calls(r).calls.first)
    #expect(c.status == status)
    #expect(c.errorCode == code)
    #expect(c.statusClass == cls)
    // The SDK retried inside the span and gave up: the request failed for good.
    #expect(c.retriesExhausted)
  }

  /// Failures that are none of the provider's unavailability: a filtered prompt (Azure's 400
  /// content_filter), a prompt too long (OpenAI's code, Anthropic's text only), a cancelled task.
  @Test(
    arguments: [
      (
        "BadRequestError",
        "Error code: 400 - {'error': {'message': 'The response was filtered', 'type': null, 'param': 'prompt', 'code': 'content_filter'}}",
        400, StatusClass.contentFilter
      ),
      (
        "BadRequestError",
        "Error code: 400 - {'error': {'message': \"This model's maximum context length is 128000 tokens.\", 'type': 'invalid_request_error', 'code': 'context_length_exceeded'}}",
        400, .contextLength
      ),
      (
        "BadRequestError",
        "Error code: 400 - {'type': 'error', 'error': {'type': 'invalid_request_error', 'message': 'prompt is too long: 210000 tokens > 200000 maximum'}}",
        400, .contextLength
      ),
      ("CancelledError", "", 0, .cancelled),
    ] as [(String, String, Int, StatusClass)])
  func filteredTooLongAndCancelledHaveTheirClass(
    _ type: String, _ message: String, _ status: Int, _ cls: StatusClass
  )
    throws
  {
    var a = Self.chat
    a["error.type"] = type
    let span = Self.span(
      "openai.chat", id: 1, startMs: 0, endMs: 50, error: true, a,
      exception: message.isEmpty ? nil : ("openai." + type, message))
    let c = try #require(GenAICalls.calls(Self.request([(Self.openLLMetry, [span])])).calls.first)
    #expect(c.status == status && c.statusClass == cls)
  }

  /// A 200 that ended in a content filter is a content-filter outcome: `finish_reasons` is a list,
  /// and one filtered choice is enough; the older per-completion attribute counts too.
  @Test func aSuccessThatEndedFilteredIsAContentFilterOutcome() throws {
    var a = Self.chat
    a["gen_ai.response.finish_reasons"] = ["stop", "content_filter"]
    var b = Self.chat
    b["gen_ai.completion.0.finish_reason"] = "SAFETY"
    var c = Self.chat
    c["gen_ai.response.finish_reasons"] = ["stop"]
    let r = Self.request([
      (
        Self.openLLMetry,
        [
          Self.span("openai.chat", id: 1, startMs: 0, endMs: 50, a),
          Self.span("openai.chat", id: 2, startMs: 1000, endMs: 1050, b),
          Self.span("openai.chat", id: 3, startMs: 2000, endMs: 2050, c),
        ]
      )
    ])
    let calls = GenAICalls.calls(r).calls.sorted { $0.timestampMs < $1.timestampMs }
    #expect(calls.map(\.finishReason) == ["content_filter", "SAFETY", "stop"])
    #expect(calls.map(\.statusClass) == [.contentFilter, .contentFilter, .success])
    #expect(calls.allSatisfy { $0.status == 200 })
  }

  @Test func anthropicsOwnSpanBesideOpenLLMetrysIsOneCall() throws {
    let anthropic: [String: Any] = [
      "gen_ai.operation.name": "chat", "gen_ai.provider.name": "anthropic",
      "gen_ai.request.model": "claude-sonnet-4",
    ]
    var native = anthropic
    native["http.response.status_code"] = 529
    native["error.type"] = "overloaded_error"
    var traced = anthropic
    traced["error.type"] = "OverloadedError"
    traced["gen_ai.system"] = "Anthropic"
    let r = Self.request([
      (
        "com.anthropic.sdk.python",
        [
          Self.span(
            "anthropic.messages.create", id: 1, trace: 1, startMs: 0, endMs: 1415, error: true, native)
        ]
      ),
      (
        "opentelemetry.instrumentation.anthropic",
        [
          Self.span(
            "anthropic.chat", id: 2, trace: 2, startMs: 1, endMs: 1417, error: true, traced,
            exception: (
              "anthropic.OverloadedError",
              "Error code: 529 - {'type': 'error', 'error': {'type': 'overloaded_error', 'message': 'Overloaded'}}"
            ))
        ]
      ),
    ])
    let out = GenAICalls.calls(r)
    #expect(out.calls.count == 1)
    let c = try #require(out.calls.first)
    #expect(c.status == 529 && c.provider == "anthropic" && c.errorType == "overloaded_error")
  }

  @Test func callsOfOneInstrumentationAreNeverMergedHoweverClose() {
    var spans: [Vigil_Otlp_V1_Span] = []
    for i in 0..<5 {
      let n = UInt8(i + 1)
      let start = UInt64(i)
      spans.append(Self.span("openai.chat", id: n, trace: n, startMs: start, endMs: start + 10, Self.chat))
    }
    #expect(GenAICalls.calls(Self.request([(Self.openLLMetry, spans)])).calls.count == 5)
  }

  /// HTTP client spans under a GenAI span (an httpx instrumentation beside OpenLLMetry) are its
  /// attempts: statuses, timings and the captured rate-limit headers.
  @Test func httpChildSpansAreTheAttempts() throws {
    var a = Self.chat
    a["gen_ai.usage.input_tokens"] = 11
    let http: (Int, UInt8, UInt64) -> Vigil_Otlp_V1_Span = { status, id, start in
      Self.span(
        "POST", id: id, parent: 1, startMs: start, endMs: start + 100,
        [
          "http.response.status_code": status, "http.response.header.retry-after": ["2"],
          "http.response.header.x-ratelimit-remaining-requests": ["0"],
          "http.response.header.x-ratelimit-limit-requests": ["500"],
          "http.response.header.x-ratelimit-reset-requests": ["6m0s"],
        ])
    }
    let r = Self.request([
      (
        Self.openLLMetry,
        [
          Self.span("openai.chat", id: 1, startMs: 0, endMs: 2500, a), http(429, 2, 0), http(429, 3, 1000),
          http(200, 4, 2300),
        ]
      )
    ])
    let out = GenAICalls.calls(r)
    #expect(out.calls.map(\.status) == [429, 429, 200])
    #expect(out.calls.map(\.attempt) == [1, 2, 3])
    #expect(out.calls.map(\.retriesExhausted) == [false, false, false])
    #expect(out.calls.map(\.promptTokens) == [nil, nil, 11])
    #expect(out.calls[0].retryAfterS == 2 && out.calls[0].rateLimitRemainingRequests == 0)
    #expect(out.calls[0].rateLimitLimitRequests == 500 && out.calls[0].rateLimitResetRequestsS == 360)
    #expect(out.calls.allSatisfy { $0.provider == "openai" && $0.app == "support-bot" })
  }

  @Test func otherSpansAreIgnoredAndBrokenOnesRejected() {
    let r = Self.request([
      (
        "flask",
        [
          Self.span("GET /chat", id: 1, startMs: 0, endMs: 10, kind: .server, ["http.route": "/chat"]),
          Self.span("openai.chat", id: 2, startMs: 20, endMs: 10, Self.chat),  // ends before it starts
        ]
      )
    ])
    let out = GenAICalls.calls(r)
    #expect(out.calls.isEmpty && out.ignored == 1 && out.rejected == 1)
    #expect(out.firstError?.contains("no valid end time") == true)
  }

  @Test func openInferenceAndOlderNamesAreRead() throws {
    let r = Self.request([
      (
        "openinference",
        [
          Self.span(
            "ChatCompletion", id: 1, startMs: 0, endMs: 30,
            [
              "openinference.span.kind": "LLM", "llm.provider": "Anthropic", "llm.model_name": "claude-haiku",
              "llm.token_count.prompt": 5, "llm.token_count.completion": 2,
            ])
        ]
      )
    ])
    let c = try #require(GenAICalls.calls(r).calls.first)
    #expect(
      c.provider == "anthropic" && c.model == "claude-haiku" && c.promptTokens == 5 && c.completionTokens == 2
    )
  }

  /// OTLP/JSON: hex ids, enums as integers, 64-bit integers as strings, unknown fields.
  @Test func otlpJSONDecodesWithHexIdsIntegerEnumsAndStringNumbers() throws {
    let json = """
      {"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"bot"}}]},
       "scopeSpans":[{"scope":{"name":"x"},"spans":[
        {"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","name":"chat","kind":3,
         "startTimeUnixNano":"1795600800000000000","endTimeUnixNano":1795600800250000000,
         "attributes":[{"key":"gen_ai.operation.name","value":{"stringValue":"chat"}},
                       {"key":"gen_ai.system","value":{"stringValue":"openai"}},
                       {"key":"gen_ai.request.model","value":{"stringValue":"gpt-4o"}},
                       {"key":"http.response.status_code","value":{"intValue":"503"}}],
         "status":{"code":2},"droppedAttributesCount":0,"someFutureField":{"a":1}},
        {"traceId":"5b8efff798038103d269b633813fc60c","spanId":"aaa19b7ec3c1b174","parentSpanId":"eee19b7ec3c1b174",
         "name":"POST","kind":3,"startTimeUnixNano":"1795600800000000000","endTimeUnixNano":"1795600800100000000",
         "attributes":[{"key":"http.response.status_code","value":{"intValue":503}}]}]}]}]}
      """
    let out = try Payload.traces(Array(json.utf8), protobuf: false)
    #expect(out.calls.count == 1, "\(out)")
    let c = try #require(out.calls.first)
    #expect(c.status == 503 && c.latencyMs == 100 && c.app == "bot" && c.model == "gpt-4o")
  }

  @Test func logRecordsThatDescribeACallAreCallsAndOthersAreNot() throws {
    var lr = Vigil_Otlp_V1_LogRecord()
    lr.timeUnixNano = Self.t0
    lr.attributes = [
      Self.kv("gen_ai.operation.name", "chat"), Self.kv("gen_ai.provider.name", "openai"),
      Self.kv("gen_ai.request.model", "gpt-4o"), Self.kv("http.response.status_code", 429),
      Self.kv("gen_ai.client.operation.duration", 1.5),
    ]
    var prompt = Vigil_Otlp_V1_LogRecord()
    prompt.timeUnixNano = Self.t0
    prompt.eventName = "gen_ai.user.message"
    var sl = Vigil_Otlp_V1_ScopeLogs()
    sl.logRecords = [lr, prompt]
    var rl = Vigil_Otlp_V1_ResourceLogs()
    rl.scopeLogs = [sl]
    var r = Vigil_Otlp_V1_ExportLogsServiceRequest()
    r.resourceLogs = [rl]
    let out = try Payload.logs(try r.serializedBytes(), protobuf: true)
    #expect(out.calls.count == 1 && out.ignored == 1)
    #expect(out.calls.first?.status == 429 && out.calls.first?.latencyMs == 1500)
  }
}
