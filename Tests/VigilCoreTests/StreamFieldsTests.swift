import Testing

@testable import VigilCore

/// A streamed call's fields (issue 23): read under their names and aliases, checked by the one
/// set of limits, carried through the batch and its line, and a stream that failed after its 200
/// classed as the same failure would be without streaming.
@Suite struct StreamFieldsTests {
  let parser = CallLogParser()

  /// Reads `line` into `batch` as ingest does (rows, not records).
  func add(_ line: String, to batch: inout CallBatch) throws {
    let bytes = Array(line.utf8)
    try bytes.withUnsafeBytes { try parser.parse($0, into: &batch) }
  }

  @Test func parsesTheStreamFields() throws {
    let r = try parser.parse(
      #"{"ts":1764077524,"status":200,"provider":"anthropic","stream":true,"ttft_ms":412.5,"stream_outcome":"error_event","stream_error_type":"overloaded_error","error_after_ms":1830,"output_tokens_partial":57,"max_chunk_gap_ms":950}"#
    )
    #expect(r.stream == true)
    #expect(r.ttftMs == 412.5)
    #expect(r.streamOutcome == .errorEvent)
    #expect(r.streamErrorType == "overloaded_error")
    #expect(r.errorAfterMs == 1830)
    #expect(r.outputTokensPartial == 57)
    #expect(r.maxChunkGapMs == 950)
    #expect(r.statusClass == .capacity)
    #expect(r.isStream && r.isFailedStream)
  }

