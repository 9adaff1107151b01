extension CallRecord {
  /// The record as one call-log line (canonical names, no newline), which the parser reads back
  /// as the same record: how calls that arrive over HTTP wait in the intake spool, and how they
  /// then reach the store through the one parser every line passes.
  ///
  /// ```swift
  /// CallRecord(timestampMs: 1_800_000_000_000, status: 429, provider: "openai").line
  /// // {"ts":1800000000000,"status":429,"provider":"openai","model":"unknown","attempt":1}
  /// ```
  package var line: String {
    var out: [UInt8] = []
    out.reserveCapacity(160)
    appendLine(to: &out)
    return String(decoding: out, as: UTF8.self)
  }

  /// Appends ``line`` to `out`.
  package func appendLine(to out: inout [UInt8]) {
    var first = true
    func key(_ name: StaticString) {
      out.append(first ? 123 : 44)  // { or ,
      first = false
      out.append(34)
      out.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
      out += [34, 58]
    }
    func string(_ name: StaticString, _ value: String?) {
      guard var value else { return }
      key(name)
      value.withUTF8 { JSONText.appendQuoted(UnsafeRawBufferPointer($0), to: &out) }
    }
    func integer(_ name: StaticString, _ value: Int64?) {
      guard let value else { return }
      key(name)
      out += String(value).utf8
    }
    func number(_ name: StaticString, _ value: Double?) {
      guard let value else { return }
      key(name)
      out += JSONText.number(value).utf8
    }
    // Epoch milliseconds as the parser reads them (from 1e12 on); earlier times as RFC 3339.
    if timestampMs >= 1_000_000_000_000 {
      integer("ts", timestampMs)
    } else {
      string("ts", Timestamp.formatRFC3339(timestampMs))
    }
    integer("status", Int64(status))
    string("provider", provider)
    string("model", model)
    number("latency_ms", latencyMs)
    integer("attempt", Int64(attempt))
    integer("max_attempts", maxAttempts.map(Int64.init))
    if retriesExhausted {
      key("retries_exhausted")
      out += "true".utf8
    }
    string("error_type", errorType)
    string("error_code", errorCode)
    string("finish_reason", finishReason)
    string("request_id", requestID)
    number("retry_after_s", retryAfterS)
    integer("ratelimit_remaining_requests", rateLimitRemainingRequests)
    integer("ratelimit_remaining_tokens", rateLimitRemainingTokens)
    integer("ratelimit_limit_requests", rateLimitLimitRequests)
    integer("ratelimit_limit_tokens", rateLimitLimitTokens)
    number("ratelimit_reset_requests_s", rateLimitResetRequestsS)
    number("ratelimit_reset_tokens_s", rateLimitResetTokensS)
    integer("prompt_tokens", promptTokens)
    integer("completion_tokens", completionTokens)
    string("app", app)
    string("env", env)
    string("endpoint", endpoint)
    if let stream {
      key("stream")
      out += (stream ? "true" : "false").utf8
    }
    number("ttft_ms", ttftMs)
    string("stream_outcome", streamOutcome?.rawValue)
    string("stream_error_type", streamErrorType)
    number("error_after_ms", errorAfterMs)
    integer("output_tokens_partial", outputTokensPartial)
    number("max_chunk_gap_ms", maxChunkGapMs)
    out.append(125)  // }
  }
}
