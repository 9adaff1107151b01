import Foundation
import SwiftProtobuf
import VigilCore

/// The entry points of the intake's fuzz targets (scripts/fuzz-targets/OTLP*.swift, LiteLLM.swift)
/// and of the bounded seeded property tests CI runs on them (IntakeFuzzTests): bytes nobody vouches
/// for become a structured request (a valid export built from choices the bytes make: spans with
/// child spans, GenAI and HTTP attributes of every type at their extremes, events, resources,
/// scopes; LiteLLM payloads), which is encoded, then damaged where the bytes say (bytes flipped,
/// inserted, cut, repeated), and taken as serve takes a request. Nothing may trap, and every call
/// that comes out passes the one validation seam and adds to a rollup.
package enum IntakeFuzz {
  /// Choices read off the input, then zeros.
  package struct Choices {
    let bytes: [UInt8]
    var at = 0

    package init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func byte() -> UInt8 {
      defer { at += 1 }
      return at < bytes.count ? bytes[at] : 0
    }

    mutating func below(_ n: Int) -> Int { n <= 1 ? 0 : Int(byte()) % n }
    mutating func pick<T>(_ from: [T]) -> T { from[below(from.count)] }
    mutating func chance(_ inEight: Int) -> Bool { below(8) < inEight }
  }

  static let keys = [
    "gen_ai.operation.name", "gen_ai.provider.name", "gen_ai.system", "gen_ai.request.model",
    "gen_ai.response.model", "gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens",
    "gen_ai.response.finish_reasons", "gen_ai.response.id", "gen_ai.error.code", "error.type",
    "http.response.status_code", "http.status_code", "openinference.span.kind", "llm.request.type",
    "llm.token_count.prompt", "service.name", "deployment.environment.name",
    "gen_ai.client.operation.duration",
    "http.response.header.x-ratelimit-remaining-requests", "http.response.header.x-ratelimit-limit-tokens",
    "http.response.header.retry-after", "http.response.header.x-ratelimit-reset-requests",
    "http.response.header.anthropic-ratelimit-tokens-reset", "exception.type", "exception.message",
    "gen_ai.is_streaming", "gen_ai.request.stream", "gen_ai.output.messages",
    "gen_ai.response.time_to_first_chunk",
  ]
  static let texts = [
    "", "chat", "openai", "Anthropic", "gpt-4o", "LLM", "RateLimitError", "429", "-5", "1e309", " 42 ",
    "Error code: 529 - {'type': 'overloaded_error'}", "content_filter", "1m12s", "2026-11-25T10:00:00Z",
    "429 Rate limited (request_id: req_1, path: /v1/messages, type: rate_limit_error)", "overloaded_error",
    "connection_error", "client_timeout_error", #"[{"role": "assistant", "finish_reason": ""}]"#,
    String(repeating: "m", count: 300), "\u{1B}[2J", "\0",
  ]
  static let integers: [Int64] = [
    0, 1, -1, 200, 429, 503, 599, 999, 1000, 32767, -32768, 1 << 40, .max, .min,
  ]
  static let doubles: [Double] = [0, -0.0, 0.5, 1e300, -1e300, .infinity, -.infinity, .nan, 9e15, 1e-300]
  static let nanos: [UInt64] = [
    0, 1, 1_795_600_800_000_000_000, 1_795_600_800_500_000_000, 1_795_600_801_000_000_000, .max, .max - 1,
    UInt64(Int64.max), 1 << 63,
  ]

  static func value(_ c: inout Choices, depth: Int = 0) -> Vigil_Otlp_V1_AnyValue {
    var v = Vigil_Otlp_V1_AnyValue()
    switch c.below(depth < 2 ? 7 : 5) {
    case 0: v.stringValue = c.pick(texts)
    case 1: v.intValue = c.pick(integers)
    case 2: v.doubleValue = c.pick(doubles)
    case 3: v.boolValue = c.chance(4)
    case 4: v.bytesValue = Data([c.byte()])
    case 5:
      var list = Vigil_Otlp_V1_ArrayValue()
      list.values = (0..<c.below(4)).map { _ in value(&c, depth: depth + 1) }
      v.arrayValue = list
    default:
      var map = Vigil_Otlp_V1_KeyValueList()
      map.values = attributes(&c, depth: depth + 1)
      v.kvlistValue = map
    }
    return v
  }

  static func attributes(_ c: inout Choices, depth: Int = 0) -> [Vigil_Otlp_V1_KeyValue] {
    (0..<c.below(depth == 0 ? 12 : 3)).map { _ in
      var kv = Vigil_Otlp_V1_KeyValue()
      kv.key = c.pick(keys)
      kv.value = value(&c, depth: depth)
      return kv
    }
  }

  /// A traces export: resources, scopes (two instrumentations at times), spans with child spans.
  package static func traces(_ c: inout Choices) -> Vigil_Otlp_V1_ExportTraceServiceRequest {
    var r = Vigil_Otlp_V1_ExportTraceServiceRequest()
    r.resourceSpans = (0..<(1 + c.below(2))).map { _ in
      var rs = Vigil_Otlp_V1_ResourceSpans()
      rs.resource.attributes = attributes(&c)
      rs.scopeSpans = (0..<(1 + c.below(2))).map { _ in
        var ss = Vigil_Otlp_V1_ScopeSpans()
        ss.scope.name = c.pick(["opentelemetry.instrumentation.openai.v1", "anthropic", ""])
        var spans: [Vigil_Otlp_V1_Span] = []
        for i in 0..<(1 + c.below(8)) {
          var s = Vigil_Otlp_V1_Span()
          s.traceID = Data([1 + c.byte() % 2])
          s.spanID = Data([UInt8(i + 1)])
          // A child of an earlier span (an HTTP attempt under its GenAI span), or a root.
          if i > 0 && c.chance(4) { s.parentSpanID = Data([UInt8(1 + c.below(i))]) }
          s.name = c.pick(texts)
          s.kind = c.chance(5) ? .client : .internal
          s.startTimeUnixNano = c.pick(nanos)
          s.endTimeUnixNano = c.pick(nanos)
          s.attributes = attributes(&c)
          if c.chance(2) {
            var e = Vigil_Otlp_V1_Span.Event()
            e.name = c.chance(6) ? "exception" : c.pick(texts)
            e.attributes = attributes(&c)
            s.events = [e]
          }
          if c.chance(3) {
            s.status.code = .error
            s.status.message = c.pick(texts)
          }
          spans.append(s)
        }
        ss.spans = spans
        return ss
      }
      return rs
    }
    return r
  }

  /// A logs export: records with GenAI attributes, times at their extremes.
  package static func logs(_ c: inout Choices) -> Vigil_Otlp_V1_ExportLogsServiceRequest {
    var r = Vigil_Otlp_V1_ExportLogsServiceRequest()
    var rl = Vigil_Otlp_V1_ResourceLogs()
    rl.resource.attributes = attributes(&c)
    var sl = Vigil_Otlp_V1_ScopeLogs()
    sl.logRecords = (0..<(1 + c.below(6))).map { _ in
      var record = Vigil_Otlp_V1_LogRecord()
      record.timeUnixNano = c.pick(nanos)
      record.observedTimeUnixNano = c.pick(nanos)
      record.eventName = c.pick(texts)
      record.attributes = attributes(&c)
      if c.chance(2) { record.body = value(&c) }
      return record
    }
    rl.scopeLogs = [sl]
    r.resourceLogs = [rl]
    return r
  }

  /// LiteLLM payloads: the fields it reads, each a value of any JSON type at its extremes.
  package static func litellm(_ c: inout Choices) -> [UInt8] {
    let fields = [
      "endTime", "startTime", "status", "custom_llm_provider", "model_group", "model", "prompt_tokens",
      "completion_tokens", "trace_id", "call_type",
    ]
    let values = [
      "1795600800.42", "0", "-1", "1e309", "253402300800", "\"failure\"", "\"success\"", "\"openai\"", "null",
      "true", "[]", "{}", "\"429\"", "9007199254740993", "\"\\u0000\"", "\"\\ud800\"",
    ]
    let classes = [
      #""RateLimitError""#, #""APIError""#, #""APIConnectionError""#, #""APITimeoutError""#, "null",
    ]
    // The texts a 429's code and an in-stream error are recovered from.
    let messages = [
      #""Error code: 429""#,
      #""litellm.RateLimitError: OpenAIException - Rate limit reached for gpt-4o-mini on requests per min""#,
      #""429 Rate limited (request_id: req_1, path: /v1/messages, type: rate_limit_error)""#,
      #""(request_id: x, type: ""#, #""{'type': 'error', 'error': {'type': 'overloaded_error'}}""#, "null",
    ]
    func payload(_ c: inout Choices) -> String {
      var members = (0..<c.below(10)).map { _ in "\"\(c.pick(fields))\":\(c.pick(values))" }
      if c.chance(5) {
        members.append(
          #""error_information":{"error_code":\#(c.pick(values)),"error_class":\#(c.pick(classes)),"error_message":\#(c.pick(messages))}"#
        )
      }
      if c.chance(3) {
        members.append(
          #""hidden_params":{"additional_headers":{"x_ratelimit_remaining_requests":\#(c.pick(values)),"retry_after":\#(c.pick(values)),"x_ratelimit_reset_tokens":\#(c.pick(values))}}"#
        )
      }
      if c.chance(2) { members.append(#""response":{"choices":[{"finish_reason":\#(c.pick(values))}]}"#) }
      if c.chance(3) {
        members.append(
          #""model_parameters":{"stream":\#(c.pick(values))},"completionStartTime":\#(c.pick(values)),"metadata":{"user_api_key_team_alias":\#(c.pick(values))}"#
        )
      }
      return "{" + members.joined(separator: ",") + "}"
    }
    let items = (0..<(1 + c.below(4))).map { _ in payload(&c) }
    return Array(
      (c.chance(4) ? "[" + items.joined(separator: ",") + "]" : items.joined(separator: "\n")).utf8)
  }

  /// `bytes` damaged where the choices say: a byte changed, one inserted, a stretch cut or repeated.
  static func damaged(_ bytes: [UInt8], _ c: inout Choices) -> [UInt8] {
    var out = bytes
    for _ in 0..<c.below(4) where !out.isEmpty {
      let at = Int(c.byte()) * 256 &+ Int(c.byte())
      let i = at % out.count
      switch c.below(4) {
      case 0: out[i] = c.byte()
      case 1: out.insert(c.byte(), at: i)
      case 2: out.removeSubrange(i..<min(out.count, i + 1 + c.below(16)))
      default: out.insert(contentsOf: out[i..<min(out.count, i + 1 + c.below(16))], at: i)
      }
    }
    return out
  }

  /// Limits small enough that fuzzing meets them.
  static var limits: IntakeLimits {
    var l = IntakeLimits()
    l.maxItems = 12
    l.maxAttributesPerItem = 40
    l.maxAttributes = 400
    l.maxJSONValues = 4_000
    l.maxDepth = 12
    return l
  }

  /// Every call passes the validation seam (``CallLimits``) and adds to a rollup; a refusal is
  /// a status of 400, 413 or 415, with a message.
  static func take(_ result: () throws(PayloadError) -> GenAICalls.Mapped) {
    let mapped: GenAICalls.Mapped
    do {
      mapped = try result()
    } catch {
      precondition([400, 413, 415].contains(error.status) && !error.message.isEmpty, "\(error)")
      return
    }
    let checked = CallLimits.accepted(mapped.calls)
    precondition(checked.accepted.count + checked.refused == mapped.calls.count)
    var batch = CallBatch()
    for call in checked.accepted {
      do throws(RejectReason) { try batch.add(call) } catch { preconditionFailure("\(error)") }
    }
    var rollup = Rollup()
    for row in batch.rows { rollup.add(row) }
    _ = rollup.latency.quantile(0.99)
  }

  /// One OTLP traces input: built, encoded as protobuf or JSON (the first choice says), damaged,
  /// taken; the same request gzipped (sometimes as two members) too.
  package static func traces(_ input: [UInt8]) {
    var c = Choices(input)
    let protobuf = c.chance(5)
    let request = traces(&c)
    let encoded: [UInt8]? = try? (protobuf ? request.serializedBytes() : request.jsonUTF8Bytes())
    guard let encoded else { return }
    let body = damaged(encoded, &c)
    let budget = IntakeBudget(capacity: 64 << 20)
    let reservation = IntakeReservation(budget)
    take { () throws(PayloadError) in
      try Payload.traces(body, protobuf: protobuf, limits: limits, reservation: reservation)
    }
    reservation.release()
    precondition(budget.inUse == 0)
  }

  /// One OTLP logs input, built, encoded, damaged and taken as a traces input is.
  package static func logs(_ input: [UInt8]) {
    var c = Choices(input)
    let protobuf = c.chance(5)
    let request = logs(&c)
    let encoded: [UInt8]? = try? (protobuf ? request.serializedBytes() : request.jsonUTF8Bytes())
    guard let encoded else { return }
    let body = damaged(encoded, &c)
    take { () throws(PayloadError) in try Payload.logs(body, protobuf: protobuf, limits: limits) }
  }

  /// One LiteLLM input: payloads built, damaged, taken.
  package static func litellm(_ input: [UInt8]) {
    var c = Choices(input)
    let app = c.chance(3) ? c.pick(texts) : nil
    let body = damaged(litellm(&c), &c)
    take { () throws(PayloadError) in try LiteLLMCalls.calls(body, limits: limits, reservation: nil, app: app)
    }
  }

  /// Raw bytes as a body of every kind, not built: what the structure-aware inputs do not reach
  /// (the wire walker's varints, lengths and nesting; the JSON scanner's strings and escapes).
  package static func raw(_ input: [UInt8]) {
    take { () throws(PayloadError) in try Payload.traces(input, protobuf: true, limits: limits) }
    take { () throws(PayloadError) in try Payload.logs(input, protobuf: true, limits: limits) }
    take { () throws(PayloadError) in try Payload.traces(input, protobuf: false, limits: limits) }
    take { () throws(PayloadError) in try LiteLLMCalls.calls(input, limits: limits, reservation: nil) }
  }
}
