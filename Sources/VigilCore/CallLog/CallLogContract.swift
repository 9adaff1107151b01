#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The fields of the contract, in slot order.
enum Field: Int, CaseIterable, Sendable {
  case ts, status, provider, model, latency, attempt, maxAttempts, exhausted, errorType, errorCode
  case requestID, retryAfter, rlRequests, rlTokens, promptTokens, completionTokens, app, env, endpoint
  case finishReason, rlLimitRequests, rlLimitTokens, rlResetRequests, rlResetTokens
  case stream, ttft, streamOutcome, streamErrorType, errorAfter, outputTokensPartial, maxChunkGap

  /// The canonical name, for messages.
  var name: String {
    switch self {
    case .ts: "ts"
    case .status: "status"
    case .provider: "provider"
    case .model: "model"
    case .latency: "latency_ms"
    case .attempt: "attempt"
    case .maxAttempts: "max_attempts"
    case .exhausted: "retries_exhausted"
    case .errorType: "error_type"
    case .errorCode: "error_code"
    case .requestID: "request_id"
    case .retryAfter: "retry_after_s"
    case .rlRequests: "ratelimit_remaining_requests"
    case .rlTokens: "ratelimit_remaining_tokens"
    case .promptTokens: "prompt_tokens"
    case .completionTokens: "completion_tokens"
    case .app: "app"
    case .env: "env"
    case .endpoint: "endpoint"
    case .finishReason: "finish_reason"
    case .rlLimitRequests: "ratelimit_limit_requests"
    case .rlLimitTokens: "ratelimit_limit_tokens"
    case .rlResetRequests: "ratelimit_reset_requests"
    case .rlResetTokens: "ratelimit_reset_tokens"
    case .stream: "stream"
    case .ttft: "ttft_ms"
    case .streamOutcome: "stream_outcome"
    case .streamErrorType: "stream_error_type"
    case .errorAfter: "error_after_ms"
    case .outputTokensPartial: "output_tokens_partial"
    case .maxChunkGap: "max_chunk_gap_ms"
    }
  }
}
/// How an alias's value converts to the canonical field.
enum Conversion: Sendable { case none, secondsToMs, plusOne }
/// One accepted key path: field, priority (0 = canonical, higher = later alias), conversion.
struct FieldKey: Sendable {
  let path: [UInt8]
  let field: Field
  let priority: UInt8
  let conversion: Conversion
}
/// Every key path of the contract, canonical names first. The table is the contract's.
let fieldKeys: [FieldKey] = {
  let spec: [(Field, [(String, Conversion)])] = [
    (.ts, [("ts", .none), ("timestamp", .none), ("time", .none), ("@timestamp", .none)]),
    (
      .status,
      [
        ("status", .none), ("status_code", .none), ("http_status", .none),
        ("http.response.status_code", .none),
      ]
    ),
    (.provider, [("provider", .none), ("gen_ai.provider.name", .none), ("gen_ai.system", .none)]),
    (.model, [("model", .none), ("gen_ai.request.model", .none)]),
    (
      .latency,
      [
        ("latency_ms", .none), ("duration_ms", .none), ("elapsed_ms", .none), ("latency_s", .secondsToMs),
        ("duration_s", .secondsToMs),
      ]
    ),
    (.attempt, [("attempt", .none), ("http.request.resend_count", .plusOne)]),
    (.maxAttempts, [("max_attempts", .none), ("max_retries", .plusOne)]),
    (.exhausted, [("retries_exhausted", .none), ("gave_up", .none)]),
    (.errorType, [("error_type", .none), ("error.type", .none)]),
    (.errorCode, [("error_code", .none), ("code", .none), ("error.code", .none)]),
    (.requestID, [("request_id", .none), ("x_request_id", .none)]),
    (.retryAfter, [("retry_after_s", .none), ("retry_after", .none)]),
    (.rlRequests, [("ratelimit_remaining_requests", .none)]),
    (.rlTokens, [("ratelimit_remaining_tokens", .none)]),
    (.promptTokens, [("prompt_tokens", .none), ("gen_ai.usage.input_tokens", .none)]),
    (.completionTokens, [("completion_tokens", .none), ("gen_ai.usage.output_tokens", .none)]),
    (.app, [("app", .none)]),
    (.env, [("env", .none)]),
    (.endpoint, [("endpoint", .none)]),
    (.finishReason, [("finish_reason", .none), ("stop_reason", .none)]),
    (.rlLimitRequests, [("ratelimit_limit_requests", .none)]),
    (.rlLimitTokens, [("ratelimit_limit_tokens", .none)]),
    (.rlResetRequests, [("ratelimit_reset_requests", .none), ("ratelimit_reset_requests_s", .none)]),
    (.rlResetTokens, [("ratelimit_reset_tokens", .none), ("ratelimit_reset_tokens_s", .none)]),
    // Streams: OpenTelemetry's gen_ai names and OpenLIT's (whose times are in seconds).
    (.stream, [("stream", .none), ("gen_ai.request.stream", .none), ("gen_ai.request.is_stream", .none)]),
    (
      .ttft,
      [
        ("ttft_ms", .none), ("gen_ai.response.time_to_first_chunk", .secondsToMs),
        ("gen_ai.server.time_to_first_token", .secondsToMs), ("gen_ai.server.ttft", .secondsToMs),
      ]
    ),
    (.streamOutcome, [("stream_outcome", .none)]),
    (.streamErrorType, [("stream_error_type", .none)]),
    (.errorAfter, [("error_after_ms", .none)]),
    (.outputTokensPartial, [("output_tokens_partial", .none)]),
    (.maxChunkGap, [("max_chunk_gap_ms", .none)]),
  ]
  return spec.flatMap { field, names in
    names.enumerated().map {
      FieldKey(path: Array($1.0.utf8), field: field, priority: UInt8($0), conversion: $1.1)
    }
  }
}()
/// Object keys under which nested objects may hold fields (`{"http":{"response":{...}}}`).
let nestedPrefixes: [[UInt8]] = {
  var prefixes = Set<[UInt8]>()
  for key in fieldKeys {
    for (i, byte) in key.path.enumerated() where byte == UInt8(ascii: ".") {
      prefixes.insert(Array(key.path[..<i]))
    }
  }
  return Array(prefixes)
}()