  @Test(arguments: [
    (
      #"{"ts":1,"status":200,"gen_ai.request.stream":true,"gen_ai.response.time_to_first_chunk":0.25}"#, 250.0
    ),
    (#"{"ts":1,"status":200,"gen_ai":{"request":{"is_stream":true},"server":{"ttft":1.5}}}"#, 1500.0),
    (
      #"{"ts":1,"status":200,"gen_ai.request.is_stream":true,"gen_ai.server.time_to_first_token":0.002}"#, 2.0
    ),
    // The canonical name wins over an alias, whatever the order.
    (#"{"ts":1,"status":200,"gen_ai.server.ttft":9,"stream":true,"ttft_ms":30}"#, 30.0),
  ])
  func otelAndOpenLITAliases(line: String, ttftMs: Double) throws {
    let r = try parser.parse(line)
    #expect(r.stream == true)
    #expect(r.ttftMs == ttftMs)
    #expect(r.statusClass == .success)
  }

  @Test(arguments: [
    (#"{"ts":1,"status":200,"ttft_ms":0}"#, "field 'ttft_ms': 0 is no time to first token"),
    (#"{"ts":1,"status":200,"gen_ai.server.ttft":-1}"#, "field 'gen_ai.server.ttft': must not be negative"),
    (#"{"ts":1,"status":200,"stream_outcome":"done"}"#, "field 'stream_outcome': not a stream outcome"),
    (#"{"ts":1,"status":200,"stream_outcome":7}"#, "field 'stream_outcome': expected a string"),
    (#"{"ts":1,"status":200,"stream":"yes"}"#, "field 'stream': expected a boolean"),
    (#"{"ts":1,"status":200,"error_after_ms":604800001}"#, "field 'error_after_ms'"),
    (#"{"ts":1,"status":200,"max_chunk_gap_ms":-5}"#, "field 'max_chunk_gap_ms': must not be negative"),
    (
      #"{"ts":1,"status":200,"output_tokens_partial":-1}"#,
      "field 'output_tokens_partial': must not be negative"
    ),
    (
      #"{"ts":1,"status":200,"stream":false,"stream_outcome":"truncated"}"#,
      "field 'stream': the call says it was not streamed"
    ),
  ])
  func badStreamValuesAreRefusedWithTheField(line: String, message: String) {
    do throws(RejectReason) {
      _ = try parser.parse(line)
      Issue.record("accepted: \(line)")
    } catch {
      #expect(error.kind == .badValue && error.message.hasPrefix(message), "\(error.message)")
    }
  }

  @Test func theLimitsRefuseTheSameRecords() {
    var zero = CallRecord(timestampMs: 0, status: 200)
    zero.ttftMs = 0
    var notStreamed = CallRecord(timestampMs: 0, status: 200)
    notStreamed.stream = false
    notStreamed.streamOutcome = .completed
    var tokens = CallRecord(timestampMs: 0, status: 200)
    tokens.outputTokensPartial = CallLimits.maxTokens + 1
    for (record, field) in [(zero, "ttft_ms"), (notStreamed, "stream"), (tokens, "output_tokens_partial")] {
      #expect(throws: RejectReason.self) { try CallLimits.check(record) }
      do throws(RejectReason) {
        try CallLimits.check(record)
      } catch {
        #expect(error.message.hasPrefix("field '\(field)'"), "\(error.message)")
      }
    }
  }

  /// The classification table of the README, for a line and for a record alike.
  @Test(arguments: [
    (200, "error_event", "overloaded_error" as String?, StatusClass.capacity),
    (200, "error_event", "rate_limit_error", .capacity),
    (200, "error_event", "rate_limit_exceeded", .capacity),
    (200, "error_event", "api_error", .server),
    (200, "error_event", "server_error", .server),
    (200, "error_event", "something_new", .server),
    (200, "error_event", nil, .server),
    (200, "error_event", "invalid_request_error", .client),
    (200, "error_event", "insufficient_quota", .quota),
    (200, "error_event", "context_length_exceeded", .contextLength),
    (200, "truncated", nil, .network),
    (200, "idle_timeout", nil, .network),
    (200, "client_cancelled", nil, .cancelled),
    (200, "completed", nil, .success),
    // The status decides when there is one that failed.
    (503, "error_event", "api_error", .capacity),
    (0, "truncated", nil, .network),
    (400, "truncated", nil, .client),
  ])
  func aFailedStreamTakesTheClassOfItsFailure(
    status: Int, outcome: String, type: String?, expected: StatusClass
  ) throws {
    var line = #"{"ts":1764077524,"status":\#(status),"stream":true,"stream_outcome":"\#(outcome)""#
    if let type { line += #","stream_error_type":"\#(type)""# }
    let record = try parser.parse(line + "}")
    #expect(record.statusClass == expected, "\(line)")
    var batch = CallBatch()
    try add(line + "}", to: &batch)
    #expect(Int(batch.rows[0].statusClass) == expected.index, "\(line)")
  }

  @Test func theErrorTypeOrCodeNamesAnErrorEventWithoutAStreamErrorType() throws {
    let r = try parser.parse(
      #"{"ts":1,"status":200,"stream_outcome":"error_event","error_type":"APIError","error_code":"rate_limit_exceeded"}"#
    )
    #expect(r.statusClass == .capacity)
  }

  @Test func aCompletedFilteredStreamStaysContentFilter() throws {
    let r = try parser.parse(
      #"{"ts":1,"status":200,"stream":true,"stream_outcome":"completed","finish_reason":"content_filter"}"#)
    #expect(r.statusClass == .contentFilter)
    var rollup = Rollup()
    rollup.add(r)
    #expect(rollup.errors == 0)
  }

  /// An error for error_rate, a bad SLO event and a class count, exactly as the same failure
  /// without streaming; a cancelled stream is none of them.
  @Test func aFailedStreamCountsAsTheSameFailureWithoutStreaming() throws {
    let streamed = try parser.parse(
      #"{"ts":1764077524,"status":200,"provider":"anthropic","stream":true,"stream_outcome":"error_event","stream_error_type":"overloaded_error"}"#
    )
    let plain = try parser.parse(#"{"ts":1764077524,"status":529,"provider":"anthropic"}"#)
    var a = Rollup()
    var b = Rollup()
    a.add(streamed)
    b.add(plain)
    #expect(a.errors == 1 && a.errors == b.errors)
    #expect(a.unavailable == 1 && a.unavailable == b.unavailable)
    #expect(a.count(of: .capacity) == 1 && b.count(of: .capacity) == 1)
    #expect(MetricKind.errorRate.value(of: a) == 1)
    // The row path (what ingest counts) agrees with the record path.
    var batch = CallBatch()
    try add(streamed.line, to: &batch)
    #expect(batch.rollupValues[0].errors == 1 && batch.rollupValues[0].unavailable == 1)

    let cancelled = try parser.parse(
      #"{"ts":1764077524,"status":200,"stream":true,"stream_outcome":"client_cancelled","error_after_ms":300}"#
    )
    var c = Rollup()
    c.add(cancelled)
    #expect(c.errors == 0 && c.unavailable == 0 && c.count(of: .cancelled) == 1)
  }

  @Test func theFieldsComeBackFromTheBatchAndTheLine() throws {
    var record = CallRecord(timestampMs: 1_800_000_000_000, status: 200, provider: "openai")
    record.stream = true
    record.ttftMs = 0.5
    record.streamOutcome = .truncated
    record.streamErrorType = "a\"b"
    record.errorAfterMs = 0
    record.outputTokensPartial = 12
    record.maxChunkGapMs = 31_000
    var batch = CallBatch()
    try batch.add(record)
    #expect(batch.record(at: 0) == record)
    #expect(try parser.parse(record.line) == record)
    record.stream = false
    record.ttftMs = nil
    record.streamOutcome = nil
    record.streamErrorType = nil
    record.errorAfterMs = nil
    record.outputTokensPartial = nil
    record.maxChunkGapMs = nil
    #expect(try parser.parse(record.line) == record)
    #expect(record.line.hasSuffix(#""stream":false}"#))
  }
}
