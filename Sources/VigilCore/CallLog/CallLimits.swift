/// The values a real call can have: one set of checks for every door.
///
/// The line parser checks each field as it reads it (files, UDP, stdin); ``CallBatch/add(_:)``
/// checks a record built anywhere else (OTLP spans and log records, LiteLLM rows, generators)
/// before it is counted in a rollup. A value outside these limits is refused with the field's
/// name and the reason, never clamped or summed: sums in rollups, histograms and forecasts are
/// only safe for values a call can have.
package enum CallLimits {
  /// The most tokens one call may report (2^40, about 1.1 trillion): sums of this many calls'
  /// tokens stay within 64 bits.
  package static let maxTokens: Int64 = 1 << 40
  /// The longest latency one call may report: a week, in milliseconds.
  package static let maxLatencyMs: Double = 604_800_000
  /// The longest value of a dimension (provider, model, app, env, endpoint): it names a series,
  /// which is kept in memory, stored once and shown as a label.
  package static let maxDimensionBytes = 1024

  /// What is wrong with an HTTP status, or nil: 0 (no response) or 100-599.
  package static func statusProblem(_ v: Int64) -> String? {
    v == 0 || (100...599).contains(v) ? nil : "status \(v) is not 0 or 100-599"
  }

  /// What is wrong with a latency in milliseconds, or nil.
  package static func latencyProblem(_ ms: Double) -> String? {
    guard ms.isFinite else { return "number out of range" }
    guard ms >= 0 else { return "must not be negative" }
    guard ms <= maxLatencyMs else { return "\(formatPlain(ms)) ms is longer than any call can take (a week)" }
    return nil
  }

  /// What is wrong with an attempt number or a number of attempts, or nil.
  package static func attemptProblem(_ v: Int64) -> String? {
    v >= 1 && v <= Int64(Int32.max) ? nil : "must be 1 or more"
  }

  /// What is wrong with a token count, or nil.
  package static func tokensProblem(_ v: Int64) -> String? {
    guard v >= 0 else { return "must not be negative" }
    guard v <= maxTokens else { return "\(v) is more tokens than any call uses (at most \(maxTokens))" }
    return nil
  }

  /// The largest count the rate-limit headers may announce (10^18: no provider's limit comes
  /// near it, and sums and fits of such counts stay well inside 64 bits).
  package static let maxRateLimitCount: Int64 = 1_000_000_000_000_000_000

  /// What is wrong with a count from the rate-limit headers (remaining, limit), or nil.
  package static func rateLimitCountProblem(_ v: Int64) -> String? {
    guard v >= 0 else { return "must not be negative" }
    return v <= maxRateLimitCount ? nil : "\(v) is more than any limit (at most 10^18)"
  }

  /// What is wrong with a Retry-After in seconds, or nil.
  package static func retryAfterProblem(_ s: Double) -> String? {
    guard s.isFinite else { return "number out of range" }
    return s >= 0 ? nil : "must not be negative"
  }

  /// What is wrong with the seconds until a rate limit resets, or nil.
  package static func resetProblem(_ s: Double) -> String? {
    s.isFinite && s >= 0 && s <= RateLimitReset.maxSeconds ? nil : "must be 0 to 31 days"
  }

  /// What is wrong with a call's time in milliseconds since the epoch, or nil.
  package static func timestampProblem(_ ms: Int64) -> String? {
    ms >= 0 && ms <= Timestamp.maxMs ? nil : "timestamp out of range"
  }

  /// What is wrong with the value of a dimension, or nil.
  package static func dimensionProblem(byteCount: Int) -> String? {
    byteCount <= maxDimensionBytes
      ? nil : "\(byteCount) bytes is longer than a label may be (at most \(maxDimensionBytes))"
  }

  /// What is wrong with a time to first token in milliseconds, or nil: a latency, and never 0
  /// (the contract's "absent when not measured": a logger that writes 0 for "instant" or for
  /// "unknown" would pull every percentile down).
  package static func ttftProblem(_ ms: Double) -> String? {
    if let problem = latencyProblem(ms) { return problem }
    return ms > 0 ? nil : "0 is no time to first token (leave the field out when it was not measured)"
  }

  /// What is wrong with a duration inside a stream (`error_after_ms`, `max_chunk_gap_ms`), or nil.
  package static func streamDurationProblem(_ ms: Double) -> String? { latencyProblem(ms) }

  /// What is wrong with a stream outcome's name, or nil.
  package static func streamOutcomeProblem(_ bytes: some Collection<UInt8>) -> String? {
    StreamOutcome(bytes: bytes) != nil
      ? nil : "not a stream outcome (one of \(StreamOutcome.names))"
  }

  /// What is wrong with a call that says `stream: false` and reports a stream's fields, or nil.
  package static func streamConsistencyProblem(stream: Bool?, hasStreamFields: Bool) -> String? {
    stream == false && hasStreamFields
      ? "the call says it was not streamed but reports how its stream went (ttft_ms, stream_outcome, ...)"
      : nil
  }

  /// The records that pass ``check(_:)``, and how many did not, with the first reason.
  package static func accepted(_ records: [CallRecord]) -> (
    accepted: [CallRecord], refused: Int, firstReason: RejectReason?
  ) {
    var accepted: [CallRecord] = []
    accepted.reserveCapacity(records.count)
    var refused = 0
    var first: RejectReason?
    for record in records {
      do throws(RejectReason) {
        try check(record)
        accepted.append(record)
      } catch {
        refused += 1
        if first == nil { first = error }
      }
    }
    return (accepted, refused, first)
  }

  /// Checks every field of `record` as the parser checks a line's, throwing the first problem.
  package static func check(_ record: CallRecord) throws(RejectReason) {
    func check(_ field: String, _ problem: String?) throws(RejectReason) {
      if let problem { throw RejectReason(.badValue, "field '\(field)': \(problem)") }
    }
    try check("ts", timestampProblem(record.timestampMs))
    try check("status", statusProblem(Int64(record.status)))
    if let v = record.latencyMs { try check("latency_ms", latencyProblem(v)) }
    try check("attempt", attemptProblem(Int64(record.attempt)))
    if let v = record.maxAttempts { try check("max_attempts", attemptProblem(Int64(v))) }
    if let v = record.promptTokens { try check("prompt_tokens", tokensProblem(v)) }
    if let v = record.completionTokens { try check("completion_tokens", tokensProblem(v)) }
    if let v = record.retryAfterS { try check("retry_after_s", retryAfterProblem(v)) }
    let counts: [(String, Int64?)] = [
      ("ratelimit_remaining_requests", record.rateLimitRemainingRequests),
      ("ratelimit_remaining_tokens", record.rateLimitRemainingTokens),
      ("ratelimit_limit_requests", record.rateLimitLimitRequests),
      ("ratelimit_limit_tokens", record.rateLimitLimitTokens),
    ]
    for case (let name, let v?) in counts { try check(name, rateLimitCountProblem(v)) }
    if let v = record.rateLimitResetRequestsS { try check("ratelimit_reset_requests", resetProblem(v)) }
    if let v = record.rateLimitResetTokensS { try check("ratelimit_reset_tokens", resetProblem(v)) }
    let dimensions: [(String, String?)] = [
      ("provider", record.provider), ("model", record.model), ("app", record.app), ("env", record.env),
      ("endpoint", record.endpoint),
    ]
    for case (let name, let v?) in dimensions { try check(name, dimensionProblem(byteCount: v.utf8.count)) }
    if let v = record.ttftMs { try check("ttft_ms", ttftProblem(v)) }
    if let v = record.errorAfterMs { try check("error_after_ms", streamDurationProblem(v)) }
    if let v = record.maxChunkGapMs { try check("max_chunk_gap_ms", streamDurationProblem(v)) }
    if let v = record.outputTokensPartial { try check("output_tokens_partial", tokensProblem(v)) }
    let streamFields =
      record.ttftMs != nil || record.streamOutcome != nil || record.streamErrorType != nil
      || record.errorAfterMs != nil || record.outputTokensPartial != nil || record.maxChunkGapMs != nil
    try check("stream", streamConsistencyProblem(stream: record.stream, hasStreamFields: streamFields))
  }
}
