import VigilCore

/// The stream fields of a call from what instrumentations and LiteLLM report (issue 23):
/// whether it streamed, its time to first token, and whether an exception that came with a
/// status of 200 (or none) was an error delivered inside the stream.
enum StreamFields {
  /// Whether the attributes say the call streamed: OpenTelemetry's `gen_ai.request.stream`,
  /// OpenLIT's `gen_ai.request.is_stream`, OpenLLMetry's `gen_ai.is_streaming` (`llm.is_streaming`
  /// before).
  static func streamed(_ a: Attributes) -> Bool? {
    for key in [
      "gen_ai.request.stream", "gen_ai.request.is_stream", "gen_ai.is_streaming", "llm.is_streaming",
    ] {
      switch a[key] {
      case .bool(let b)?: return b
      case .string(let s)?: if s == "true" || s == "false" { return s == "true" }
      default: continue
      }
    }
    return nil
  }

  /// The time to first token in milliseconds, from the seconds the GenAI conventions and OpenLIT
  /// write; a 0 (an instrumentation's "not measured") is left out rather than refusing the call.
  static func ttftMs(_ a: Attributes) -> Double? {
    let s = a.number(
      "gen_ai.response.time_to_first_chunk", "gen_ai.server.time_to_first_token", "gen_ai.server.ttft")
    return s.flatMap { $0 > 0 ? $0 * 1000 : nil }
  }

  /// The exception classes the SDKs raise for an error event inside a stream that began with a
  /// 200: OpenAI's Python SDK a bare `APIError` (no status), Anthropic's an `APIStatusError`
  /// built on the 200 response.
  static let inStreamClasses: Set<String> = ["APIError", "APIStatusError"]

  /// The in-band error type when a failed call was a stream failure after a 200, else nil: an
  /// in-stream exception class with a status of 200 (or, on a streamed call, none), or a message
  /// that carries the SSE error body (`{'type': 'error', 'error': {'type': 'overloaded_error', ...}}`)
  /// without an HTTP status of its own. The type is the body's (`overloaded_error`), else `api_error`.
  static func errorType(exceptionClass: String?, message: String?, httpStatus: Int64?, streamed: Bool?)
    -> String?
  {
    let statusInMessage = message.flatMap(ProviderError.statusInMessage)
    guard statusInMessage == nil, httpStatus == nil || httpStatus == 200 else { return nil }
    let inStreamClass = exceptionClass.map { inStreamClasses.contains(ProviderError.className($0)) } ?? false
    let sseBody =
      message.map {
        $0.contains("'type': 'error'") || $0.contains("\"type\":\"error\"")
          || $0.contains("\"type\": \"error\"")
      } ?? false
    guard sseBody || (inStreamClass && (httpStatus == 200 || streamed == true)) else { return nil }
    return message.flatMap { ProviderError.quoted("type", in: $0, skipping: "error") } ?? "api_error"
  }

  /// How a streamed span that failed after its 200 ended, when `error.type` says it without an
  /// exception class `errorType` knows: Anthropic's SDK traces its own calls with the error's
  /// type (`overloaded_error`, `api_error`, `rate_limit_error`) or its own names for a cut
  /// (`connection_error`) and a stall (`client_timeout_error`); the SDKs' exception classes for
  /// the same. Nil unless the span says it streamed and answered 200.
  static func failure(errorType: String?, httpStatus: Int64?, streamed: Bool?) -> (StreamOutcome, String?)? {
    guard httpStatus == 200, streamed == true, let errorType else { return nil }
    let name = ProviderError.className(errorType)
    if timeouts.contains(name) { return (.idleTimeout, nil) }
    if cuts.contains(name) { return (.truncated, nil) }
    let inBand =
      name.utf8.count <= 64 && (name.hasSuffix("_error") || name.hasSuffix("_exceeded"))
      && name.utf8.allSatisfy {
        ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z")) || $0 == UInt8(ascii: "_")
      }
    return inBand ? (.errorEvent, name) : nil
  }

  /// A stall, in the names of the SDKs (Anthropic's span's own, the exception classes, httpx's).
  static let timeouts: Set<String> = [
    "client_timeout_error", "APITimeoutError", "Timeout", "ReadTimeout", "TimeoutException",
  ]

  /// A stream cut before its terminal event.
  static let cuts: Set<String> = [
    "connection_error", "APIConnectionError", "RemoteProtocolError", "ReadError", "ChunkedEncodingError",
  ]

  /// Whether a streamed span that did not fail ended without its terminal event: OpenLLMetry's
  /// OpenAI instrumentation ends the span of a stream that raised (an error chunk) or was cut as
  /// OK, with no `gen_ai.response.finish_reasons` and an output message whose `finish_reason` is
  /// empty. What ended it is not in the span: Vigil counts it as `truncated`.
  ///
  /// Its Responses API spans end OK too, with the finish reason `error` for a `response.failed`
  /// (its code is not kept): an error event of no known type (class server).
  static func unfinished(_ a: Attributes, finishReason: String?) -> StreamOutcome? {
    guard streamed(a) == true else { return nil }
    if finishReason == "error" { return .errorEvent }
    guard finishReason == nil, let output = a.text("gen_ai.output.messages") else { return nil }
    let empty = output.contains(#""finish_reason": """#) || output.contains(#""finish_reason":"""#)
    return empty ? .truncated : nil
  }

  /// Marks `c` as a stream that failed after its 200 with an error event of `type`.
  static func markFailed(_ c: inout CallRecord, type: String) {
    markFailed(&c, outcome: .errorEvent, type: type)
  }

  /// Marks `c` as a stream that failed after its 200, as `outcome`.
  static func markFailed(_ c: inout CallRecord, outcome: StreamOutcome, type: String?) {
    c.status = 200
    c.stream = true
    c.streamOutcome = outcome
    c.streamErrorType = type
  }
}
